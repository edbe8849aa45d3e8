import { establishedPorts, flowsDecided, flowsStreaming, judgeFlows, openPorts, parseFlowRecords, parseIpvsConns, tally } from '../../src/lab/flows';
import type { FlowRecord } from '../../src/lab/stream-client';

const FAULT = 10_000;
const TAKEOVER = 14_000;
const open = (f: number, port: number): FlowRecord => ({ k: 'open', f, t: 1000, port });
const bytes = (f: number, t: number, n: number): FlowRecord => ({ k: 'bytes', f, t, n });
const end = (f: number, t: number, n: number, err: string): FlowRecord => ({ k: 'end', f, t, n, err });

describe('long-lived flows through a failover (flows.ts)', () => {
  // flow 0 goes on after the takeover; flow 1 is reset by the new master; flow 2 stalls;
  // flow 3 grew once after the takeover, then stalled; flow 4 never connected; flow 5 ended before the fault
  const rs: FlowRecord[] = [
    open(0, 40000), open(1, 40001), open(2, 40002), open(3, 40003), open(5, 40005),
    bytes(0, 5000, 64_000), bytes(1, 5000, 64_000), bytes(2, 5000, 64_000), bytes(3, 5000, 64_000), bytes(5, 5000, 1000),
    end(5, 6000, 1000, 'ECONNRESET'),
    bytes(0, 14_500, 70_000), bytes(0, 15_000, 80_000), bytes(3, 14_500, 65_000),
    end(1, 14_800, 64_000, 'ECONNRESET'),
    end(0, 20_000, 90_000, 'stopped'), end(2, 20_000, 64_000, 'stopped'), end(3, 20_000, 65_000, 'stopped'),
  ];

  it('judges each flow: survived only with two reports of growth after the takeover and no error', () => {
    const v = judgeFlows(rs, 6, FAULT, TAKEOVER);
    expect(v.map((x) => x.outcome)).toEqual(['survived', 'broken', 'stalled', 'stalled', 'not-established', 'ended-before-fault']);
    expect(v[0]).toMatchObject({ port: 40000, bytesBeforeFault: 64_000, bytesAfterTakeover: 16_000, end: 'stopped' });
    expect(v[1]).toMatchObject({ end: 'ECONNRESET', bytesAfterTakeover: 0 });
    expect(tally(v)).toEqual({ survived: 1, broke: 3, void: 2, ends: { ECONNRESET: 1, stalled: 2 } });
  });

  it('without a takeover no flow survived', () => {
    expect(judgeFlows(rs, 1, FAULT, null)[0].outcome).toBe('stalled');
  });

  it('is decided once every flow has ended or grown twice after the takeover', () => {
    const running = rs.filter((r) => !(r.k === 'end' && r.err === 'stopped')); // before the drill stopped the client
    expect(flowsDecided(running, 2, TAKEOVER)).toBe(true);
    expect(flowsDecided(running, 3, TAKEOVER)).toBe(false); // flow 2: still open, no growth
    expect(flowsDecided(running.filter((r) => !(r.k === 'bytes' && r.t === 15_000)), 1, TAKEOVER)).toBe(false);
  });

  it('is streaming once every flow connected and received data', () => {
    expect(flowsStreaming(rs, 4)).toBe(true);
    expect(flowsStreaming(rs, 5)).toBe(false);
    expect(flowsStreaming([open(0, 1)], 1)).toBe(false);
    expect(openPorts(rs)).toEqual([40000, 40001, 40002, 40003, 40005]);
  });

  it('reads the client\'s JSON lines, skipping a line cut by a write in progress', () => {
    expect(parseFlowRecords('{"k":"open","f":0,"t":1,"port":2}\n{"k":"by')).toEqual([{ k: 'open', f: 0, t: 1, port: 2 }]);
  });

  it('reads /proc/net/ip_vs_conn (hex addresses and ports) and finds the client\'s ESTABLISHED connections', () => {
    // as the kernel prints it (ip_vs_conn_seq_show): client 192.168.1.10:40000 → 192.168.1.202:80 → 10.0.100.2:80
    const proc = [
      'Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData',
      'TCP C0A8010A 9C40 C0A801CA 0050 0A006402 0050 ESTABLISHED     899',
      'TCP C0A8010A 9C41 C0A801CA 0050 0A006403 0050 FIN_WAIT          2',
      'TCP 2001:0db8:0001:0000:0000:0000:0000:0010 9C42 2001:0db8:0001:0000:0000:0000:0000:0202 0050 2001:0db8:0100:0000:0000:0000:0000:0002 0050 ESTABLISHED 899',
      'UDP C0A8010A 9C42 C0A801C8 0035 0A006405 0035 UDP             299',
    ].join('\n');
    const conns = parseIpvsConns(proc);
    expect(conns).toHaveLength(3);
    expect(conns[0]).toEqual({ protocol: 'TCP', client: '192.168.1.10', clientPort: 40000, virtual: '192.168.1.202', virtualPort: 80, dest: '10.0.100.2', destPort: 80, state: 'ESTABLISHED' });
    expect(establishedPorts(conns, '192.168.1.10', '192.168.1.202', 80, [40000, 40001, 40002])).toEqual([40000]);
  });
});
