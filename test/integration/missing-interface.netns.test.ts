/**
 * Routes, rules and addresses naming an interface the host does not have, beside Debian's
 * keepalived 2.2.7 (netns), each on its own segment with the same config:
 *
 * - without dynamic_interfaces keepalived reports each at its line ("WARNING - interface nosuch0
 *   for VROUTE nexthop doesn't exist", "… for rule doesn't exist"), then "Non-existent interface
 *   specified in configuration", and terminates with its config error; halo reports the same
 *   lines at the same places and refuses to start. Neither installs anything.
 * - with dynamic_interfaces both run: the static route whose interface is missing fails, the
 *   others go in, the instance whose virtual route names a missing interface is in FAULT; when
 *   that interface appears both become MASTER and add the route. The routing tables are equal.
 * - halo running with a good config refuses a reload that names a missing interface (keepalived
 *   would stop its VRRP process: halo's rule is that a bad config never stops a running daemon).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, HALO, RunningDirector, waitFor } from '../support/directors';
import { Topology } from '../support/netns';
import { describeNeeding, file, root, tool } from '../support/prerequisites';

jest.setTimeout(180_000);

const SIDES = { halo: 'lbh', keepalived: 'lbk' } as const;
type Side = keyof typeof SIDES;
const BOTH: Side[] = ['halo', 'keepalived'];
const VIP = '192.168.85.200';

const config = (dynamic: boolean) => `${dynamic ? 'global_defs {\n    dynamic_interfaces\n}\n' : ''}static_routes {
    10.9.0.0/16 dev nosuch0
    10.8.0.0/16 dev eth0
}
static_rules {
    from 1.2.3.4 iif nosuch2 table 5 priority 5
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 64
    priority 100
    advert_int 1
    virtual_ipaddress {
        ${VIP}/24
    }
    virtual_routes {
        10.20.0.0/16 dev nosuch1
        10.21.0.0/16 via 192.168.85.1 dev eth0
    }
}
`;

let topo: Topology;
let dirs: Directors;
let tmp: string;

/** The messages about missing interfaces as `LINE message`: keepalived's `(FILE: Line N) …`, halo's `FILE:N:C: error: …`. */
function missingLines(side: Side, log: string): string[] {
  const re = side === 'keepalived' ? /\(\S+: Line (\d+)\) (WARNING - interface .* doesn't exist)/g : /\.conf:(\d+):\d+: error: (WARNING - interface .* doesn't exist)/g;
  return [...log.matchAll(re)].map((m) => `${m[1]} ${m[2]}`).sort();
}

/** Routes and rules as `ip -j` shows them, the kernel's own left out. */
function tables(host: string): unknown {
  const j = (args: string[]) => JSON.parse(topo.exec(host, ['ip', '-j', ...args]) || '[]') as Array<Record<string, unknown>>;
  return {
    routes: j(['-4', 'route', 'show', 'table', 'all']).filter((r) => r.table !== 'local' && r.type !== 'multicast'),
    rules: j(['-4', 'rule', 'show']),
  };
}

const routeShown = (host: string, dst: string) => topo.exec(host, ['ip', 'route', 'show', 'table', 'all']).includes(dst);
const holdsVip = (host: string) => topo.addresses(host, 'eth0').includes(VIP);

async function waitLog(d: RunningDirector, re: RegExp, what: string): Promise<void> {
  if (!(await waitFor(() => re.test(d.log()), 60_000, 100))) throw new Error(`${d.kind}: ${what}:\n${d.log()}`);
}

const built = file(HALO, 'the built CLI dist/cli/main.js (npm run build)');
const d = describeNeeding(root, built, tool('keepalived'));

d('interfaces named in the config that do not exist, beside keepalived 2.2.7 (netns)', () => {
  let pristine: unknown;
  beforeAll(() => {
    topo = new Topology('mi-').build(['br0', 'br1'], [
      { name: 'lbh', links: [['br0', '192.168.85.11/24']] },
      { name: 'lbk', links: [['br1', '192.168.85.11/24']] },
    ]);
    pristine = tables(SIDES.halo);
    expect(tables(SIDES.keepalived)).toEqual(pristine);
  });
  afterAll(() => topo.destroy());
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'halo-missing-if-'));
    dirs = new Directors(topo, tmp);
  });
  afterEach(async () => {
    await dirs.stopAll();
    for (const host of Object.values(SIDES)) {
      topo.exec(host, ['ip', 'link', 'del', 'nosuch1'], { allowFail: true });
      topo.exec(host, ['ip', 'route', 'flush', 'table', 'all', 'proto', 'keepalived'], { allowFail: true });
      topo.exec(host, ['ip', 'rule', 'del', 'priority', '5'], { allowFail: true });
    }
    rmSync(tmp, { recursive: true, force: true });
  });

  it('without dynamic_interfaces: the same located warnings, then both refuse to run and install nothing', async () => {
    const run = { halo: dirs.halo(SIDES.halo, config(false)), keepalived: dirs.keepalived(SIDES.keepalived, config(false)) };
    const codes = { halo: await run.halo.exited, keepalived: await run.keepalived.exited };
    expect(codes.halo).not.toBe(0);
    expect(codes.keepalived).not.toBe(0);
    expect(run.keepalived.log()).toMatch(/exited with permanent error CONFIG\. Terminating/);
    for (const side of BOTH) expect(run[side].log()).toContain('Non-existent interface specified in configuration');
    expect(missingLines('keepalived', run.keepalived.log())).toEqual([
      "18 WARNING - interface nosuch1 for VROUTE nexthop doesn't exist",
      "2 WARNING - interface nosuch0 for VROUTE nexthop doesn't exist",
      "6 WARNING - interface nosuch2 for rule doesn't exist",
    ]);
    expect(missingLines('halo', run.halo.log())).toEqual(missingLines('keepalived', run.keepalived.log()));
    for (const side of BOTH) expect(tables(SIDES[side])).toEqual(pristine);
  });

  it('with dynamic_interfaces: both run, FAULT until the interface appears, then MASTER with its route; the same tables', async () => {
    const run = { halo: dirs.halo(SIDES.halo, config(true)), keepalived: dirs.keepalived(SIDES.keepalived, config(true)) };
    await waitLog(run.keepalived, /Configuration specifies interface nosuch1 which doesn't currently exist - will use if created/, 'no dynamic interface notice');
    for (const side of BOTH) {
      await waitLog(run[side], /\(VI_1\) entering FAULT state/i, 'not FAULT');
      if (!(await waitFor(() => routeShown(SIDES[side], '10.8.0.0/16'), 30_000, 100))) throw new Error(`${side}: no static route\n${run[side].log()}`);
    }
    // the static route on a missing interface fails, the other one is there; the rule is waiting for its interface
    expect(tables(SIDES.halo)).toEqual(tables(SIDES.keepalived));
    expect(routeShown(SIDES.halo, '10.9.0.0/16')).toBe(false);
    for (const side of BOTH) expect(holdsVip(SIDES[side])).toBe(false);
    for (const side of BOTH) {
      topo.exec(SIDES[side], ['ip', 'link', 'add', 'nosuch1', 'type', 'veth', 'peer', 'name', 'nosuch1p']);
      topo.exec(SIDES[side], ['ip', 'link', 'set', 'nosuch1', 'up']);
      topo.exec(SIDES[side], ['ip', 'link', 'set', 'nosuch1p', 'up']);
    }
    for (const side of BOTH) {
      if (!(await waitFor(() => holdsVip(SIDES[side]) && routeShown(SIDES[side], '10.20.0.0/16') && routeShown(SIDES[side], '10.21.0.0/16'), 60_000, 100))) {
        throw new Error(`${side}: not MASTER with its routes after the interface appeared\n${topo.exec(SIDES[side], ['ip', 'route', 'show', 'table', 'all'])}\n${run[side].log()}`);
      }
    }
    expect(tables(SIDES.halo)).toEqual(tables(SIDES.keepalived));
  });

  it('halo refuses a reload naming a missing interface and keeps running what it ran', async () => {
    const good = config(false).replace('    10.9.0.0/16 dev nosuch0\n', '').replace(/static_rules \{[^}]*\}\n/, '').replace('        10.20.0.0/16 dev nosuch1\n', '');
    const h = dirs.halo(SIDES.halo, good);
    if (!(await waitFor(() => holdsVip(SIDES.halo) && routeShown(SIDES.halo, '10.21.0.0/16'), 60_000, 100))) throw new Error(`halo not MASTER:\n${h.log()}`);
    const mark = h.log().length;
    writeFileSync(h.confFile, config(false));
    process.kill(h.proc.pid!, 'SIGHUP');
    await waitLog(h, /Non-existent interface specified in configuration/, 'reload not refused');
    expect(missingLines('halo', h.log().slice(mark))).toHaveLength(3);
    expect(holdsVip(SIDES.halo)).toBe(true);
    expect(routeShown(SIDES.halo, '10.21.0.0/16')).toBe(true);
    expect(routeShown(SIDES.halo, '10.8.0.0/16')).toBe(true);
    expect(h.proc.exitCode).toBeNull();
  });
});
