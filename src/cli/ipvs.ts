/**
 * `halo ipvs [-L|-l] [-n] [--stats] [--rate] [--exact] [--timeout] [-t|-u VIP:PORT | -f FWMARK [-6]]`:
 * the kernel's IPVS table read over generic netlink and printed exactly as ipvsadm prints it.
 * Needs no daemon.
 */
import { readFileSync } from 'node:fs';
import type * as IpAddr from 'ipaddr.js';
import { IpvsClient } from '../ipvs/client';
import { GenlExchange } from '../ipvs/genl-exchange';
import { IpvsError } from '../ipvs/errors';
import { ListingFormat, formatListing, formatOneService } from '../ipvs/listing';
import { PROC_IPVS_TABLE } from '../ipvs/proc-table';
import type { IpvsService, IpvsServiceKey } from '../ipvs/types';

// A listing loads only what it uses (under emulation each module costs tens of milliseconds):
// ipaddr.js for a -t/-u address, the name lookups without -n.

export interface IpvsArgs {
  format: ListingFormat;
  timeout: boolean;
  service?: IpvsServiceKey;
}

const USAGE = 'usage: halo ipvs [-L|-l] [-n] [--stats] [--rate] [--exact] [--timeout] [-t|-u|--sctp-service VIP:PORT | -f FWMARK [-6]]';

/** "10.0.0.1:80" or "[2001:db8::1]:80". */
export function parseServiceAddress(text: string): { af: 4 | 6; address: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:]+)(?::(\d+))?$/.exec(text);
  const ipaddr = require('ipaddr.js') as typeof IpAddr;
  if (!m || !ipaddr.isValid(m[1])) throw new Error(`illegal virtual server address[:port] specified: ${text}`);
  const addr = ipaddr.parse(m[1]);
  const port = m[2] === undefined ? 0 : Number(m[2]);
  if (port > 65535) throw new Error(`illegal port in ${text}`);
  return { af: addr.kind() === 'ipv4' ? 4 : 6, address: addr.toString(), port };
}

export function parseArgs(argv: string[]): IpvsArgs {
  const format: ListingFormat = { numeric: false, stats: false, rate: false, exact: false };
  const out: IpvsArgs = { format, timeout: false };
  let fwmark: number | undefined;
  let v6 = false;
  const args: string[] = [];
  for (const a of argv) {
    // "-Ln" is "-L -n"; an option taking a value ends the cluster ("-Lnt10.0.0.1:80")
    if (/^-[a-zA-Z0-9]{2,}$/.test(a)) {
      for (let i = 1; i < a.length; i++) {
        args.push(`-${a[i]}`);
        if ('tuf'.includes(a[i]) && i + 1 < a.length) {
          args.push(a.slice(i + 1));
          break;
        }
      }
    } else args.push(a);
  }
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new Error(`option ${a} needs a value`);
      return v;
    };
    switch (a) {
      case '-L': case '-l': case '--list':
        break;
      case '-n': case '--numeric':
        format.numeric = true;
        break;
      case '--stats':
        format.stats = true;
        break;
      case '--rate':
        format.rate = true;
        break;
      case '--exact':
        format.exact = true;
        break;
      case '--timeout':
        out.timeout = true;
        break;
      case '-6': case '--ipv6':
        v6 = true;
        break;
      case '-t': case '--tcp-service': case '-u': case '--udp-service': case '--sctp-service': {
        const s = parseServiceAddress(value());
        const protocol = a === '-t' || a === '--tcp-service' ? 6 : a === '--sctp-service' ? 132 : 17;
        out.service = { af: s.af, protocol, address: s.address, port: s.port };
        break;
      }
      case '-f': case '--fwmark-service': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) === 0 || Number(v) > 0xffffffff) throw new Error(`invalid fwmark value \`${v}' specified`);
        fwmark = Number(v);
        break;
      }
      default:
        throw new Error(`invalid option \`${a}'`);
    }
  }
  if (fwmark !== undefined) out.service = { af: v6 ? 6 : 4, fwmark };
  return out;
}

async function namesFor(services: IpvsService[], numeric: boolean) {
  if (numeric) return undefined;
  const addrs: { af: 4 | 6; address: string }[] = [];
  for (const s of services) {
    if ('address' in s.key) addrs.push({ af: s.key.af, address: s.key.address });
    for (const d of s.destinations) addrs.push({ af: d.af, address: d.address });
  }
  const { resolveNames } = require('../ipvs/names') as typeof import('../ipvs/names');
  return resolveNames(addrs);
}

export async function main(argv: string[]): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let args: IpvsArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`halo ipvs: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  let client: IpvsClient | undefined;
  try {
    // a listing command: the synchronous exchange (no netlink package, no loop turn per reply)
    client = await IpvsClient.open({ exchange: new GenlExchange() });
    let text: string;
    if (args.timeout) {
      const t = await client.getTimeouts();
      text = `Timeout (tcp tcpfin udp): ${t.tcp} ${t.tcpFin} ${t.udp}\n`;
    } else if (args.service) {
      let svc: IpvsService;
      try {
        svc = await client.getService(args.service);
      } catch (e) {
        // ipvsadm's wording for a service that is not there
        if (e instanceof IpvsError && e.code === 'ESRCH') {
          process.stderr.write('No such service\n');
          return 1;
        }
        throw e;
      }
      text = formatOneService(svc, args.format, await namesFor([svc], args.format.numeric));
    } else {
      const withStats = args.format.stats || args.format.rate;
      // the destinations from /proc/net/ip_vs in one read where it can tell them (not for the
      // counters, which it lacks): 10,000 services, one read instead of 10,000 dumps
      const destinationText = (): string | undefined => {
        try {
          return readFileSync(PROC_IPVS_TABLE, 'latin1');
        } catch {
          return undefined; // no /proc here: every service is dumped
        }
      };
      const [info, services] = [await client.getInfo(), await client.listServices({ stats: withStats, destinationText })];
      text = formatListing(info, services, args.format, await namesFor(services, args.format.numeric));
    }
    await new Promise<void>((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
    return 0;
  } catch (e) {
    process.stderr.write(`halo ipvs: ${(e as Error).message}\n`);
    return 1;
  } finally {
    client?.close();
  }
}
