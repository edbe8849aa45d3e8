/**
 * The lab's real servers as the lab starts them (src/lab/web-server.ts, dns-zone.ts): Debian's
 * nginx and bind9 in their own namespaces, each with its own directory, answering a client on
 * the same LAN as themselves; one process each, so stopping the recorded PID stops the server.
 */
import { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forwardZone, namedArgv, namedConf, REVERSE_ZONE } from '../../src/lab/dns-zone';
import { clientOfPage, nginxArgv, nginxConf, serverOfPage } from '../../src/lab/web-server';
import { descendants } from '../../src/lab/procs';
import { Topology, waitFor } from '../support/netns';

jest.setTimeout(60_000);

let topo: Topology;
let tmp: string;
const procs: ChildProcess[] = [];

const get = (url: string) => topo.exec('client', ['curl', '-s', '-m', '2', url], { allowFail: true });
const whoami = (server: string) => topo.exec('client', ['dig', '+short', '+time=2', '+tries=1', `@${server}`, 'whoami.lab.local', 'TXT'], { allowFail: true }).trim();
const exited = (p: ChildProcess) => new Promise<void>((r) => (p.exitCode !== null || p.signalCode !== null ? r() : p.once('exit', () => r())));

beforeAll(() => {
  topo = new Topology('hsrv-').build(['int'], [
    { name: 'client', links: [['int', '10.0.100.10/24']] },
    { name: 'web1', links: [['int', '10.0.100.2/24']] },
    { name: 'dns1', links: [['int', '10.0.100.5/24']] },
  ]);
  tmp = mkdtempSync(join(tmpdir(), 'halo-srv-'));
});
afterAll(async () => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  await Promise.all(procs.map(exited));
  topo.destroy();
  rmSync(tmp, { recursive: true, force: true });
});

function start(host: string, argv: string[]): ChildProcess {
  const p = topo.spawn(host, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  procs.push(p);
  return p;
}

describe('lab real servers from Debian packages', () => {
  it('nginx serves the page naming the server and the client address, as one process', async () => {
    const dir = join(tmp, 'web1');
    mkdirSync(dir);
    writeFileSync(join(dir, 'nginx.conf'), nginxConf('web1', '10.0.100.2', 80, dir));
    const p = start('web1', nginxArgv(join(dir, 'nginx.conf')));
    expect(await waitFor(() => serverOfPage(get('http://10.0.100.2/')) === 'web1', 20_000, 100)).toBe(true);
    const body = get('http://10.0.100.2/');
    expect(clientOfPage(body)).toBe('10.0.100.10');
    expect(body).toContain('<p>server 10.0.100.2</p>');
    // `ip netns exec` execs nginx: the PID is the server, and it has no worker children
    expect(descendants(p.pid!)).toEqual([]);
    p.kill('SIGKILL');
    await exited(p);
    expect(get('http://10.0.100.2/')).toBe('');
  });

  it('named answers the thesis zones and names itself in whoami.lab.local', async () => {
    const dir = join(tmp, 'dns1');
    mkdirSync(dir);
    writeFileSync(join(dir, 'named.conf'), namedConf('dns1', '10.0.100.5', dir));
    writeFileSync(join(dir, 'rd.lab.local'), forwardZone('dns1'));
    writeFileSync(join(dir, 'ri.lab.local'), REVERSE_ZONE);
    const p = start('dns1', namedArgv(join(dir, 'named.conf')));
    let log = '';
    p.stderr!.on('data', (d) => (log += d));
    expect(await waitFor(() => whoami('10.0.100.5') === '"dns1"', 20_000, 100)).toBe(true);
    expect(topo.exec('client', ['dig', '+short', '@10.0.100.5', 'cluster2.lab.local', 'A'])).toBe('web1.lab.local.\n10.0.100.2\n');
    expect(topo.exec('client', ['dig', '+short', '@10.0.100.5', '-x', '10.0.100.50'])).toBe('standby.100.0.10.in-addr.arpa.\n');
    // authoritative only
    expect(topo.exec('client', ['dig', '+noall', '+comments', '@10.0.100.5', 'example.com', 'A'])).toMatch(/status: REFUSED/);
    // named may answer before its 'running' line reaches us (the dig calls above block the loop)
    expect(await waitFor(() => /running/.test(log), 10_000, 50)).toBe(true);
    p.kill('SIGTERM');
    await exited(p);
    expect(whoami('10.0.100.5')).not.toBe('"dns1"');
  });
});
