/**
 * keepalived's defaults, live: Debian's keepalived 2.2.7 runs a minimal config in a network
 * namespace and dumps what it made of it (SIGUSR1 → keepalived.data and keepalived_parent.data,
 * its JSON signal → keepalived.json); halo's model of the same text must say the same for every
 * value keepalived filled in by default. keepalived writes its dumps to /tmp: it runs with a
 * private mount of this test's directory on /tmp, so nothing is shared with other runs.
 *
 * The checker side (virtual servers) needs IPVS, which this kernel lacks: those defaults are
 * checked against keepalived's source in the unit tier (keepalived-defaults.ts).
 */
import { execFileSync, ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText } from '../../src/config/load';
import type { Model } from '../../src/config/model';
import { Topology, waitFor } from '../support/netns';
import { describeNeeding, root, tool } from '../support/prerequisites';

jest.setTimeout(90_000);

const BASE = `global_defs {
  router_id hkd
}
vrrp_script chk {
  script "/bin/true"
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  track_script {
    chk
  }
  virtual_ipaddress {
    10.0.0.1
  }
}
vrrp_instance VI_2 {
  state MASTER
  interface eth0
  virtual_router_id 52
  virtual_ipaddress {
    10.0.0.2/24
  }
}
`;
const STRICT = `global_defs {
  router_id hkd
  vrrp_strict
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  virtual_ipaddress {
    10.0.0.1
  }
}
`;

/** keepalived's .data format: `------< Section >------` headers, `Key = Value` lines, blocks opened by ` VRRP Instance = X`. */
interface Dump {
  text: string;
  global: Map<string, string>;
  blocks: Map<string, Map<string, string>>; // "VRRP Instance = VI_1" / "VRRP Script = chk" → its keys
  raw: Map<string, string[]>; // the same blocks' lines, for the few without " = "
}

function parseData(text: string): Dump {
  const global = new Map<string, string>();
  const blocks = new Map<string, Map<string, string>>();
  const raw = new Map<string, string[]>();
  let section = '';
  let block: Map<string, string> | null = null;
  let lines: string[] = [];
  for (const line of text.split('\n')) {
    if (block) lines.push(line.trim());
    const h = /^------< (.*) >------$/.exec(line);
    if (h) {
      section = h[1];
      block = null;
      continue;
    }
    const kv = /^( +)(.*?) = (.*)$/.exec(line);
    if (!kv) continue;
    const [, indent, key, value] = kv;
    if (indent.length === 1 && (key === 'VRRP Instance' || key === 'VRRP Script')) {
      block = new Map();
      blocks.set(`${key} = ${value}`, block);
      lines = [];
      raw.set(`${key} = ${value}`, lines);
    } else if (section === 'Global definitions' && indent.length === 1) global.set(key, value);
    else if (block && indent.length === 3 && !block.has(key)) block.set(key, value);
  }
  return { text, global, blocks, raw };
}

interface KaRun {
  data: Dump;
  parent: Dump;
  json: Array<{ data: Record<string, unknown> }>;
  log: string;
}

const d = describeNeeding(root, tool('keepalived'), tool('unshare', 'util-linux'));

d("halo's defaults against keepalived 2.2.7's own dump (netns)", () => {
  let topo: Topology;
  let dir: string;
  const procs: ChildProcess[] = [];

  beforeAll(() => {
    topo = new Topology('hkd-').build(['br0'], [{ name: 'ka', links: [['br0', '192.0.2.1/24']] }]);
  });
  afterAll(async () => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    topo?.destroy();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'halo-kadump-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** keepalived -P on `config`, both dumps taken once its VRRP process has every instance up. */
  async function dump(config: string, instances: string[]): Promise<KaRun> {
    writeFileSync(join(dir, 'k.conf'), config);
    const script = 'mount --bind "$0" /tmp && exec keepalived -n -l -D -P -f /tmp/k.conf -p /tmp/k.pid -r /tmp/v.pid -c /tmp/c.pid -b /tmp/b.pid';
    const p = topo.spawn('ka', ['unshare', '-m', '--propagation', 'private', 'sh', '-c', script, dir]);
    procs.push(p);
    let log = '';
    p.stdout!.on('data', (c) => (log += c));
    p.stderr!.on('data', (c) => (log += c));
    const exited = new Promise((r) => p.once('exit', r));
    try {
      // the VRRP child has read the config once it logs a state for every instance
      const up = await waitFor(() => instances.every((i) => new RegExp(`\\(${i}\\) Entering (BACKUP|MASTER) STATE`).test(log)), 30_000, 100);
      if (!up) throw new Error(`keepalived did not bring up ${instances.join(', ')}:\n${log}`);
      const pid = Number(readFileSync(join(dir, 'k.pid'), 'utf8'));
      const json = Number(execFileSync('keepalived', ['--signum=JSON'], { encoding: 'utf8' }).trim());
      const files = ['keepalived.data', 'keepalived_parent.data', 'keepalived.json'].map((f) => join(dir, f));
      const complete = () => {
        if (!files.every(existsSync)) return false;
        try {
          JSON.parse(readFileSync(files[2], 'utf8'));
        } catch {
          return false;
        }
        return readFileSync(files[0], 'utf8').includes('------< Interfaces >------');
      };
      process.kill(pid, 'SIGUSR1');
      process.kill(pid, json);
      if (!(await waitFor(complete, 15_000, 100))) throw new Error(`keepalived wrote no complete dump in ${dir}:\n${log}`);
      return {
        data: parseData(readFileSync(files[0], 'utf8')),
        parent: parseData(readFileSync(files[1], 'utf8')),
        json: JSON.parse(readFileSync(files[2], 'utf8')),
        log,
      };
    } finally {
      p.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (p.exitCode === null) p.kill('SIGKILL');
    }
  }

  /** halo's model of the same text (strict mode implies no_accept, which halo only builds when told to allow what it does not implement). */
  function haloModel(config: string): Model {
    const r = parseConfigText(config, join(dir, 'k.conf'), { allowUnimplemented: config.includes('vrrp_strict') });
    if (!r.model) throw new Error(r.diagnostics.map((x) => x.message).join('\n'));
    return r.model;
  }

  const secs = (ms: number | null) => (ms === null ? null : ms / 1000);
  const bool = (v: string) => ({ true: true, false: false, enabled: true, disabled: false } as Record<string, boolean>)[v];

  it('global_defs, every vrrp_instance and vrrp_script default as keepalived dumps them', async () => {
    const ka = await dump(BASE, ['VI_1', 'VI_2']);
    const m = haloModel(BASE);
    const g = m.globalDefs;
    const P = ka.parent.global; // the parent's view: before any instance resolved its own
    // [keepalived's dump line, its value, halo's value in keepalived's unit]
    const globals: [string, unknown, unknown][] = [
      ['Router ID', P.get('Router ID'), g.routerId],
      ['VRRP IPv4 mcast group', P.get('VRRP IPv4 mcast group'), g.vrrpMcastGroup4],
      ['VRRP IPv6 mcast group', P.get('VRRP IPv6 mcast group'), g.vrrpMcastGroup6],
      ['Gratuitous ARP delay', Number(P.get('Gratuitous ARP delay')), secs(g.vrrpGarpMasterDelayMs)],
      ['Gratuitous ARP repeat', Number(P.get('Gratuitous ARP repeat')), g.vrrpGarpMasterRepeat],
      ['Gratuitous ARP refresh timer', Number(P.get('Gratuitous ARP refresh timer')), secs(g.vrrpGarpMasterRefreshMs)],
      ['Gratuitous ARP refresh repeat', Number(P.get('Gratuitous ARP refresh repeat')), g.vrrpGarpMasterRefreshRepeat],
      // PARAMETER_UNSET (UINT_MAX) in keepalived, null (unset) in halo
      ['Gratuitous ARP lower priority delay', P.get('Gratuitous ARP lower priority delay') === '4294967295' ? null : P.get('Gratuitous ARP lower priority delay'), g.vrrpGarpLowerPrioDelayMs],
      ['Gratuitous ARP lower priority repeat', P.get('Gratuitous ARP lower priority repeat') === '4294967295' ? null : P.get('Gratuitous ARP lower priority repeat'), g.vrrpGarpLowerPrioRepeat],
      ['Num adverts before down', Number(P.get('Num adverts before down')), g.vrrpDownTimerAdverts],
      ['Send advert after receive lower priority advert', bool(P.get('Send advert after receive lower priority advert')!), !g.vrrpLowerPrioNoAdvert],
      ['Send advert after receive higher priority advert', bool(P.get('Send advert after receive higher priority advert')!), g.vrrpHigherPrioSendAdvert],
      ['Gratuitous ARP interval', Number(P.get('Gratuitous ARP interval')), secs(g.vrrpGarpIntervalMs)],
      ['Gratuitous NA interval', Number(P.get('Gratuitous NA interval')), secs(g.vrrpGnaIntervalMs)],
      ['VRRP default protocol version', Number(P.get('VRRP default protocol version')), g.vrrpVersion],
      ['VRRP check unicast_src', bool(P.get('VRRP check unicast_src')!), g.vrrpCheckUnicastSrc],
      ['VRRP skip check advert addresses', bool(P.get('VRRP skip check advert addresses')!), g.vrrpSkipCheckAdvAddr],
      ['VRRP strict mode', bool(P.get('VRRP strict mode')!), g.vrrpStrict],
      ['LVS flush', bool(P.get('LVS flush')!), g.lvsFlush],
      ['LVS flush on stop', P.get('LVS flush on stop'), { off: 'disabled', vs: 'VS', all: 'ALL' }[g.lvsFlushOnStop]],
    ];
    expect(globals.filter(([, k, h]) => k !== h)).toEqual([]);
    expect(globals.every(([, k]) => k !== undefined && !Number.isNaN(k))).toBe(true);
    // a line without " = ": " Script security disabled"
    expect(/^ Script security (enabled|disabled)$/m.exec(ka.parent.text)?.[1]).toBe(g.enableScriptSecurity ? 'enabled' : 'disabled');

    for (const i of m.vrrpInstances) {
      const j = ka.json.find((x) => x.data.iname === i.name)?.data;
      const t = ka.data.blocks.get(`VRRP Instance = ${i.name}`);
      const tRaw = ka.data.raw.get(`VRRP Instance = ${i.name}`) ?? [];
      if (!j || !t) throw new Error(`keepalived dumped no ${i.name}`);
      const vipText = (v: (typeof i.virtualIpAddresses)[number]) => `${v.address}${v.prefixLen === 32 ? '' : `/${v.prefixLen}`} dev ${v.dev} scope ${v.scope}`;
      const pairs: [string, unknown, unknown][] = [
        ['base_priority', j.base_priority, i.priority],
        ['adver_int', j.adver_int, secs(i.advertIntMs)],
        ['version', j.version, i.version],
        ['auth_type', j.auth_type, { NONE: 0, PASS: 1, AH: 2 }[i.authType]],
        ['accept', Boolean(j.accept), i.accept],
        ['nopreempt', j.nopreempt, i.nopreempt],
        ['preempt_delay', j.preempt_delay, secs(i.preemptDelayMs)],
        ['garp_delay', j.garp_delay, secs(i.garpMasterDelayMs)],
        ['garp_rep', j.garp_rep, i.garpMasterRepeat],
        ['garp_refresh', j.garp_refresh, secs(i.garpMasterRefreshMs)],
        ['garp_refresh_rep', j.garp_refresh_rep, i.garpMasterRefreshRepeat],
        ['garp_lower_prio_delay', j.garp_lower_prio_delay, secs(i.garpLowerPrioDelayMs)],
        ['garp_lower_prio_rep', j.garp_lower_prio_rep, i.garpLowerPrioRepeat],
        ['lower_prio_no_advert', Boolean(j.lower_prio_no_advert), i.lowerPrioNoAdvert],
        ['higher_prio_send_advert', Boolean(j.higher_prio_send_advert), i.higherPrioSendAdvert],
        ['strict_mode', Boolean(j.strict_mode), i.strictMode],
        ['skip_check_adv_addr', Boolean(j.skip_check_adv_addr), i.skipCheckAdvAddr],
        ['dont_track_primary', Boolean(j.dont_track_primary), i.dontTrackPrimary],
        ['Down timer adverts', Number(t.get('Down timer adverts')), i.downTimerAdverts],
        ['Multicast address', tRaw.find((l) => l.startsWith('Multicast address '))?.split(' ')[2], g.vrrpMcastGroup4],
        ['vips', (j.vips as string[]).map((v) => v.replace(/ set$/, '')), i.virtualIpAddresses.map(vipText)],
      ];
      expect({ instance: i.name, differ: pairs.filter(([, k, h]) => JSON.stringify(k) !== JSON.stringify(h)) }).toEqual({ instance: i.name, differ: [] });
    }
    // VI_2 (state MASTER, no priority) is the address owner in both
    expect(m.vrrpInstances.find((i) => i.name === 'VI_2')!.priority).toBe(255);

    const s = m.vrrpScripts[0];
    const ks = ka.data.blocks.get('VRRP Script = chk');
    if (!ks) throw new Error('keepalived dumped no vrrp_script chk');
    const script: [string, unknown, unknown][] = [
      ['Interval', ks.get('Interval'), `${secs(s.intervalMs)} sec`],
      ['Timeout', ks.get('Timeout'), `${secs(s.timeoutMs) ?? 0} sec`], // 0 = none of its own: the interval is used
      ['Weight', Number(ks.get('Weight')), s.weight],
      ['Rise', Number(ks.get('Rise')), s.rise],
      ['Fall', Number(ks.get('Fall')), s.fall],
      ['Init state', ks.get('Init state'), s.initState],
    ];
    expect(script.filter(([, k, h]) => k !== h)).toEqual([]);
  });

  it('vrrp_strict: what keepalived derives for an instance that sets nothing', async () => {
    const ka = await dump(STRICT, ['VI_1']);
    const i = haloModel(STRICT).vrrpInstances[0];
    const j = ka.json.find((x) => x.data.iname === 'VI_1')?.data;
    if (!j) throw new Error(`keepalived dumped no VI_1:\n${ka.log}`);
    expect({
      accept: Boolean(j.accept), strict_mode: Boolean(j.strict_mode), lower_prio_no_advert: Boolean(j.lower_prio_no_advert),
      higher_prio_send_advert: Boolean(j.higher_prio_send_advert), garp_lower_prio_delay: j.garp_lower_prio_delay, garp_lower_prio_rep: j.garp_lower_prio_rep,
    }).toEqual({
      accept: i.accept, strict_mode: i.strictMode, lower_prio_no_advert: i.lowerPrioNoAdvert,
      higher_prio_send_advert: i.higherPrioSendAdvert, garp_lower_prio_delay: secs(i.garpLowerPrioDelayMs), garp_lower_prio_rep: i.garpLowerPrioRepeat,
    });
  });
});
