/**
 * Issue 10's second target: keepalived's Debian samples (the keepalived package's
 * /usr/share/doc/keepalived/samples, 25 configs) all start in halo as keepalived 2.2.7 runs
 * them: no error, and keepalived's own warnings where keepalived carries on (the lvs_syncd
 * sample's sync group without instances is dropped, not refused).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load';
import { describeNeeding, file } from '../support/prerequisites';

const SAMPLES = '/usr/share/doc/keepalived/samples';
const d = describeNeeding(file(SAMPLES, "keepalived's Debian samples (apt-get install keepalived)"));

d("keepalived's Debian samples", () => {
  const names = (): string[] => readdirSync(SAMPLES).filter((n) => n.startsWith('keepalived.conf.')).sort();

  it('are the 25 of keepalived 2.2.7', () => {
    expect(names()).toHaveLength(25);
  });

  it('each starts in halo: a model and no error', () => {
    const refused = names()
      .map((n) => ({ n, r: loadConfig(join(SAMPLES, n)) }))
      .filter(({ r }) => r.model === null || r.diagnostics.some((x) => x.severity === 'error'))
      .map(({ n, r }) => `${n}: ${r.diagnostics.filter((x) => x.severity === 'error').map((x) => x.message).join('; ')}`);
    expect(refused).toEqual([]);
  });

  it("the lvs_syncd sample's empty sync group is dropped with keepalived's line, its instances kept", () => {
    const r = loadConfig(join(SAMPLES, 'keepalived.conf.vrrp.lvs_syncd'));
    expect(r.diagnostics.map((x) => x.message)).toContain('Sync group VG1 has no virtual router(s). removing');
    expect(r.model?.vrrpSyncGroups ?? []).toEqual([]);
    expect(r.model?.vrrpInstances.map((i) => i.name)).toEqual(['VI_1', 'VI_2', 'VI_3']);
  });
});
