/**
 * The VRRP socket against the reference implementation, Debian's keepalived 2.2.7, on a veth
 * pair: halo's socket reads keepalived's adverts (TTL 255, its source), and keepalived accepts
 * adverts sent through halo's socket (the fixture's VRRPv2 PASS advert, priority 150: its
 * checksum covers only the VRRP message, so it stays valid under our IPv4 header) — it leaves
 * MASTER for BACKUP, logging the advert from our address.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Agent } from './support/agent-client';
import { ADDR_A, ADDR_B, IF, Pair, createPair, ipJson, until } from './support/netns';
import { describeNeeding, file, root, tool } from '../support/prerequisites';

const FIXTURES = path.resolve(__dirname, '../../../shared/fixtures/keepalived-2.2.7/hex');
const V2_ADVERT_HEX = path.join(FIXTURES, 'v2-pass-advert.ip.hex');

const CONFIG = `global_defs {
    router_id hnet-b
    vrrp_version 2
}
vrrp_instance VI_1 {
    state BACKUP
    interface ${IF}
    virtual_router_id 51
    priority 100
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass mypasswd
    }
    virtual_ipaddress {
        192.168.77.200/24
    }
}
`;

const d = describeNeeding(root, tool('keepalived'), file(V2_ADVERT_HEX, 'the shared keepalived 2.2.7 fixtures'));

d('VRRP socket interop with keepalived 2.2.7 (netns)', () => {
  let pair: Pair;
  let a: Agent;
  let dir: string;
  let ka: ChildProcess | undefined;
  let log = '';

  beforeAll(async () => {
    pair = createPair('ka');
    a = await Agent.start(pair.a);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hnet-ka-'));
  }, 30000);

  afterAll(async () => {
    if (ka && ka.exitCode === null && ka.signalCode === null) {
      const exited = new Promise((r) => ka!.on('exit', r));
      ka.kill('SIGTERM'); // the parent we started; it stops its VRRP child
      const timer = setTimeout(() => {
        // Still there: kill the parent and the VRRP child it recorded, by PID.
        ka!.kill('SIGKILL');
        try {
          process.kill(Number(fs.readFileSync(path.join(dir, 'vrrp.pid'), 'utf8')), 'SIGKILL');
        } catch {
          // gone
        }
      }, 5000);
      await exited;
      clearTimeout(timer);
    }
    await a?.stop();
    pair?.cleanup();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 20000);

  it('reads keepalived adverts and keepalived accepts ours', async () => {
    const conf = path.join(dir, 'keepalived.conf');
    fs.writeFileSync(conf, CONFIG);
    const ifindexA = ipJson(pair.a, 'link', 'show', IF)[0].ifindex;
    const sock = await a.call<number>('vrrp.open', { ifname: IF, ifindex: ifindexA });

    ka = spawn('ip', ['netns', 'exec', pair.b, 'keepalived', '-n', '-l', '-D', '-f', conf,
      '-p', path.join(dir, 'ka.pid'), '-r', path.join(dir, 'vrrp.pid'), '-c', path.join(dir, 'chk.pid')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    ka.stdout!.on('data', (d) => (log += d));
    ka.stderr!.on('data', (d) => (log += d));

    // keepalived becomes MASTER after Master_Down_Interval (3 × 1 s + skew 0.61 s) and adverts.
    const advert = await a.waitEvent((e) => e.event === 'packet' && e.socket === sock, 20_000);
    const rx = Buffer.from(advert.hex, 'hex');
    expect(advert.source).toBe(ADDR_B);
    expect(rx[8]).toBe(255); // TTL
    expect(rx[9]).toBe(112);
    expect(rx[20]).toBe(0x21); // VRRPv2 advertisement
    expect(rx[21]).toBe(51); // VRID
    expect(rx[22]).toBe(100); // priority
    const since = await until(() => {
      const at = log.indexOf('(VI_1) Entering MASTER STATE');
      return at >= 0 ? at : null;
    }, 15_000);
    const after = () => log.slice(since);

    // Our advert: keepalived's own v2 PASS priority-150 message under an IPv4 header from A.
    const packet = Buffer.from(fs.readFileSync(V2_ADVERT_HEX, 'utf8').trim(), 'hex');
    packet.set([192, 0, 2, 1], 12);
    // one advert should do; resend once a second (as a master would) until keepalived says so
    for (let i = 0; i < 15 && !after().includes('Entering BACKUP STATE'); i++) {
      await a.call('vrrp.send', sock, packet.toString('hex'), '224.0.0.18');
      await until(() => after().includes('Entering BACKUP STATE'), 1000).catch(() => undefined);
    }
    expect(after()).toMatch(/\(VI_1\) Entering BACKUP STATE/);
    expect(after()).toContain(ADDR_A);
    expect(after()).not.toMatch(/checksum|auth|TTL|invalid/i);
    await a.call('vrrp.close', sock);
  }, 60000);
});
