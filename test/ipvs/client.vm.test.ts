/**
 * The IPVS client against the real kernel: every feature the config can name goes in through
 * generic netlink and comes back out of a dump unchanged; ipvsadm reads the same table; errors
 * carry their operation and errno name.
 */
import { IpvsClient } from '../../src/ipvs/client';
import { IpvsError } from '../../src/ipvs/errors';
import type { Op } from '../../src/ipvs/ops';
import {
  IP_VS_SVC_F_ONEPACKET,
  IP_VS_SVC_F_PERSISTENT,
  IP_VS_SVC_F_SCHED1,
  IP_VS_SVC_F_SCHED2,
  IpvsDestination,
  IpvsForward,
  IpvsService,
  IpvsServiceKey,
} from '../../src/ipvs/types';
import { sh } from './vm-helpers';
import { describeNeeding, ipvsKernel, root } from '../support/prerequisites';

jest.setTimeout(120_000);

const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh'];
const FORWARDS: IpvsForward[] = ['masq', 'route', 'tunnel'];

const dest = (address: string, port: number, forward: IpvsForward, weight: number, extra: Partial<IpvsDestination> = {}): IpvsDestination => ({
  af: address.includes(':') ? 6 : 4,
  address,
  port,
  forward,
  weight,
  upperThreshold: 0,
  lowerThreshold: 0,
  ...extra,
});

const service = (key: IpvsServiceKey, scheduler: string, extra: Partial<IpvsService> = {}): IpvsService => ({
  key,
  scheduler,
  flags: 0,
  timeout: 0,
  netmask: key.af === 4 ? 0xffffffff : 128,
  destinations: [],
  ...extra,
});

/** One service per scheduler and forwarding method, plus protocol/persistence/flag cases. */
function featureTable(): IpvsService[] {
  const out: IpvsService[] = [];
  SCHEDULERS.forEach((s, i) => {
    out.push(
      service({ af: 4, protocol: 6, address: `10.1.${i}.1`, port: 80 }, s, {
        destinations: FORWARDS.map((f, j) => dest(`10.201.${i}.${j + 1}`, f === 'masq' ? 8080 : 80, f, j * 3, { upperThreshold: j * 100, lowerThreshold: j * 10 })),
      }),
    );
  });
  out.push(
    service({ af: 4, protocol: 6, address: '10.2.0.1', port: 443 }, 'sh', { flags: IP_VS_SVC_F_SCHED1 | IP_VS_SVC_F_SCHED2, destinations: [dest('10.202.0.1', 443, 'route', 1)] }),
    service({ af: 4, protocol: 6, address: '10.2.0.2', port: 443 }, 'mh', { flags: IP_VS_SVC_F_SCHED2, destinations: [dest('10.202.0.2', 443, 'route', 1)] }),
    service({ af: 4, protocol: 17, address: '10.3.0.1', port: 53 }, 'wrr', { flags: IP_VS_SVC_F_PERSISTENT, timeout: 300, destinations: [dest('10.203.0.1', 53, 'masq', 65535)] }),
    service({ af: 4, protocol: 17, address: '10.3.0.2', port: 53 }, 'rr', { flags: IP_VS_SVC_F_PERSISTENT, timeout: 600, netmask: 0xffffff00 }),
    service({ af: 4, protocol: 17, address: '10.3.0.3', port: 53 }, 'rr', { flags: IP_VS_SVC_F_ONEPACKET, destinations: [dest('10.203.0.3', 53, 'masq', 1)] }),
    service({ af: 4, protocol: 6, address: '10.3.0.4', port: 0 }, 'lc', { flags: IP_VS_SVC_F_PERSISTENT, timeout: 60 }),
    service({ af: 4, fwmark: 1 }, 'wlc', { destinations: [dest('10.204.0.1', 0, 'route', 5), dest('10.204.0.2', 0, 'tunnel', 2)] }),
    service({ af: 4, fwmark: 2 }, 'rr', { flags: IP_VS_SVC_F_PERSISTENT, timeout: 360, netmask: 0xffff0000 }),
    service({ af: 6, fwmark: 3 }, 'rr', { destinations: [dest('2001:db8:1::1', 0, 'route', 1)] }),
    service({ af: 6, protocol: 6, address: '2001:db8::1', port: 80 }, 'wlc', {
      flags: IP_VS_SVC_F_PERSISTENT,
      timeout: 120,
      netmask: 64,
      destinations: [dest('2001:db8:2::2', 80, 'masq', 3), dest('2001:db8:2::1', 8080, 'route', 0)],
    }),
  );
  return out;
}

function opsFor(services: IpvsService[]): Op[] {
  const ops: Op[] = [];
  for (const s of services) {
    ops.push({ op: 'add-service', service: s });
    for (const d of s.destinations) ops.push({ op: 'add-dest', key: s.key, dest: d });
  }
  return ops;
}

const keyStr = (k: IpvsServiceKey): string => JSON.stringify(k);
const sortDests = (ds: IpvsDestination[]): IpvsDestination[] => [...ds].sort((a, b) => `${a.address}:${a.port}`.localeCompare(`${b.address}:${b.port}`));
/** What the kernel reports, reduced to what we programmed. */
const configured = (s: IpvsService) => ({
  key: s.key,
  scheduler: s.scheduler,
  flags: s.flags,
  timeout: s.timeout,
  netmask: s.netmask,
  destinations: sortDests(s.destinations).map((d) => ({
    af: d.af, address: d.address, port: d.port, forward: d.forward, weight: d.weight, upperThreshold: d.upperThreshold, lowerThreshold: d.lowerThreshold,
  })),
});

let client: IpvsClient;

const d = describeNeeding(root, ipvsKernel);

d('IPVS client (kernel VM)', () => {
  beforeAll(async () => {
    client = await IpvsClient.open();
  });
  afterAll(async () => {
    await client.flush().catch(() => undefined);
    client.close();
  });
  beforeEach(async () => {
    await client.flush();
  });

  test('resolves the IPVS family and reads info and timeouts', async () => {
    expect(client.family).toBeGreaterThanOrEqual(16);
    const info = await client.getInfo();
    expect(info.version).toBe(0x010201);
    expect(info.connTableSize).toBe(4096);
    await client.setTimeouts({ tcp: 901, tcpFin: 121, udp: 301 });
    expect(await client.getTimeouts()).toEqual({ tcp: 901, tcpFin: 121, udp: 301 });
    expect(sh('ipvsadm', ['-L', '--timeout'])).toBe('Timeout (tcp tcpfin udp): 901 121 301\n');
    await client.setTimeouts({ tcp: 900 });
    expect(await client.getTimeouts()).toEqual({ tcp: 900, tcpFin: 121, udp: 301 });
    await client.setTimeouts({ tcp: 900, tcpFin: 120, udp: 300 });
  });

  test('every scheduler, forwarding method, protocol, fwmark, persistence and flag round-trips', async () => {
    const table = featureTable();
    const results = await client.apply(opsFor(table));
    expect(results.filter((r) => r.error).map((r) => r.error!.message)).toEqual([]);
    const got = await client.listServices();
    expect(got).toHaveLength(table.length);
    const byKey = new Map(got.map((s) => [keyStr(s.key), s]));
    for (const want of table) {
      const s = byKey.get(keyStr(want.key));
      expect(s && configured(s)).toEqual(configured(want));
      expect(s!.stats).toBeDefined();
    }
    // ipvsadm sees the same table: one line per service and per destination
    const saved = sh('ipvsadm', ['-Sn']).trim().split('\n');
    expect(saved.filter((l) => l.startsWith('-A')).length).toBe(table.length);
    expect(saved.filter((l) => l.startsWith('-a')).length).toBe(table.reduce((n, s) => n + s.destinations.length, 0));
    expect(saved).toContain('-A -t 10.2.0.1:443 -s sh -b sh-fallback,sh-port');
    expect(saved).toContain('-A -u 10.3.0.2:53 -s rr -p 600 -M 255.255.255.0');
    expect(saved).toContain('-A -t [2001:db8::1]:80 -s wlc -p 120 -M 64');
    expect(saved).toContain('-a -f 1 -r 10.204.0.2:0 -i -w 2 --tun-type ipip');
  });

  test('getService returns one service with its destinations; local forwarding round-trips', async () => {
    const key: IpvsServiceKey = { af: 4, protocol: 6, address: '10.9.0.1', port: 80 };
    await client.addService(service(key, 'rr'));
    await client.addDestination(key, dest('127.0.0.1', 8080, 'local', 1));
    const s = await client.getService(key);
    expect(s.destinations).toHaveLength(1);
    expect(s.destinations[0].forward).toBe('local');
  });

  test('edit service and destination, delete destination and service', async () => {
    const key: IpvsServiceKey = { af: 4, protocol: 6, address: '10.5.0.1', port: 80 };
    await client.addService(service(key, 'rr'));
    await client.addDestination(key, dest('10.205.0.1', 80, 'masq', 1));
    await client.editService(service(key, 'wlc', { flags: IP_VS_SVC_F_PERSISTENT, timeout: 30 }));
    await client.editDestination(key, dest('10.205.0.1', 80, 'route', 9, { upperThreshold: 50, lowerThreshold: 5 }));
    let s = await client.getService(key);
    expect(configured(s)).toEqual(configured(service(key, 'wlc', { flags: IP_VS_SVC_F_PERSISTENT, timeout: 30, destinations: [dest('10.205.0.1', 80, 'route', 9, { upperThreshold: 50, lowerThreshold: 5 })] })));
    await client.deleteDestination(key, { af: 4, address: '10.205.0.1', port: 80 });
    s = await client.getService(key);
    expect(s.destinations).toEqual([]);
    await client.deleteService(key);
    expect(await client.listServices()).toEqual([]);
  });

  test('kernel errors carry the operation and the errno name', async () => {
    const key: IpvsServiceKey = { af: 4, protocol: 6, address: '10.0.0.1', port: 80 };
    await client.addService(service(key, 'rr'));
    await expect(client.addService(service(key, 'rr'))).rejects.toThrow('EEXIST adding service TCP 10.0.0.1:80');
    const missing: IpvsServiceKey = { af: 4, protocol: 17, address: '10.0.0.9', port: 53 };
    await expect(client.deleteService(missing)).rejects.toThrow('ESRCH deleting service UDP 10.0.0.9:53');
    await expect(client.getService(missing)).rejects.toMatchObject({ code: 'ESRCH' });
    await expect(client.addDestination(missing, dest('10.1.1.1', 53, 'masq', 1))).rejects.toThrow(
      'ESRCH adding destination 10.1.1.1:53 to service UDP 10.0.0.9:53',
    );
    await expect(client.deleteDestination(key, { af: 4, address: '10.1.1.1', port: 80 })).rejects.toThrow(
      'ENOENT deleting destination 10.1.1.1:80 from service TCP 10.0.0.1:80',
    );
    await client.addDestination(key, dest('10.1.1.1', 80, 'masq', 1));
    const e = await client.addDestination(key, dest('10.1.1.1', 80, 'masq', 1)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(IpvsError);
    expect((e as IpvsError).code).toBe('EEXIST');
    await expect(client.addService(service({ af: 4, protocol: 6, address: '10.0.0.2', port: 80 }, 'nosuch'))).rejects.toThrow(
      'ENOENT adding service TCP 10.0.0.2:80',
    );
  });

  test('apply pipelines ops and reports each failure on its own op', async () => {
    const a: IpvsServiceKey = { af: 4, protocol: 6, address: '10.6.0.1', port: 80 };
    const b: IpvsServiceKey = { af: 4, protocol: 6, address: '10.6.0.2', port: 80 };
    const ops: Op[] = [
      { op: 'add-service', service: service(a, 'rr') },
      { op: 'add-service', service: service(a, 'rr') }, // EEXIST
      { op: 'add-dest', key: a, dest: dest('10.206.0.1', 80, 'masq', 1) },
      { op: 'add-dest', key: b, dest: dest('10.206.0.2', 80, 'masq', 1) }, // ESRCH
      { op: 'add-service', service: service(b, 'wrr') },
      { op: 'edit-dest', key: a, dest: dest('10.206.0.1', 80, 'masq', 7) },
      { op: 'del-dest', key: a, dest: { af: 4, address: '10.206.0.9', port: 80 } }, // ENOENT
    ];
    const res = await client.apply(ops);
    expect(res.map((r) => r.error?.code ?? 'ok')).toEqual(['ok', 'EEXIST', 'ok', 'ESRCH', 'ok', 'ok', 'ENOENT']);
    expect(res[1].error!.message).toBe('EEXIST adding service TCP 10.6.0.1:80');
    expect(res[3].op).toBe(ops[3]);
    const s = await client.getService(a);
    expect(s.destinations.map((d) => d.weight)).toEqual([7]);
  });

  test('apply of 2,000 ops (several sends, windowed) leaves exactly that table', async () => {
    const services: IpvsService[] = [];
    for (let i = 0; i < 400; i++) {
      const key: IpvsServiceKey = { af: 4, protocol: 6, address: `10.7.${i >> 8}.${i & 255}`, port: 80 };
      services.push(service(key, 'wrr', { destinations: [1, 2, 3, 4].map((j) => dest(`10.207.${i >> 8}.${(i & 63) * 4 + j - 1}`, 80, 'masq', j)) }));
    }
    const res = await client.apply(opsFor(services));
    expect(res).toHaveLength(2000);
    expect(res.filter((r) => r.error)).toEqual([]);
    const got = await client.listServices({ parallelism: 4 });
    expect(got).toHaveLength(400);
    expect(got.reduce((n, s) => n + s.destinations.length, 0)).toBe(1600);
  });

  test('zero clears counters; flush empties the table', async () => {
    const key: IpvsServiceKey = { af: 4, protocol: 6, address: '10.8.0.1', port: 80 };
    await client.addService(service(key, 'rr'));
    await client.zero(key);
    await client.zero();
    const [s] = await client.listServices();
    expect(s.stats!.conns).toBe(0n);
    await client.flush();
    expect(await client.listServices()).toEqual([]);
  });

  test('sync daemon: start, list, stop', async () => {
    sh('ip', ['link', 'add', 'hipvs-sync0', 'type', 'dummy']);
    sh('ip', ['link', 'set', 'hipvs-sync0', 'up']);
    try {
      await client.startDaemon({ state: 'master', mcastInterface: 'hipvs-sync0', syncId: 7 });
      const ds = await client.getDaemons();
      expect(ds).toEqual([expect.objectContaining({ state: 'master', mcastInterface: 'hipvs-sync0', syncId: 7 })]);
      await expect(client.startDaemon({ state: 'master', mcastInterface: 'hipvs-sync0', syncId: 7 })).rejects.toThrow(/^EEXIST starting master sync daemon/);
      await client.stopDaemon('master');
      expect(await client.getDaemons()).toEqual([]);
    } finally {
      sh('ip', ['link', 'del', 'hipvs-sync0']);
    }
  });
});
