/**
 * Name lookups for `halo ipvs` without -n, the equivalents of ipvsadm's gethostbyaddr and
 * getservbyport: host names through getnameinfo (nsswitch: /etc/hosts, then DNS), service
 * names from /etc/services for the service's own protocol. Done once per distinct address
 * before formatting, so the formatter stays pure.
 */
import { promises as dns } from 'node:dns';
import { readFileSync } from 'node:fs';
import type { NameLookup } from './listing';

/** Parse /etc/services: "name port/proto aliases..." → first name per port/proto, as getservbyport. */
export function parseServices(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [name, portProto] = line.split(/\s+/);
    if (!portProto || !portProto.includes('/')) continue;
    const [port, proto] = portProto.split('/');
    const k = `${Number(port)}/${proto}`;
    if (!out.has(k)) out.set(k, name);
  }
  return out;
}

/** Resolve every address once (in parallel, bounded), then answer synchronously. */
export async function resolveNames(addresses: Iterable<{ af: 4 | 6; address: string }>, servicesFile = '/etc/services'): Promise<NameLookup> {
  let services = new Map<string, string>();
  try {
    services = parseServices(readFileSync(servicesFile, 'latin1'));
  } catch {
    // no /etc/services: ports stay numeric, as getservbyport would leave them
  }
  const hosts = new Map<string, string | undefined>();
  const todo = [...new Set([...addresses].map((a) => a.address))];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < todo.length) {
      const addr = todo[next++];
      try {
        const r = await dns.lookupService(addr, 0);
        hosts.set(addr, r.hostname && r.hostname !== addr ? r.hostname : undefined);
      } catch {
        hosts.set(addr, undefined);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, todo.length) }, worker));
  return {
    host: (_af, address) => hosts.get(address),
    service: (port, proto) => services.get(`${port}/${proto}`),
  };
}
