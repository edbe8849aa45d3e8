/**
 * `halo ipvs` prints exactly what `ipvsadm` prints, byte for byte, for the same arguments and
 * the same kernel table: every scheduler (and its flags), forwarding method, protocol, fwmark,
 * IPv6, persistence (timeout, mask), ops, weights, with -n or names, --stats, --rate, --exact,
 * one service (-t/-u/-f), a missing service, and 10,000 services; and /proc/net/ip_vs, where
 * the listing takes its destinations from, read as the dumps read them.
 */
import * as dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { IpvsClient } from '../../src/ipvs/client';
import { PROC_IPVS_TABLE, parseProcTable, procServiceName } from '../../src/ipvs/proc-table';
import { IpvsDestination, serviceKeyString } from '../../src/ipvs/types';
import type { Op } from '../../src/ipvs/ops';
import { firstDifference, halo, ipvsadm, sh, Run } from './vm-helpers';
import { describeNeeding, ipvsKernel, root, tool } from '../support/prerequisites';

jest.setTimeout(600_000);

const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh'];

/** The table, as ipvsadm -R rules (programmed by ipvsadm itself, independent of halo). */
function rules(): string {
  const r: string[] = [];
  SCHEDULERS.forEach((s, i) => {
    r.push(`-A -t 10.1.${i}.1:80 -s ${s}`);
    r.push(`-a -t 10.1.${i}.1:80 -r 10.201.${i}.1:8080 -m -w 1`);
    r.push(`-a -t 10.1.${i}.1:80 -r 10.201.${i}.2:80 -g -w 0`);
    r.push(`-a -t 10.1.${i}.1:80 -r 10.201.${i}.3:80 -i -w 65535 -x 100 -y 10`);
  });
  r.push(
    '-A -t 10.2.0.1:443 -s sh -b sh-fallback,sh-port',
    '-a -t 10.2.0.1:443 -r 10.202.0.1:443 -g -w 1',
    '-A -t 10.2.0.2:443 -s sh -b sh-port',
    '-A -t 10.2.0.3:443 -s mh -b mh-fallback,mh-port',
    '-A -t 10.2.0.4:443 -s mh -b mh-port',
    '-A -t 10.2.0.5:443 -s rr -b flag-1,flag-3',
    '-A -u 10.3.0.1:53 -s wrr -p 300',
    '-a -u 10.3.0.1:53 -r 10.203.0.1:53 -m -w 3',
    '-A -u 10.3.0.2:53 -s rr -p 600 -M 255.255.255.0',
    '-A -u 10.3.0.3:53 -s rr -o',
    '-a -u 10.3.0.3:53 -r 10.203.0.3:53 -m -w 1',
    '-A -u 10.3.0.4:53 -s rr -p 60 -o',
    '-A -t 10.3.0.5:0 -s lc -p 60',
    '-A -t 200.1.0.1:80 -s rr',
    '-A -t 1.1.0.1:80 -s rr',
    '-A -t 10.4.0.1:80 -s rr',
    '-a -t 10.4.0.1:80 -r 127.0.0.1:80 -g -w 1',
    '-a -t 10.4.0.1:80 -r 200.0.0.1:80 -m -w 1',
    '-a -t 10.4.0.1:80 -r 1.0.0.1:80 -m -w 1',
    '-a -t 10.4.0.1:80 -r 10.204.0.1:22 -m -w 2',
    '-A -f 1 -s wlc',
    '-a -f 1 -r 10.205.0.1:0 -g -w 5',
    '-a -f 1 -r 10.205.0.2:0 -i -w 2',
    '-A -f 2 -s rr -p 360 -M 255.255.0.0',
    '-A -f 4294967295 -s rr',
    '-A -f 3 -6 -s rr',
    '-a -f 3 -6 -r [2001:db8:1::1]:0 -g -w 1',
    '-A -t [2001:db8::1]:80 -s wlc -p 120 -M 64',
    '-a -t [2001:db8::1]:80 -r [2001:db8:2::2]:80 -m -w 3',
    '-a -t [2001:db8::1]:80 -r [2001:db8:2::1]:8080 -g -w 0',
    '-A -u [2001:db8::2]:53 -s sh',
    // tunnelled destinations of the other family (kernel >= 4.3 takes them for TUN only)
    '-A -t 10.6.0.1:80 -s rr',
    '-a -t 10.6.0.1:80 -r [2001:db8:6::1]:80 -i -w 1',
    '-a -t 10.6.0.1:80 -r [2001:db8:1234:5678:9abc:def0:1234:5678]:80 -i -w 2',
    '-a -t 10.6.0.1:80 -r 10.206.0.1:80 -i -w 3',
    '-A -t [2001:db8::6]:80 -s rr',
    '-a -t [2001:db8::6]:80 -r 10.206.0.2:80 -i -w 1',
    '-a -t [2001:db8::6]:80 -r [2001:db8:6::2]:80 -i -w 1',
    '-A -f 8 -6 -s wlc',
    '-a -f 8 -6 -r 10.206.0.3:0 -i -w 1',
    // one mark for an IPv4 and an IPv6 service: /proc/net/ip_vs cannot tell them apart
    '-A -f 1 -6 -s rr',
    '-a -f 1 -6 -r [2001:db8:1::9]:0 -g -w 4',
    '-A -u 10.50.0.1:5000 -s rr',
    '-a -u 10.50.0.1:5000 -r 10.50.0.2:5000 -g -w 1',
    '-A -u [2001:db8:50::1]:5000 -s rr',
    '-a -u [2001:db8:50::1]:5000 -r [2001:db8:50::2]:5000 -g -w 1',
  );
  return r.join('\n') + '\n';
}

const ARGS: string[][] = [
  ['-Ln'],
  ['-L', '-n'],
  ['-l', '-n'],
  ['-L'],
  ['-Ln', '--stats'],
  ['-Ln', '--rate'],
  ['-Ln', '--stats', '--exact'],
  ['-Ln', '--rate', '--exact'],
  ['-Ln', '--exact'],
  ['-L', '--stats'],
  ['-Ln', '-t', '10.1.0.1:80'],
  ['-Ln', '-t', '10.4.0.1:80'],
  ['-L', '-t', '10.4.0.1:80'],
  ['-Ln', '-u', '10.3.0.2:53'],
  ['-Ln', '--stats', '-u', '10.50.0.1:5000'],
  ['-Ln', '-f', '1'],
  ['-Ln', '-f', '3', '-6'],
  ['-Ln', '-f', '1', '-6'],
  ['-Ln', '-t', '[2001:db8::1]:80'],
  ['-Ln', '--stats', '-t', '[2001:db8::1]:80'],
  ['-Ln', '--rate', '--exact', '-t', '[2001:db8::1]:80'],
  ['-L', '-t', '[2001:db8::6]:80'],
  ['-Ln', '-t', '10.6.0.1:80'],
  ['-Ln', '--stats', '-f', '8', '-6'],
  ['-Ln', '-u', '[2001:db8::2]:53'],
  ['-Ln', '--stats', '--exact', '-u', '[2001:db8:50::1]:5000'],
  ['-Ln', '--rate', '-u', '[2001:db8:50::1]:5000'],
  ['-Ln', '-t', '10.9.9.9:80'],
  ['-L', '--timeout'],
];

/**
 * Lines of `got` that are neither line of `before` nor of `after`, unless they have the same
 * words at the same columns (right-aligned fields end where theirs end) with every number
 * between the two readings: a reading taken between two others of a decaying rate.
 */
function bracketed(before: string, got: string, after: string): string[] {
  const [b, g, a] = [before, got, after].map((t) => t.split('\n'));
  if (g.length !== b.length || g.length !== a.length) return [`line counts ${b.length} / ${g.length} / ${a.length}`];
  const words = (l: string) => [...l.matchAll(/\S+/g)].map((m) => ({ w: m[0], end: m.index! + m[0].length }));
  const bad: string[] = [];
  g.forEach((line, i) => {
    if (line === b[i] || line === a[i]) return;
    const [wb, wg, wa] = [b[i], line, a[i]].map(words);
    const ok = wg.length === wb.length && wg.length === wa.length && wg.every((x, k) => {
      if (x.end !== wb[k].end && x.end !== wa[k].end) return false;
      if (!/^\d+$/.test(x.w)) return x.w === wb[k].w && x.w === wa[k].w;
      const [lo, hi] = [Number(wb[k].w), Number(wa[k].w)].sort((p, q) => p - q);
      return Number(x.w) >= lo && Number(x.w) <= hi;
    });
    if (!ok) bad.push(`line ${i + 1}: ipvsadm ${JSON.stringify(b[i])} / halo ${JSON.stringify(line)} / ipvsadm ${JSON.stringify(a[i])}`);
  });
  return bad;
}

function expectSame(args: string[], a: Run, h: Run): void {
  expect({ args, stdout: firstDifference(a.stdout, h.stdout), stderr: h.stderr, status: h.status }).toEqual({ args, stdout: undefined, stderr: a.stderr, status: a.status });
}

const d = describeNeeding(root, ipvsKernel, tool('ipvsadm'));

d('halo ipvs listing (kernel VM)', () => {
  describe('halo ipvs vs ipvsadm', () => {
    beforeAll(async () => {
      sh('ipvsadm', ['-C']);
      sh('ip', ['link', 'add', 'hipvs-st0', 'type', 'dummy']);
      sh('ip', ['addr', 'add', '10.50.0.254/24', 'dev', 'hipvs-st0']);
      sh('ip', ['addr', 'add', '2001:db8:50::254/64', 'dev', 'hipvs-st0', 'nodad']);
      sh('ip', ['link', 'set', 'hipvs-st0', 'up']);
      sh('ipvsadm', ['-R'], rules());
      // traffic for --stats/--rate: locally sent UDP datagrams are scheduled by IPVS (LOCAL_OUT), over IPv4 and IPv6
      for (const [type, vip] of [['udp4', '10.50.0.1'], ['udp6', '2001:db8:50::1']] as const) {
        for (let i = 0; i < 30; i++) {
          const s = dgram.createSocket(type);
          await new Promise<void>((resolve) => s.send(Buffer.alloc(100 + i), 5000, vip, () => resolve()));
          s.close();
        }
      }
      // the kernel folds its per-CPU counters into what it reports every 2 s (the estimator):
      // wait until it has (however slow this VM is), not for a fixed time
      const counted = () => ['10.50.0.1:5000', '[2001:db8:50::1]:5000'].every((vip) =>
        new RegExp(`UDP {2}${vip.replace(/[[\].]/g, '\\$&')} +[1-9]`).test(sh('ipvsadm', ['-Ln', '--stats', '--exact', '-u', vip])));
      for (const end = Date.now() + 60_000; !counted() && Date.now() < end;) await new Promise((r) => setTimeout(r, 250));
    });
    afterAll(() => {
      sh('ipvsadm', ['-C']);
      sh('ip', ['link', 'del', 'hipvs-st0']);
    });

    test('the table has traffic counters to show, IPv4 and IPv6', () => {
      expect(sh('ipvsadm', ['-Ln', '--stats', '--exact', '-u', '10.50.0.1:5000'])).toMatch(/UDP {2}10\.50\.0\.1:5000 +[1-9]/);
      expect(sh('ipvsadm', ['-Ln', '--stats', '--exact', '-u', '[2001:db8:50::1]:5000'])).toMatch(/UDP {2}\[2001:db8:50::1\]:5000 +[1-9]/);
    });

    test('/proc/net/ip_vs gives the destinations the dumps give, for every service it names once', async () => {
      const text = readFileSync(PROC_IPVS_TABLE, 'latin1');
      const table = parseProcTable(text);
      const client = await IpvsClient.open();
      try {
        const services = await client.listServices({ stats: false });
        const plain = (ds: IpvsDestination[]) => ds.map(({ af, address, port, forward, weight, activeConns, inactiveConns }) => ({ af, address, port, forward, weight, activeConns, inactiveConns }));
        const named = services.filter((s) => table.get(procServiceName(s.key)) !== undefined);
        expect(named.length).toBe(services.length - 2); // the two services of mark 1
        expect(table.get('FWM 1')).toBeUndefined();
        for (const s of named) expect({ s: serviceKeyString(s.key), d: plain(table.get(procServiceName(s.key))!) }).toEqual({ s: serviceKeyString(s.key), d: plain(s.destinations) });
      } finally {
        client.close();
      }
    });

    test.each(ARGS.map((a) => [a.join(' '), a]))('halo ipvs %s', (_name, args) => {
      if (!(args as string[]).includes('--rate')) return expectSame(args as string[], ipvsadm(args as string[]), halo(args as string[]));
      // rates move every 2 s (the kernel estimator) and, with the traffic over, only decay; one
      // `halo ipvs` under emulation can take longer than that. So halo's reading is taken between
      // two of ipvsadm's: every line is one of theirs, or has their layout with each rate between
      // theirs (however slow this VM is)
      const a1 = ipvsadm(args as string[]);
      const h = halo(args as string[]);
      const a2 = ipvsadm(args as string[]);
      if (h.stdout === a1.stdout || h.stdout === a2.stdout) return expectSame(args as string[], h.stdout === a1.stdout ? a1 : a2, h);
      expect({ status: h.status, stderr: h.stderr }).toEqual({ status: a1.status, stderr: a1.stderr });
      expect(bracketed(a1.stdout, h.stdout, a2.stdout)).toEqual([]);
    });
  });

  describe('10,000 services', () => {
    let client: IpvsClient;
    beforeAll(async () => {
      sh('ipvsadm', ['-C']);
      client = await IpvsClient.open();
      // addresses spread over the whole IPv4 space, so ipvsadm's int-overflow comparison and
      // glibc's merge order both matter; deterministic (LCG)
      let x = 12345;
      const rnd = (): number => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
      const ops: Op[] = [];
      const seen = new Set<string>();
      while (seen.size < 10_000) {
        const v = rnd();
        const address = `${(v >>> 24) || 1}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${(v & 255) || 1}`;
        const protocol = (rnd() & 1) === 0 ? 6 : 17;
        const port = [80, 443, 53, 8080][rnd() & 3];
        const id = `${protocol} ${address} ${port}`;
        if (seen.has(id) || address.startsWith('127.') || Number(address.split('.')[0]) >= 224) continue;
        seen.add(id);
        const key = { af: 4 as const, protocol: protocol as 6 | 17, address, port };
        ops.push({ op: 'add-service', service: { key, scheduler: 'wrr', flags: 0, timeout: 0, netmask: 0xffffffff, destinations: [] } });
        for (let j = 0; j < 2; j++) {
          const d = rnd();
          ops.push({ op: 'add-dest', key, dest: { af: 4, address: `10.${(d >>> 16) & 255}.${(d >>> 8) & 255}.${(d & 254) + 1}`, port, forward: 'route', weight: d & 7, upperThreshold: 0, lowerThreshold: 0 } });
        }
      }
      const res = await client.apply(ops);
      const failed = res.filter((r) => r.error);
      expect(failed.length).toBeLessThan(5); // a duplicate random destination is EEXIST, nothing else
      failed.forEach((f) => expect(f.error!.code).toBe('EEXIST'));
    });
    afterAll(() => {
      client.close();
      sh('ipvsadm', ['-C']);
    });

    test.each([[['-Ln']], [['-Ln', '--stats']]])('halo ipvs %p', (args) => {
      const a = ipvsadm(args);
      const h = halo(args);
      expect(a.stdout.split('\n').length).toBeGreaterThan(30_000);
      expectSame(args, a, h);
      process.stdout.write(`10,000 services ${args.join(' ')}: ipvsadm ${a.ms.toFixed(0)} ms, halo ${h.ms.toFixed(0)} ms\n`);
    });
  });
});
