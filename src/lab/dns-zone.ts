/**
 * The thesis's DNS servers (seed 002 §3.5.3): bind9 serving lab.local (A and CNAME records) and
 * its reverse zone 100.0.10.in-addr.arpa (PTR), one named per dns namespace. Each server's copy
 * of lab.local adds one record, `whoami.lab.local TXT "dnsN"`, so a client learns which real
 * server answered through IPVS — the DNS side of the round-robin spread. (`id.server CH TXT`
 * would say the same, but bind rate-limits its built-in CHAOS view to a few answers a second.)
 */

/** lab.local as the thesis wrote it, plus this server's whoami record. */
export function forwardZone(serverId: string): string {
  return `${FORWARD_ZONE}whoami            IN TXT "${serverId}"\n`;
}

export const FORWARD_ZONE = `$TTL 38400
@ IN SOA dns.lab.local. admin.lab.local. ( 2014092900 28800 3600 604800 38400 )
                  IN NS dns1.lab.local.
                  IN NS dns2.lab.local.
                  IN NS dns3.lab.local.
dns1              IN A 10.0.100.5
dns2              IN A 10.0.100.6
dns3              IN A 10.0.100.7
master            IN A 10.0.100.1
standby           IN A 10.0.100.50
nas               IN A 10.0.100.100
web1              IN A 10.0.100.2
web2              IN A 10.0.100.3
web3              IN A 10.0.100.4
lb1               IN CNAME master
lb2               IN CNAME standby
cluster1          IN CNAME master
cluster2          IN CNAME web1
cluster3          IN CNAME web2
cluster4          IN CNAME web3
cluster5          IN CNAME dns1
cluster6          IN CNAME dns2
cluster7          IN CNAME dns3
`;

// The thesis wrote `1 IN PTR master` and `50 IN PTR standby` without the trailing dot, which
// bind completes with the zone origin; kept as written.
export const REVERSE_ZONE = `$TTL 38400
@ IN SOA dns.lab.local. admin.lab.local. ( 2014092900 28800 3600 604800 38400 )
@   IN NS dns1.
@   IN NS dns2.
@   IN NS dns3.
100 IN PTR nas.
1   IN PTR master
2   IN PTR web1.
3   IN PTR web2.
4   IN PTR web3.
5   IN PTR dns1.
6   IN PTR dns2.
7   IN PTR dns3.
50  IN PTR standby
`;

/**
 * named.conf for one lab DNS server, everything under `dir` (no /etc/bind, no /var/cache, no
 * /run/named): authoritative only, no rndc control channel, no NOTIFY to the other servers (each
 * holds its own copy of the zones), so a lab server does nothing but answer the client.
 */
export function namedConf(serverId: string, address: string, dir: string): string {
  if (!/^[\w-]+$/.test(serverId)) throw new Error(`DNS server id '${serverId}': letters, digits, '-' and '_' only`);
  return `options {
  directory "${dir}";
  pid-file "${dir}/named.pid";
  lock-file "${dir}/named.lock";
  session-keyfile "${dir}/session.key";
  managed-keys-directory "${dir}";
  listen-on port 53 { ${address}; };
  listen-on-v6 { none; };
  recursion no;
  notify no;
  server-id "${serverId}";
  dnssec-validation no;
  allow-query { any; };
};
controls { };
zone "lab.local" { type master; file "${dir}/rd.lab.local"; allow-query { any; }; };
zone "100.0.10.in-addr.arpa" { type master; file "${dir}/ri.lab.local"; allow-query { any; }; };
`;
}

/** The command line that runs a lab DNS server in the foreground, logging to stderr (`-g`), one worker thread. */
export function namedArgv(confPath: string): string[] {
  return ['named', '-g', '-n', '1', '-c', confPath, '-u', 'root'];
}
