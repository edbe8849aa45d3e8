/**
 * The thesis cluster (seed 002 §3) in network namespaces: an external LAN 192.168.1.0/24 with a
 * client and the two directors, an internal LAN 10.0.100.0/24 with the directors, three web
 * servers and three bind9 DNS servers whose default gateway is the internal VIP 10.0.100.200,
 * so NAT replies follow whichever director is master.
 *
 * Everything started here is recorded (namespace names, PIDs) in the lab's state directory, so
 * `halo lab down` stops exactly what `up` started, by PID and by name.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { forwardZone, namedArgv, namedConf, REVERSE_ZONE } from './dns-zone';
import { nginxArgv, nginxConf, serverOfPage, writeStreamFile } from './web-server';
import { sh, Topology, waitFor } from './netns';
import { alive, descendants, signalTree } from './procs';

export const LAB_PREFIX = 'hlab-';

/**
 * How long the lab's start-up may take before a step is called failed (real servers answering,
 * the first answer through the VIPs): a wait, not a measurement. Under software emulation on a
 * host at load 20, bind9 alone took 20 s to load its zones and 60 s did not cover every server.
 */
export const START_WAIT_MS = 180_000;
export const EXT_VIPS = ['192.168.1.200', '192.168.1.202'];
export const INT_VIP = '10.0.100.200';
/** Every IPv4 VIP the directors' sync group moves together. */
export const ALL_VIPS = [...EXT_VIPS, INT_VIP];
/** halo's JSON log lines carry millisecond timestamps, which the report's timeline needs. */
export const DIRECTOR_ARGS = ['--log-format', 'json'];
export const HTTP_SERVICE = '192.168.1.202:80';
export const DNS_SERVICE = '192.168.1.200:53';

export const HOSTS = {
  client: { ext: '192.168.1.10/24' },
  lb1: { ext: '192.168.1.101/24', int: '10.0.100.1/24' },
  lb2: { ext: '192.168.1.102/24', int: '10.0.100.50/24' },
  web1: { int: '10.0.100.2/24' },
  web2: { int: '10.0.100.3/24' },
  web3: { int: '10.0.100.4/24' },
  dns1: { int: '10.0.100.5/24' },
  dns2: { int: '10.0.100.6/24' },
  dns3: { int: '10.0.100.7/24' },
} as const;

/**
 * The dual-stack variant (`halo lab drill --ipv6`): IPv6 beside IPv4 on both LANs, the IPv6 VIPs
 * in virtual_ipaddress_excluded of the IPv4 instances (deploy/examples/dualstack-*.conf), the
 * web servers also on IPv6 with the internal IPv6 VIP as their default gateway.
 */
export const HOSTS6 = {
  client: { ext: '2001:db8:1::10/64' },
  lb1: { ext: '2001:db8:1::101/64', int: '2001:db8:100::1/64' },
  lb2: { ext: '2001:db8:1::102/64', int: '2001:db8:100::50/64' },
  web1: { int: '2001:db8:100::2/64' },
  web2: { int: '2001:db8:100::3/64' },
  web3: { int: '2001:db8:100::4/64' },
} as const;
export const EXT_VIP6 = '2001:db8:1::202';
export const INT_VIP6 = '2001:db8:100::200';
export const HTTP6_SERVICE = `[${EXT_VIP6}]:80`;

export const WEB = ['web1', 'web2', 'web3'] as const;
export const DNS = ['dns1', 'dns2', 'dns3'] as const;
export type Director = 'lb1' | 'lb2';

const ROOT = resolve(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
/**
 * `halo run` as an operator runs it: the launcher execs the C supervisor, whose worker is the one
 * Node start; `node dist/cli/main.js run` would start Node twice (2-4 s more per director start
 * in the emulated VM, where the drill times a restarted director's start-up).
 */
const LAUNCHER = join(ROOT, 'bin', 'halo');
/** `halo run`'s command: the launcher of a checkout, or (the .deb's /usr/lib/halo has none: /usr/sbin/halo is its own) the CLI. */
const haloRun = (): string[] => (existsSync(LAUNCHER) ? [LAUNCHER, 'run'] : [process.execPath, CLI, 'run']);

export interface LabState {
  dir: string;
  pids: Record<string, number>;
  /** Built dual stack (--ipv6). */
  ipv6?: boolean;
  /** A director's config in place of deploy/examples' (the connection-sync drill's variants, conn-sync.ts). */
  configs?: Partial<Record<Director, string>>;
}

function addr(cidr: string): string {
  return cidr.split('/')[0];
}

export class Cluster {
  readonly topo = new Topology(LAB_PREFIX);
  readonly state: LabState;

  constructor(readonly dir: string, opts: { ipv6?: boolean } = {}) {
    this.state = existsSync(join(dir, 'state.json'))
      ? (JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as LabState)
      : { dir, pids: {} };
    if (opts.ipv6 !== undefined) this.state.ipv6 = opts.ipv6;
  }

  get ipv6(): boolean {
    return this.state.ipv6 === true;
  }

  /** Run the directors on other configs from their next start (undefined: deploy/examples' again). */
  useConfigs(configs: Partial<Record<Director, string>> | undefined): void {
    this.state.configs = configs;
    this.save();
  }

  private save(): void {
    writeFileSync(join(this.dir, 'state.json'), JSON.stringify(this.state, null, 2));
  }

  /** Namespaces, links, addresses, routes and forwarding; no processes yet. */
  buildNetwork(): void {
    mkdirSync(this.dir, { recursive: true });
    this.topo.build(['ext', 'int'], [
      { name: 'client', links: [['ext', HOSTS.client.ext]] },
      { name: 'lb1', links: [['ext', HOSTS.lb1.ext], ['int', HOSTS.lb1.int]] },
      { name: 'lb2', links: [['ext', HOSTS.lb2.ext], ['int', HOSTS.lb2.int]] },
      ...[...WEB, ...DNS].map((h) => ({ name: h, links: [['int', HOSTS[h].int]] as Array<[string, string]> })),
    ]);
    for (const lb of ['lb1', 'lb2'] as const) {
      this.topo.exec(lb, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
      // IPVS NAT needs conntrack-free fast path defaults; keep kernel defaults otherwise
    }
    for (const h of [...WEB, ...DNS]) this.topo.exec(h, ['ip', 'route', 'add', 'default', 'via', INT_VIP]);
    if (this.ipv6) this.addIpv6();
    this.save();
  }

  /** IPv6 beside IPv4: addresses (nodad: usable at once), forwarding on the directors, the web servers' gateway. */
  private addIpv6(): void {
    // the same eth order as the IPv4 links: ext first where a host has it
    for (const [host, links] of Object.entries(HOSTS6)) {
      Object.values(links).forEach((cidr, i) => this.topo.exec(host, ['ip', 'addr', 'add', cidr, 'dev', `eth${i}`, 'nodad']));
    }
    for (const lb of ['lb1', 'lb2'] as const) this.topo.exec(lb, ['sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1']);
    for (const w of WEB) this.topo.exec(w, ['ip', '-6', 'route', 'add', 'default', 'via', INT_VIP6]);
  }

  private startProcess(key: string, host: string, argv: string[], logName: string): ChildProcess {
    const fd = openSync(join(this.dir, logName), 'a');
    const child = spawn('ip', ['netns', 'exec', this.topo.ns(host), ...argv], { stdio: ['ignore', fd, fd], detached: true });
    closeSync(fd);
    child.unref();
    this.state.pids[key] = child.pid!;
    this.save();
    return child;
  }

  /** Another long-running process of the lab (e.g. the benchmark's proxies), stopped by `down`. */
  startHelper(key: string, host: string, argv: string[]): void {
    this.startProcess(key, host, argv, `${key}.log`);
  }

  /**
   * The thesis's real servers from Debian's packages, each in its namespace with its own
   * directory under the lab's: nginx serving the page that names the server and the client
   * (web-server.ts), bind9's named serving lab.local and its reverse zone (dns-zone.ts). All are
   * started at once; `waitServers` waits until each answers.
   */
  startServers(): void {
    for (const w of WEB) {
      const dir = join(this.dir, w);
      mkdirSync(dir, { recursive: true });
      writeStreamFile(dir);
      writeFileSync(join(dir, 'nginx.conf'), nginxConf(w, [addr(HOSTS[w].int), ...(this.ipv6 ? [addr(HOSTS6[w].int)] : [])], 80, dir));
      this.startProcess(w, w, nginxArgv(join(dir, 'nginx.conf')), `${w}.log`);
    }
    for (const d of DNS) {
      const dir = join(this.dir, d);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'named.conf'), namedConf(d, addr(HOSTS[d].int), dir));
      writeFileSync(join(dir, 'rd.lab.local'), forwardZone(d));
      writeFileSync(join(dir, 'ri.lab.local'), REVERSE_ZONE);
      this.startProcess(d, d, namedArgv(join(dir, 'named.conf')), `${d}.log`);
    }
  }

  /** Whether a real server answers as itself: its page over HTTP, or its whoami TXT over DNS. */
  async serverAnswers(host: (typeof WEB)[number] | (typeof DNS)[number]): Promise<boolean> {
    const run = (argv: string[]) => new Promise<string>((r) => execFile('ip', ['netns', 'exec', this.topo.ns(host), ...argv], { encoding: 'utf8', timeout: 5000 }, (_e, so) => r(so ?? '')));
    if (host.startsWith('web')) {
      const w = host as (typeof WEB)[number];
      const urls = [`http://${addr(HOSTS[w].int)}/`, ...(this.ipv6 ? [`http://[${addr(HOSTS6[w].int)}]/`] : [])];
      for (const url of urls) if (serverOfPage(await run(['curl', '-s', '-g', '-m', '2', url])) !== host) return false;
      return true;
    }
    const out = await run(['dig', '+short', '+time=2', '+tries=1', `@${addr(HOSTS[host as (typeof DNS)[number]].int)}`, 'whoami.lab.local', 'TXT']);
    return out.trim() === `"${host}"`;
  }

  /** Wait (all servers at once) until every real server answers; a dead or silent one is named with its log. */
  async waitServers(timeoutMs = START_WAIT_MS): Promise<void> {
    const hosts = [...WEB, ...DNS];
    const ok = await Promise.all(hosts.map((h) => waitFor(async () => {
      if (!alive(this.state.pids[h])) return true; // reported below, with its log
      return this.serverAnswers(h);
    }, timeoutMs, 100)));
    const bad = hosts.filter((h, i) => !ok[i] || !alive(this.state.pids[h]));
    if (bad.length > 0) {
      throw new Error(`real servers not answering within ${timeoutMs / 1000} s: ${bad.map((h) => `${h}${alive(this.state.pids[h]) ? '' : ' (exited)'}`).join(', ')}\n${bad.map((h) => this.logTail(h, 10)).join('\n')}`);
    }
  }

  directorConfig(lb: Director): string {
    const chosen = this.state.configs?.[lb];
    if (chosen) return chosen;
    return this.exampleConfig(lb);
  }

  /** The director's config in deploy/examples (dual stack with --ipv6). */
  exampleConfig(lb: Director): string {
    const name = lb === 'lb1' ? 'master.conf' : 'standby.conf';
    return join(ROOT, 'deploy', 'examples', this.ipv6 ? `dualstack-${name}` : name);
  }

  controlSocket(lb: Director): string {
    return join(this.dir, lb, 'halo.sock');
  }

  /** `halo run` in a director's namespace, with its own pid file and control socket. */
  startDirector(lb: Director, extraArgs: string[] = []): ChildProcess {
    const d = join(this.dir, lb);
    mkdirSync(d, { recursive: true, mode: 0o700 });
    return this.startProcess(lb, lb, [
      ...haloRun(), '-f', this.directorConfig(lb), '--pid-file', join(d, 'halo.pid'),
      '--control-socket', this.controlSocket(lb), ...extraArgs,
    ], `${lb}.log`);
  }

  /** `halo cleanup -f` in a director's namespace, as the systemd unit's ExecStopPost does. */
  cleanupDirector(lb: Director): Promise<void> {
    const p = this.topo.spawn(lb, [process.execPath, CLI, 'cleanup', '-f', this.directorConfig(lb)], { stdio: 'ignore' });
    return new Promise((r) => p.once('exit', () => r()));
  }

  /** PIDs of every halo process of a director (the supervisor and its worker, if any). */
  directorPids(lb: Director): number[] {
    const main = this.state.pids[lb];
    if (!main) return [];
    return [main, ...descendants(main)];
  }

  signalDirector(lb: Director, signal: NodeJS.Signals): void {
    signalTree(this.directorPids(lb), signal);
  }

  /** The last lines a process of the lab logged, for error messages. */
  logTail(name: string, lines = 25): string {
    const f = join(this.dir, `${name}.log`);
    if (!existsSync(f)) return `(${name}: no log)`;
    return `--- ${name}.log\n${readFileSync(f, 'utf8').split('\n').slice(-lines).join('\n')}`;
  }

  /**
   * Which directors hold which of the lab's VIPs right now: one `ip -n NS -j addr` per director
   * (the drill polls this while the directors start; under emulation every process spawned
   * takes CPU from them).
   */
  vipHolders(): Record<string, Director[]> {
    const held: Record<string, Director[]> = {};
    for (const vip of ALL_VIPS) held[vip] = [];
    for (const lb of ['lb1', 'lb2'] as const) {
      const out = sh(['ip', '-n', this.topo.ns(lb), '-j', '-4', 'addr', 'show'], { allowFail: true });
      const links = out.trim() ? (JSON.parse(out) as Array<{ ifname: string; addr_info: Array<{ local: string }> }>) : [];
      const have = new Set(links.filter((l) => l.ifname === 'eth0' || l.ifname === 'eth1').flatMap((l) => l.addr_info.map((a) => a.local)));
      for (const vip of Object.keys(held)) if (have.has(vip)) held[vip].push(lb);
    }
    return held;
  }

  /** Stop every process `up` started (by PID, waiting for each), then delete the namespaces. */
  async down(): Promise<void> {
    const pids = Object.entries(this.state.pids);
    for (const [key] of pids) if (key === 'lb1' || key === 'lb2') this.signalDirector(key, 'SIGTERM');
    for (const [, pid] of pids) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
    await waitFor(() => pids.every(([, p]) => !alive(p)), 5000, 50);
    for (const [, pid] of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    this.topo.destroy(Object.keys(HOSTS)); // `halo lab down` may run in another process than `up`
    this.state.pids = {};
    rmSync(join(this.dir, 'state.json'), { force: true });
  }
}

/** Which single director holds every VIP, or a description of the split. */
export function soleHolder(c: Cluster): { holder: Director | null; detail: string } {
  const held = c.vipHolders();
  const holders = new Set(Object.values(held).flat());
  const together = Object.values(held).every((h) => h.length === 1) && holders.size === 1;
  return together ? { holder: [...holders][0], detail: '' } : { holder: null, detail: JSON.stringify(held) };
}
