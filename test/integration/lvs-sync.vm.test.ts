/**
 * lvs_sync_daemon (the kernel VM tier): two LVS-NAT directors in namespaces, halo beside Debian's
 * keepalived 2.2.7 on the same config, each in turn as the VRRP master. The kernel's sync daemons
 * follow the VRRP state (`ipvsadm -L --daemon`: master on the MASTER, backup on the BACKUP, the
 * backup's swapped for the master's on takeover, none after stop), and a client's TCP connection
 * through the VIP is visible on the backup (`ipvsadm -Lnc`) because the master's daemon sent it.
 *
 *   client 192.168.77.100 ─ br0 ─ lb1 .11 / lb2 .12   (VIP 192.168.77.200, VRID 51)
 *   rs 10.0.100.2 (default via 10.0.100.254) ─ br1 ─ lb1 .11 / lb2 .12   (VIP 10.0.100.254; sync on eth1)
 */
import { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, HALO, RunningDirector } from '../support/directors';
import { Topology, waitFor } from '../support/netns';
import { describeNeeding, file, ipvsKernel, root, tool } from '../support/prerequisites';

jest.setTimeout(600_000);

const CONF = `global_defs {
    router_id lb
    lvs_sync_daemon eth1 VI_1 id 51
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority PRIO
    advert_int 1
    virtual_ipaddress {
        192.168.77.200/24 dev eth0
        10.0.100.254/24 dev eth1
    }
}
virtual_server 192.168.77.200 80 {
    delay_loop 5
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 10.0.100.2 80 {
        weight 1
    }
}
`;
const conf = (prio: number) => CONF.replace('PRIO', String(prio));

let topo: Topology;
let dirs: Directors;
let tmp: string;
const procs: ChildProcess[] = [];

const daemons = (host: string) => topo.exec(host, ['ipvsadm', '-L', '--daemon'], { allowFail: true }).trim();
/** `ipvsadm -L --daemon` shows exactly one daemon, of `role`, on eth1 with sync id 51 (the kernel adds its defaults). */
const only = (listing: string, role: 'master' | 'backup'): boolean => {
  const lines = listing.split('\n').filter((l) => l.trim() !== '');
  return lines.length === 1 && lines[0].startsWith(`${role} sync daemon (mcast=eth1, syncid=51`);
};
const conns = (host: string) => topo.exec(host, ['ipvsadm', '-Lnc'], { allowFail: true });

async function until(what: string, pred: () => boolean, timeoutMs: number, show: () => string): Promise<void> {
  if (!(await waitFor(pred, timeoutMs, 250))) throw new Error(`${what} not within ${timeoutMs} ms:\n${show()}`);
}

/** A TCP client through the VIP that sends a line every 200 ms and reads the echo, until killed. */
function chattyClient(): ChildProcess {
  const js = `const s = require('net').connect(80, '192.168.77.200', () => { console.log('connected ' + s.localPort); setInterval(() => s.write('ping\\n'), 200); });
s.on('data', () => undefined); s.on('error', (e) => { console.log('error ' + e.message); process.exit(1); });`;
  const p = topo.spawn('client', [process.execPath, '-e', js]);
  procs.push(p);
  return p;
}

const describeSync = describeNeeding(root, file(HALO, 'the built CLI dist/cli/main.js (npm run build)'), ipvsKernel, tool('ipvsadm'), tool('keepalived'));

describeSync('lvs_sync_daemon: IPVS connection sync between two directors (kernel VM)', () => {
  beforeAll(() => {
    topo = new Topology('hvsy-').build(['br0', 'br1'], [
      { name: 'lb1', links: [['br0', '192.168.77.11/24'], ['br1', '10.0.100.11/24']] },
      { name: 'lb2', links: [['br0', '192.168.77.12/24'], ['br1', '10.0.100.12/24']] },
      { name: 'client', links: [['br0', '192.168.77.100/24']] },
      { name: 'rs', links: [['br1', '10.0.100.2/24']] },
    ]);
    topo.exec('rs', ['ip', 'route', 'add', 'default', 'via', '10.0.100.254']);
    for (const lb of ['lb1', 'lb2']) topo.exec(lb, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    const echo = topo.spawn('rs', [process.execPath, '-e', "require('net').createServer((s) => s.pipe(s)).listen(80, '10.0.100.2')"]);
    procs.push(echo);
  });
  afterAll(() => {
    for (const p of procs) p.kill('SIGKILL');
    topo.destroy();
  });
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'halo-sync-'));
    dirs = new Directors(topo, tmp);
  });
  afterEach(async () => {
    await dirs.stopAll();
    for (const lb of ['lb1', 'lb2']) {
      topo.exec(lb, ['ipvsadm', '-C'], { allowFail: true });
      topo.exec(lb, ['ipvsadm', '--stop-daemon', 'master'], { allowFail: true });
      topo.exec(lb, ['ipvsadm', '--stop-daemon', 'backup'], { allowFail: true });
    }
    rmSync(tmp, { recursive: true, force: true });
  });

  /** lb1 (priority 150) becomes MASTER over lb2 (100); a client connection is synced to lb2; lb1 stops and lb2 takes over. */
  async function scenario(first: (h: string, c: string) => RunningDirector, second: (h: string, c: string) => RunningDirector): Promise<void> {
    const d1 = first('lb1', conf(150));
    await until('lb1 running the master sync daemon only', () => only(daemons('lb1'), 'master'), 120_000, () => daemons('lb1') + '\n' + d1.log());
    const d2 = second('lb2', conf(100));
    await until('lb2 running the backup sync daemon only', () => only(daemons('lb2'), 'backup'), 120_000, () => daemons('lb2') + '\n' + d2.log());
    expect(only(daemons('lb1'), 'master')).toBe(true);
    // the master's VRRP and its IPVS table are programmed apart (keepalived's checker is its own
    // process): a connection before the virtual server is in the table is refused by lb1's kernel
    const table = () => topo.exec('lb1', ['ipvsadm', '-Ln'], { allowFail: true });
    await until('the virtual server with its real server in lb1\'s table', () => /TCP\s+192\.168\.77\.200:80 rr\s*\n\s+-> 10\.0\.100\.2:80\s+Masq/.test(table()), 60_000, () => table() + '\n' + d1.log());
    const client = chattyClient();
    let out = '';
    client.stdout!.on('data', (c) => (out += c));
    await until('the client connected through the VIP', () => out.includes('connected'), 60_000, () => out + conns('lb1'));
    const port = /connected (\d+)/.exec(out)![1];
    const entry = new RegExp(`TCP\\s+\\S+\\s+ESTABLISHED\\s+192\\.168\\.77\\.100:${port}\\s+192\\.168\\.77\\.200:80\\s+10\\.0\\.100\\.2:80`);
    await until('the connection on the master', () => entry.test(conns('lb1')), 30_000, () => conns('lb1'));
    // the master's daemon sends it to the backup, which shows it without having seen a packet of it
    await until('the connection synced to the backup', () => entry.test(conns('lb2')), 60_000, () => `lb1:\n${conns('lb1')}\nlb2:\n${conns('lb2')}`);
    // the master stops: its daemon goes; the backup's is swapped for a master daemon
    d1.signal('SIGTERM');
    await d1.exited;
    expect(daemons('lb1')).toBe('');
    await until('lb2 running the master sync daemon only', () => only(daemons('lb2'), 'master'), 120_000, () => daemons('lb2') + '\n' + d2.log());
    client.kill('SIGKILL');
    d2.signal('SIGTERM');
    await d2.exited;
    expect(daemons('lb2')).toBe('');
  }

  it('halo as the master, keepalived 2.2.7 as the backup: daemons as keepalived runs them, the connection synced to keepalived, keepalived takes the master daemon over', async () => {
    await scenario((h, c) => dirs.halo(h, c), (h, c) => dirs.keepalived(h, c));
  });

  it('keepalived 2.2.7 as the master, halo as the backup: halo\'s backup daemon receives the connection, and halo takes the master daemon over', async () => {
    await scenario((h, c) => dirs.keepalived(h, c), (h, c) => dirs.halo(h, c));
  });
});
