/** FRR in test namespaces: src/lab/frr.ts, plus the prerequisite. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FRR_DAEMONS, FRR_DIR } from '../../src/lab/frr';
import { tool, type Prerequisite } from './prerequisites';

export { FrrNode, FRR_DIR } from '../../src/lab/frr';

export const frrDaemons: Prerequisite = () =>
  FRR_DAEMONS.every((d) => existsSync(join(FRR_DIR, d))) ? tool('vtysh', 'frr')() : `FRR daemons in ${FRR_DIR} (apt install frr)`;
