/**
 * The link monitor against the real kernel: carrier loss on the veth peer, administrative down,
 * a deleted link, attribute-only changes (no event), and address NEW vs DEL events.
 */
import { Agent, AgentEvent } from './support/agent-client';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { IF, Pair, createPair, ipIn, ipJson, run } from './support/netns';
import { describeNeeding, root } from '../support/prerequisites';

const d = describeNeeding(root);

d('link monitor (netns)', () => {
  let pair: Pair;
  let a: Agent;
  let seen = 0;
  /** The next event after those already consumed that matches. */
  async function next(pred: (e: AgentEvent) => boolean): Promise<AgentEvent> {
    const from = seen;
    const e = await a.waitEvent((x) => a.events.indexOf(x) >= from && pred(x), 5000);
    seen = a.events.indexOf(e) + 1;
    return e;
  }
  const linkEvent = (name: string) => (e: AgentEvent) => e.event === 'link' && e.link.name === name;

  beforeAll(async () => {
    pair = createPair('link');
    a = await Agent.start(pair.a);
    expect(await a.call('monitor.start', { addressEvents: true })).toEqual({ ok: true });
  }, 30000);

  afterAll(async () => {
    await a?.stop();
    pair?.cleanup();
  });

  it('one-shot query gives the index, MAC and state `ip link` shows', async () => {
    const [ip] = ipJson(pair.a, 'link', 'show', IF);
    const r = await a.call('monitor.query', IF);
    expect(r).toEqual({
      ok: true,
      value: { name: IF, index: ip.ifindex, mac: ip.address, adminUp: true, running: true, operstate: 'up', up: true, flags: 0x11043 },
    });
    expect(await a.call('monitor.query', 'nosuch0')).toEqual({ ok: true, value: null });
  });

  it('carrier loss (peer set down) is a down event with the link still administratively up; and back up', async () => {
    ipIn(pair.b, 'link', 'set', IF, 'down');
    const down = await next(linkEvent(IF));
    expect(down).toMatchObject({ kind: 'change', link: { up: false, adminUp: true, running: false } });
    expect(down.link.operstate).not.toBe('up'); // veth reports 'down' (NO-CARRIER) here
    ipIn(pair.b, 'link', 'set', IF, 'up');
    const up = await next(linkEvent(IF));
    expect(up).toMatchObject({ kind: 'change', link: { up: true, adminUp: true, running: true, operstate: 'up' } });
  });

  it('administrative down and up', async () => {
    ipIn(pair.a, 'link', 'set', IF, 'down');
    expect(await next(linkEvent(IF))).toMatchObject({ kind: 'change', link: { up: false, adminUp: false } });
    ipIn(pair.a, 'link', 'set', IF, 'up');
    expect(await next(linkEvent(IF))).toMatchObject({ kind: 'change', link: { up: true, adminUp: true } });
  });

  it('an attribute change that leaves the state alone is not an event', async () => {
    const before = a.events.filter((e) => e.event === 'link').length;
    ipIn(pair.a, 'link', 'set', IF, 'mtu', '1400');
    ipIn(pair.a, 'link', 'set', IF, 'mtu', '1500');
    await new Promise((r) => setTimeout(r, 300));
    expect(a.events.filter((e) => e.event === 'link').length).toBe(before);
  });

  it('a new link is reported, and its deletion as removed', async () => {
    ipIn(pair.a, 'link', 'add', 'hnet1', 'type', 'veth', 'peer', 'name', 'hnet2');
    expect(await next(linkEvent('hnet1'))).toMatchObject({ kind: 'change', link: { up: false } });
    ipIn(pair.a, 'link', 'del', 'hnet1');
    expect(await next((e) => linkEvent('hnet1')(e) && e.kind === 'removed')).toMatchObject({ link: { up: false } });
  });

  it('address events keep NEW vs DEL apart', async () => {
    const index = ipJson(pair.a, 'link', 'show', IF)[0].ifindex;
    ipIn(pair.a, 'addr', 'add', '192.0.2.50/32', 'dev', IF, 'label', 'hnet0:x');
    const added = await next((e) => e.event === 'address' && e.address === '192.0.2.50');
    expect(added).toMatchObject({ kind: 'added', index, family: 4, prefixLen: 32, label: 'hnet0:x' });
    ipIn(pair.a, 'addr', 'del', '192.0.2.50/32', 'dev', IF);
    expect(await next((e) => e.event === 'address' && e.address === '192.0.2.50')).toMatchObject({ kind: 'removed' });
    ipIn(pair.a, 'addr', 'add', '2001:db8::50/128', 'dev', IF, 'nodad');
    expect(await next((e) => e.event === 'address' && e.address === '2001:db8::50')).toMatchObject({ kind: 'added', family: 6 });
  });

  it('close releases the event loop: the agent exits once stdin closes', async () => {
    const code = await a.stop();
    expect(code).toBe(0);
  });
});


d('link monitor event overrun (netns)', () => {
  let pair: Pair;
  let a: Agent;
  let dir: string;

  beforeAll(async () => {
    pair = createPair('ovr');
    ipIn(pair.a, 'link', 'add', 'hnet1', 'type', 'veth', 'peer', 'name', 'hnet2');
    ipIn(pair.a, 'link', 'set', 'hnet1', 'up');
    ipIn(pair.a, 'link', 'set', 'hnet2', 'up');
    a = await Agent.start(pair.a);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hnet-ovr-'));
  }, 30000);

  afterAll(async () => {
    await a?.stop();
    pair?.cleanup();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('ENOBUFS (notifications dropped while the loop was busy) re-reads the link table; the monitor survives and goes on', async () => {
    // A tiny receive buffer, the monitor's process busy, and a burst of 400 address events with
    // a link change at its end: the kernel must drop notifications. (netlink 0.3.0's own socket
    // aborted the process here.)
    expect(await a.call('monitor.start', { recvBufferSize: 1024, addressEvents: true })).toEqual({ ok: true });
    const batch = path.join(dir, 'burst.ip');
    const lines = Array.from({ length: 400 }, (_, i) => `addr add 10.77.${i >> 8}.${i & 255}/32 dev ${IF}`);
    fs.writeFileSync(batch, [...lines, 'link set hnet1 down', ''].join('\n'));
    const busy = a.call('busy', 1500);
    await new Promise((r) => setTimeout(r, 200));
    run('ip', ['-n', pair.a, '-batch', batch]);
    await busy;
    const overrun = await a.waitEvent((e) => e.event === 'monitorError', 5000);
    expect(overrun.code).toBe('ENOBUFS');
    const down = await a.waitEvent((e) => e.event === 'link' && e.link.name === 'hnet1', 5000);
    expect(down).toMatchObject({ kind: 'change', link: { up: false, adminUp: false } });
    // Fewer address events than the 400 made: some were really lost.
    expect(a.events.filter((e) => e.event === 'address').length).toBeLessThan(400);
    // The monitor still works after the overrun.
    ipIn(pair.a, 'link', 'set', 'hnet1', 'up');
    await a.waitEvent((e) => e.event === 'link' && e.link.name === 'hnet1' && e.link.up, 5000);
    expect(await a.stop()).toBe(0);
  }, 20000);
});
