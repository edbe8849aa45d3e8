/**
 * net_namespace_ipvs (keepalived core/namespaces.c): the IPVS table halo programs may live in
 * another network namespace than halo's own. keepalived enters it only to open its sockets
 * (set_netns_name … genl_connect … restore_net_namespace); so does halo: a netlink socket
 * opened there keeps talking to that namespace's kernel state. Checkers and VRRP stay at home.
 */
import { join } from 'node:path';
import { haloNative } from '../net/native';
import { nftRunner, type NftRunner } from '../net/nft-firewall';

/** The namespace file: /var/run/netns/NAME; no name: /proc/1/ns/net (open_ipvs_namespace); null: halo's own. */
export function ipvsNamespacePath(name: string | undefined): string | null {
  if (name === undefined) return null;
  return name === '' ? '/proc/1/ns/net' : join('/var/run/netns', name);
}

/** `open()` run with the thread in namespace `path` (as it is when null). */
export function openIn<T>(path: string | null, open: () => T): T {
  return path === null ? open() : haloNative().withNetns(path, open);
}

/** nft run in namespace `path` (nsenter --net), for nftables_ipvs's table; Debian's nft at home when null. */
export function nftRunnerIn(path: string | null): NftRunner {
  if (path === null) return nftRunner();
  const run = nftRunner('nsenter');
  return (args, input, operation) => run([`--net=${path}`, 'nft', ...args], input, operation);
}
