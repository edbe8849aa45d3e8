/**
 * BFD_CHECK in the real IPVS table (kernel VM tier), halo beside keepalived 2.2.7 in the same
 * run: Debian's FRR bfdd is the BFD peer of both directors, each of which guards one real
 * server (the FRR host) with BFD_CHECK on that session. The server is in each director's
 * `ipvsadm -Ln` while the session is Up, leaves it when bfdd is killed (detection time expires)
 * and comes back when bfdd returns — in halo's table and in keepalived's alike.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, HALO, waitFor, type RunningDirector } from '../support/directors';
import { ipvsRows } from '../support/ipvs-table';
import { Topology } from '../support/netns';
import { describeNeeding, file, root, tool } from '../support/prerequisites';
import { BFDD, Bfdd, bfddPeer } from '../support/bfdd';

jest.setTimeout(400_000);

const NET = '10.0.212';
const FRR = `${NET}.1`;
const SRC = { hl: `${NET}.2`, ka: `${NET}.3` } as const;
const ROW = `192.168.212.1:80>${FRR}:80`;

let topo: Topology;
let dirs: Directors;
let tmp: string;
let bfdd: Bfdd;
let halo: RunningDirector;
let ka: RunningDirector;

const d = describeNeeding(root, file(HALO, 'the built CLI dist/cli/main.js (npm run build)'), file(BFDD, "FRR's bfdd (apt-get install frr)"),
  tool('keepalived'), tool('ipvsadm'));

function conf(src: string): string {
  return [
    'global_defs {', ' router_id bfdipvs', '}',
    'bfd_instance frr {', ` neighbor_ip ${FRR}`, ` source_ip ${src}`, ' min_rx 300', ' min_tx 300', ' multiplier 3', '}',
    'virtual_server 192.168.212.1 80 {', ' delay_loop 5', ' lb_algo rr', ' lb_kind NAT', ' protocol TCP',
    ` real_server ${FRR} 80 {`, '  BFD_CHECK {', '   name frr', '  }', ' }', '}', '',
  ].join('\n');
}

/** `ipvsadm -Ln` of a director's namespace as "VIP:PORT>RS:PORT" rows. */
const table = (host: string): string[] => ipvsRows(topo, host);

const logs = (): string => `--- halo\n${halo.log().slice(-2500)}\n--- keepalived\n${ka.log().slice(-2500)}`;
const count = (text: string, re: RegExp): number => (text.match(new RegExp(re.source, 'g')) ?? []).length;

async function both(what: string, pred: (host: 'hl' | 'ka', d: RunningDirector) => boolean): Promise<void> {
  const ok = await waitFor(() => pred('hl', halo) && pred('ka', ka), 60_000, 200);
  if (!ok) throw new Error(`${what}: not reached in 60 s\nhalo table ${JSON.stringify(table('hl'))}, keepalived table ${JSON.stringify(table('ka'))}\n${logs()}`);
}

d('BFD_CHECK in the IPVS table: halo and keepalived 2.2.7 with FRR bfdd (VM)', () => {
  beforeAll(() => {
    topo = new Topology('bfdipvs-').build(['br0'], [
      { name: 'frr', links: [['br0', `${FRR}/24`]] },
      { name: 'hl', links: [['br0', `${SRC.hl}/24`]] },
      { name: 'ka', links: [['br0', `${SRC.ka}/24`]] },
    ]);
    tmp = mkdtempSync(join(tmpdir(), 'bfd-ipvs-'));
    chmodSync(tmp, 0o755); // bfdd runs as frr: its directory below must be reachable
    mkdirSync(join(tmp, 'bfdd'));
    bfdd = new Bfdd(topo, 'frr', join(tmp, 'bfdd'), [...bfddPeer(SRC.hl, FRR), ...bfddPeer(SRC.ka, FRR)]);
    dirs = new Directors(topo, join(tmp, 'directors'));
    // all subsystems (keepalived runs BFD in its own process, not under -C)
    halo = dirs.halo('hl', conf(SRC.hl));
    ka = dirs.keepalived('ka', conf(SRC.ka));
    bfdd.start();
  });

  afterAll(async () => {
    await bfdd?.stop();
    await dirs?.stopAll();
    topo?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('the session comes Up: the real server is in both tables', async () => {
    await both('BFD_CHECK up', (h, dd) => /BFD check of \[frr\] RS\(\[10\.0\.212\.1\]:tcp:80\) is UP/.test(dd.log()) && table(h).includes(ROW));
    expect({ halo: table('hl'), keepalived: table('ka') }).toEqual({ halo: [ROW], keepalived: [ROW] });
  });

  it('bfdd is killed: the session expires and the server leaves both tables', async () => {
    const DOWN = /BFD check of \[frr\] RS\(\[10\.0\.212\.1\]:tcp:80\) is DOWN/;
    const before = [count(halo.log(), DOWN), count(ka.log(), DOWN)];
    await bfdd.stop();
    await both('server out', (h) => !table(h).includes(ROW));
    for (const dd of [halo, ka]) expect(dd.log()).toMatch(/\(frr\) Entering Down state \(Local diagnostic - Control Detection Time Expired/);
    expect([count(halo.log(), DOWN), count(ka.log(), DOWN)]).toEqual([before[0] + 1, before[1] + 1]);
    expect({ halo: table('hl'), keepalived: table('ka') }).toEqual({ halo: [], keepalived: [] });
  });

  it('bfdd returns: Up again, the server is back in both tables', async () => {
    bfdd.start();
    await both('server back', (h, dd) => count(dd.log(), /BFD check of \[frr\] RS\(\[10\.0\.212\.1\]:tcp:80\) is UP/) >= 2 && table(h).includes(ROW));
    expect({ halo: table('hl'), keepalived: table('ka') }).toEqual({ halo: [ROW], keepalived: [ROW] });
  });
});
