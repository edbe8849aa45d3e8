/**
 * The usual stage of a side-by-side test: lb1 and lb2 on one bridge (SUBNET.11 and SUBNET.12),
 * a world-readable temporary directory, and a Directors for both; all stopped and removed after
 * the file's tests. Call at the top level of a test file.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors } from './directors';
import { Topology } from './netns';

export interface Stage {
  topo: Topology;
  dirs: Directors;
  tmp: string;
}

export function twoDirectorsOnABridge(prefix: string, subnet: string): Stage {
  const stage = {} as Stage;
  beforeAll(() => {
    stage.topo = new Topology(prefix).build(['br0'], [
      { name: 'lb1', links: [['br0', `${subnet}.11/24`]] },
      { name: 'lb2', links: [['br0', `${subnet}.12/24`]] },
    ]);
    stage.tmp = mkdtempSync(join(tmpdir(), prefix));
    chmodSync(stage.tmp, 0o755);
    stage.dirs = new Directors(stage.topo, join(stage.tmp, 'run'));
  });
  afterAll(async () => {
    await stage.dirs.stopAll();
    stage.topo.destroy();
    rmSync(stage.tmp, { recursive: true, force: true });
  });
  return stage;
}
