/**
 * `halo run` drives the kernel's IPVS table (the kernel VM tier): the configured services
 * appear, real servers leave the table when their port closes and come back when it reopens
 * (TCP_CHECK with keepalived's retry rule), inhibit_on_failure keeps them at weight 0, a reload
 * that changes one weight changes exactly that, and a stop removes what halo owns.
 * Everything lives in one namespace: the "real servers" are listeners on its own addresses.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, HALO, RunningDirector, statusOf, waitFor } from '../support/directors';
import { Topology } from '../support/netns';
import { ChildProcess } from 'node:child_process';
import { describeNeeding, file, ipvsKernel, root, tool } from '../support/prerequisites';

jest.setTimeout(240_000);

let topo: Topology;
let dirs: Directors;
let tmp: string;
const listeners = new Map<string, ChildProcess>();

function listen(addr: string): void {
  const p = topo.spawn('lb', [process.execPath, '-e', `require('net').createServer((s) => s.end()).listen(80, '${addr}', () => console.log('up'))`]);
  listeners.set(addr, p);
}

async function unlisten(addr: string): Promise<void> {
  const p = listeners.get(addr);
  if (!p) return;
  listeners.delete(addr);
  p.kill('SIGKILL');
  await new Promise((r) => p.once('exit', r));
}

const ipvsadm = () => topo.exec('lb', ['ipvsadm', '-Ln']);

function vsConf(opts: { inhibit?: boolean; weight3?: number; extraRs?: boolean; noUdp?: boolean } = {}): string {
  const rs = (a: string, w = 1) => [
    `    real_server ${a} 80 {`, `        weight ${w}`, ...(opts.inhibit ? ['        inhibit_on_failure'] : []),
    '        TCP_CHECK {', '            connect_timeout 1', '            retry 1', '            delay_before_retry 1', '        }', '    }'];
  return ['global_defs {', '    router_id lb', '}', 'virtual_server 192.168.1.202 80 {', '    delay_loop 1', '    lb_algo rr', '    lb_kind NAT', '    protocol TCP',
    ...rs('10.0.100.2'), ...rs('10.0.100.3'), ...rs('10.0.100.4', opts.weight3 ?? 1), ...(opts.extraRs ? rs('10.0.100.6') : []), '}',
    ...(opts.noUdp ? [] : ['virtual_server 192.168.1.200 53 {', '    delay_loop 1', '    lb_algo wrr', '    lb_kind NAT', '    protocol UDP',
      '    real_server 10.0.100.5 53 {', '        weight 2', '    }', '}']), ''].join('\n');
}

const built = file(HALO, 'the built CLI dist/cli/main.js (npx tsc -p tsconfig.json)');
const d = describeNeeding(root, built, ipvsKernel, tool('ipvsadm'));

d('halo run with IPVS (kernel VM)', () => {
  beforeAll(() => {
    topo = new Topology('hlv-').build(['br0'], [{ name: 'lb', links: [['br0', '10.0.100.1/24']] }]);
    for (const a of ['10.0.100.2', '10.0.100.3', '10.0.100.4', '10.0.100.6', '192.168.1.202']) topo.exec('lb', ['ip', 'addr', 'add', `${a}/32`, 'dev', 'lo']);
  });
  afterAll(async () => {
    for (const a of [...listeners.keys()]) await unlisten(a);
    topo.destroy();
  });
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'halo-lvs-'));
    dirs = new Directors(topo, tmp);
    for (const a of ['10.0.100.2', '10.0.100.3', '10.0.100.4']) listen(a);
  });
  afterEach(async () => {
    await dirs.stopAll();
    for (const a of [...listeners.keys()]) await unlisten(a);
    topo.exec('lb', ['ipvsadm', '-C'], { allowFail: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  async function started(extra: string[] = []): Promise<RunningDirector> {
    const d = dirs.halo('lb', vsConf(), ['-C', ...extra]);
    const ok = await waitFor(() => (ipvsadm().match(/-> 10\.0\.100\.[234]:80/g) ?? []).length === 3, 60_000, 200);
    if (!ok) throw new Error(`table never complete:\n${ipvsadm()}\n${d.log()}`);
    return d;
  }

  describe('halo run -C programs IPVS from keepalived.conf', () => {
    it('adds the services and real servers, takes a dead one out and puts it back; /metrics says what status says', async () => {
      const d = await started(['--metrics-listen', '127.0.0.1:9467']);
      const t = ipvsadm();
      expect(t).toContain('TCP  192.168.1.202:80 rr');
      expect(t).toContain('UDP  192.168.1.200:53 wrr');
      expect(t).toMatch(/-> 10\.0\.100\.5:53\s+Masq\s+2/);
      await unlisten('10.0.100.3');
      expect(await waitFor(() => !ipvsadm().includes('10.0.100.3:80'), 30_000, 200)).toBe(true);
      expect(d.log()).toMatch(/TCP_CHECK on service \[10\.0\.100\.3\]:tcp:80 failed/);
      expect(d.log()).toContain('Removing service [10.0.100.3]:tcp:80 from VS [192.168.1.202]:tcp:80');
      // the real wiring on the real table: each real server's series is what status says of it
      const st = await statusOf(d);
      const metrics = topo.exec('lb', ['curl', '-sf', 'http://127.0.0.1:9467/metrics']);
      const up = [...metrics.matchAll(/^halo_real_server_up\{service="([^"]+)",real_server="([^"]+)"\} (\d)$/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`).sort();
      expect(up).toEqual(st.virtualServers.flatMap((v) => v.realServers.map((r) => `${v.service} ${r.address}:${r.port} ${r.healthy ? 1 : 0}`)).sort());
      expect(up.filter((l) => l.endsWith(' 0'))).toEqual([expect.stringContaining('10.0.100.3:80 0')]);
      expect(metrics).toMatch(/^halo_ipvs_operations_total\{op="del-dest"\} [1-9]/m);
      expect(metrics).toMatch(/^halo_check_duration_seconds_count\{target="10\.0\.100\.3:80",result="[^"]+"\} [1-9]/m);
      listen('10.0.100.3');
      expect(await waitFor(() => ipvsadm().includes('10.0.100.3:80'), 30_000, 200)).toBe(true);
      expect(d.log()).toContain('Adding service [10.0.100.3]:tcp:80 to VS [192.168.1.202]:tcp:80');
      // stop: halo removes what it owns
      d.signal('SIGTERM');
      expect(await d.exited).toBe(0);
      expect(ipvsadm()).not.toContain('192.168.1.202:80');
    });

    it('inhibit_on_failure keeps a failed server at weight 0', async () => {
      const d = dirs.halo('lb', vsConf({ inhibit: true }), ['-C']);
      expect(await waitFor(() => (ipvsadm().match(/-> 10\.0\.100\.[234]:80/g) ?? []).length === 3, 60_000, 200)).toBe(true);
      await unlisten('10.0.100.4');
      expect(await waitFor(() => /-> 10\.0\.100\.4:80\s+Masq\s+0\s/.test(ipvsadm()), 30_000, 200)).toBe(true);
      expect(d.log()).toContain('Disabling service [10.0.100.4]:tcp:80 of VS [192.168.1.202]:tcp:80');
    });

    it('a reload that changes one weight edits exactly that destination', async () => {
      const d = await started();
      const before = ipvsadm();
      writeFileSync(d.confFile, vsConf({ weight3: 5 }));
      process.kill(d.proc.pid!, 'SIGHUP');
      expect(await waitFor(() => /-> 10\.0\.100\.4:80\s+Masq\s+5\s/.test(ipvsadm()), 30_000, 200)).toBe(true);
      const after = ipvsadm();
      const norm = (s: string) => s.split('\n').filter((l) => !l.includes('10.0.100.4:80')).join('\n');
      expect(norm(after)).toBe(norm(before));
    });

    it('a reload that adds a real server and removes a service touches only those', async () => {
      const d = await started();
      listen('10.0.100.6');
      const before = ipvsadm();
      writeFileSync(d.confFile, vsConf({ extraRs: true, noUdp: true }));
      process.kill(d.proc.pid!, 'SIGHUP');
      expect(await waitFor(() => ipvsadm().includes('10.0.100.6:80') && !ipvsadm().includes('192.168.1.200:53'), 30_000, 200)).toBe(true);
      const tcpPart = (t: string) => t.split('\n').filter((l) => !/10\.0\.100\.6:80|UDP|10\.0\.100\.5:53/.test(l)).join('\n');
      expect(tcpPart(ipvsadm())).toBe(tcpPart(before));
      expect(d.log()).toContain('Reload finished');
    });
  });
});
