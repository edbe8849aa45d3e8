/** planAnnounceReload: what a reload does to the halo_announce blocks (pure). */
import { planAnnounceReload, stopGraceMs } from '../../src/announce/reload';
import { model } from '../config/helpers';

const VS = (addr: string) => `virtual_server ${addr} 80 {\n lb_algo mh\n lb_kind DR\n protocol TCP\n real_server 10.0.1.1 80 {\n  TCP_CHECK {\n  }\n }\n}\n`;
const block = (name: string, addr: string, extra = '') => `halo_announce ${name} {\n address ${addr}\n${extra}}\n`;
const announces = (text: string) => model(text).announces;

describe('planAnnounceReload', () => {
  it('a reload that adds the first block withdraws nothing, keeps any address, and turns on the holdover and the longer stop grace', () => {
    const next = announces(block('WEB', '192.0.2.80', ' drain_delay 3\n drain_timeout 45\n') + VS('192.0.2.80'));
    const p = planAnnounceReload(null, next);
    expect(p.withdraw).toEqual([]);
    // "not announced" without the start-up pass that removes a leftover address: nothing leaves the host
    expect(p.entries).toEqual([{ name: 'WEB', carried: false, announced: false, removeLeftover: false }]);
    expect(p.holdover).toBe(true);
    expect(p.stopGraceMs).toBe(55_000);
    expect(p.lines).toEqual(["halo_announce WEB starts (192.0.2.80 on lo): announced once its virtual servers' quorum is up; nothing withdrawn"]);
  });

  it('a start judges from null: its first pass may remove a previous run\'s leftover', () => {
    const p = planAnnounceReload(null, announces(block('WEB', '192.0.2.80') + VS('192.0.2.80')), true);
    expect(p.entries).toEqual([{ name: 'WEB', carried: false, announced: null, removeLeftover: true }]);
    expect(p.lines).toEqual([]);
  });

  it('a kept block keeps its state; a second block added beside it withdraws nothing', () => {
    const before = [{ cfg: { name: 'WEB', address: '192.0.2.80', interface: 'lo' }, announced: true }];
    const p = planAnnounceReload(before, announces(block('WEB', '192.0.2.80') + block('API', '192.0.2.81') + VS('192.0.2.80') + VS('192.0.2.81')));
    expect(p.entries).toEqual([{ name: 'WEB', carried: true, announced: true, removeLeftover: false }, { name: 'API', carried: false, announced: false, removeLeftover: false }]);
    expect(p.withdraw).toEqual([]);
  });

  it('a removed or moved block that was announced is withdrawn; one never announced is not', () => {
    const before = [
      { cfg: { name: 'WEB', address: '192.0.2.80', interface: 'lo' }, announced: true },
      { cfg: { name: 'API', address: '192.0.2.81', interface: 'lo' }, announced: true },
      { cfg: { name: 'OLD', address: '192.0.2.82', interface: 'lo' }, announced: false },
    ];
    const p = planAnnounceReload(before, announces(block('WEB', '192.0.2.83') + VS('192.0.2.83')));
    expect(p.withdraw).toEqual([
      { name: 'WEB', address: '192.0.2.80', why: 'moved in the configuration' },
      { name: 'API', address: '192.0.2.81', why: 'removed from the configuration' },
    ]);
    expect(p.lines).toContain('halo_announce API withdraws 192.0.2.81 (removed from the configuration)');
  });

  it('the last block removed: no holdover needed, the stop grace back to 10 s', () => {
    const p = planAnnounceReload([{ cfg: { name: 'WEB', address: '192.0.2.80', interface: 'lo' }, announced: true }], []);
    expect(p).toMatchObject({ holdover: false, stopGraceMs: 10_000, withdraw: [{ name: 'WEB' }] });
    expect(stopGraceMs([{ drainDelayMs: 5000, drainTimeoutMs: 30_000 }, { drainDelayMs: 40_000, drainTimeoutMs: 0 }])).toBe(50_000);
  });
});
