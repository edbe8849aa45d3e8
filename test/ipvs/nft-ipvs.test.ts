/**
 * nftables_ipvs (keepalived 2.2.7 global_parser.c ipvs_nftables_*_handler, ipvswrapper.c ipvs_cmd,
 * check_nftables.c): the keywords, which group services get a fwmark, the fwmark services they
 * become, and the nft batch for keepalived's tables, maps and rules. The batch is compared with
 * keepalived's own ruleset in test/integration/nft-ipvs.vm.test.ts.
 */
import { expandServices } from '../../src/ipvs/desired';
import { ipvsNftScript, planIpvsNft } from '../../src/ipvs/nft-ipvs';
import { keepAutoFwmarks, nextAutoFwmark } from '../../src/config/auto-fwmark';
import { load } from '../config/helpers';

const groups = 'virtual_server_group WEB {\n 192.168.1.10 80\n 192.168.1.20-22 443\n}\n' +
  'virtual_server_group WEB6 {\n 2001:db8::10-1f 80\n}\n' +
  'virtual_server_group MARKED {\n fwmark 7\n 192.168.1.30 80\n}\n';
const service = (group: string, proto: string, kind = 'NAT', rs = '10.0.100.2 8080') =>
  `virtual_server group ${group} {\n protocol ${proto}\n lb_algo rr\n lb_kind ${kind}\n real_server ${rs} {\n }\n}\n`;
const conf = (globals: string) => `global_defs {\n${globals}}\n${groups}${service('WEB', 'TCP')}${service('WEB', 'UDP')}${service('WEB', 'SCTP', 'NAT', '10.0.100.3 8080')}` +
  `${service('WEB6', 'TCP', 'DR', '2001:db8:100::2 80')}${service('MARKED', 'TCP')}`;

describe('nftables_ipvs keywords', () => {
  const nft = (globals: string) => load(conf(globals));

  it('off by default; on with the table keepalived_ipvs, priority -1, fwmarks from 1000', () => {
    expect(nft('').model!.globalDefs.nftablesIpvs).toEqual({ table: null, priority: -1, startFwmark: 1000 });
    expect(nft(' nftables_ipvs\n').model!.globalDefs.nftablesIpvs).toEqual({ table: 'keepalived_ipvs', priority: -1, startFwmark: 1000 });
    expect(nft(' nftables_ipvs lb\n nftables_ipvs_priority -10\n nftables_ipvs_start_fwmark 5\n').model!.globalDefs.nftablesIpvs).toEqual({ table: 'lb', priority: -10, startFwmark: 5 });
  });

  it('nftables_ipvs resets priority and first fwmark set before it, as keepalived; a second one is ignored', () => {
    const r = nft(' nftables_ipvs_priority -10\n nftables_ipvs_start_fwmark 5\n nftables_ipvs\n nftables_ipvs other\n');
    expect(r.model!.globalDefs.nftablesIpvs).toEqual({ table: 'keepalived_ipvs', priority: -1, startFwmark: 1000 });
    expect(r.diagnostics.map((d) => d.message)).toEqual(['ipvs nftables already specified - ignoring']);
  });

  it('bad values are warned and ignored with keepalived\'s words', () => {
    const r = nft(' nftables_ipvs\n nftables_ipvs_priority x\n nftables_ipvs_start_fwmark 0\n');
    expect(r.diagnostics.map((d) => d.message)).toEqual(["invalid ipvs nftables chain priority 'x'", "invalid ipvs nftables start_fwmark priority '0'"]);
    expect(nft(` nftables_ipvs ${'t'.repeat(32)}\n`).diagnostics.map((d) => d.message)).toEqual(['ipvs nftables table name too long - ignoring']);
  });
});

describe('group services under nftables_ipvs', () => {
  const m = load(conf(' nftables_ipvs\n nftables_ipvs_start_fwmark 2000\n')).model!;

  it('one fwmark per group of addresses and protocol, in service order; a group with a fwmark entry gets none', () => {
    expect(m.virtualServers.map((v) => v.autoFwmark)).toEqual([2000, 2001, 2002, 2003, undefined]);
    expect(load(conf('')).model!.virtualServers.map((v) => v.autoFwmark)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('they run as fwmark services of the group\'s family, DR destinations on port 0', () => {
    const keys = (i: number) => expandServices(m.virtualServers[i], m.virtualServerGroups).map((s) => s.template.key);
    expect(keys(0)).toEqual([{ af: 4, fwmark: 2000 }]);
    expect(keys(3)).toEqual([{ af: 6, fwmark: 2003 }]);
    expect(expandServices(m.virtualServers[3], m.virtualServerGroups)[0].port).toBe(0);
    expect(keys(4)).toEqual([{ af: 4, fwmark: 7 }, { af: 4, protocol: 6, address: '192.168.1.30', port: 80 }]);
  });

  it('a group of both families and a service of none (tunnelled servers): one fwmark service per family', () => {
    const both = load('global_defs {\n nftables_ipvs\n}\nvirtual_server_group B {\n 10.0.0.1 80\n 2001:db8::1 80\n}\n' +
      'virtual_server group B {\n protocol TCP\n lb_algo rr\n lb_kind TUN\n real_server 10.0.1.2 {\n }\n}\n').model!;
    expect(expandServices(both.virtualServers[0], both.virtualServerGroups).map((s) => s.template.key)).toEqual([{ af: 4, fwmark: 1000 }, { af: 6, fwmark: 1000 }]);
  });

  it('the nft batch: stale tables dropped, then keepalived\'s table per family, a map and a rule per protocol', () => {
    const plan = planIpvsNft(m.globalDefs, m.virtualServers, m.virtualServerGroups);
    expect(ipvsNftScript(plan, null)).toBe([
      'add table ip keepalived_ipvs', 'delete table ip keepalived_ipvs', 'add table ip6 keepalived_ipvs', 'delete table ip6 keepalived_ipvs',
      'table ip keepalived_ipvs {',
      '\tmap tcp_map {', '\t\ttype ipv4_addr . inet_service : mark', '\t\tflags interval',
      '\t\telements = { 192.168.1.10 . 80 : 2000, 192.168.1.20-192.168.1.22 . 443 : 2000 }', '\t}',
      '\tmap udp_map {', '\t\ttype ipv4_addr . inet_service : mark', '\t\tflags interval',
      '\t\telements = { 192.168.1.10 . 80 : 2001, 192.168.1.20-192.168.1.22 . 443 : 2001 }', '\t}',
      '\tmap sctp_map {', '\t\ttype ipv4_addr . inet_service : mark', '\t\tflags interval',
      '\t\telements = { 192.168.1.10 . 80 : 2002, 192.168.1.20-192.168.1.22 . 443 : 2002 }', '\t}',
      '\tchain in {', '\t\ttype filter hook input priority -1; policy accept;',
      '\t\tmeta l4proto tcp meta mark set ip daddr . tcp dport map @tcp_map return',
      '\t\tmeta l4proto udp meta mark set ip daddr . udp dport map @udp_map return',
      '\t\tmeta l4proto sctp meta mark set ip daddr . sctp dport map @sctp_map return', '\t}', '}',
      'table ip6 keepalived_ipvs {',
      '\tmap tcp_map {', '\t\ttype ipv6_addr . inet_service : mark', '\t\tflags interval',
      '\t\telements = { 2001:db8::10-2001:db8::1f . 80 : 2003 }', '\t}',
      '\tchain in {', '\t\ttype filter hook input priority -1; policy accept;',
      '\t\tmeta l4proto tcp meta mark set ip6 daddr . tcp dport map @tcp_map return', '\t}', '}', '',
    ].join('\n'));
  });

  it('stop (no plan) drops the tables written before; nftables_ipvs off writes nothing', () => {
    expect(ipvsNftScript(null, { table: 'lb' })).toBe('add table ip lb\ndelete table ip lb\nadd table ip6 lb\ndelete table ip6 lb\n');
    const off = load(conf('')).model!;
    expect(planIpvsNft(off.globalDefs, off.virtualServers, off.virtualServerGroups)).toBeNull();
  });

  it('nftables_counters puts a counter in the rules (add_counter) and in the maps (the set expression)', () => {
    const c = load(conf(' nftables_ipvs\n nftables_counters\n')).model!;
    const script = ipvsNftScript(planIpvsNft(c.globalDefs, c.virtualServers, c.virtualServerGroups), null);
    expect(script).toContain('\t\tflags interval\n\t\tcounter\n');
    expect(script).toContain('map @tcp_map counter return');
  });
});

describe('a reload under nftables_ipvs keeps the fwmarks handed out (keepalived\'s next_fwmark, clear_diff_vsg)', () => {
  const g = ' nftables_ipvs\n nftables_ipvs_start_fwmark 2000\n';
  const before = load(conf(g)).model!;
  const marks = (vss: { autoFwmark?: number }[]) => vss.map((v) => v.autoFwmark);

  it('the counter after a start is the next fwmark after those handed out; none handed out: null', () => {
    expect(nextAutoFwmark(before.virtualServers)).toBe(2004);
    expect(nextAutoFwmark(load(conf('')).model!.virtualServers)).toBeNull();
  });

  it('a group inserted before the others: they keep theirs, the new one takes the next fwmark', () => {
    const inserted = load(`global_defs {\n${g}}\nvirtual_server_group NEW {\n 192.168.2.1 80\n}\n${groups}${service('NEW', 'TCP')}` +
      `${service('WEB', 'TCP')}${service('WEB', 'UDP')}${service('WEB', 'SCTP', 'NAT', '10.0.100.3 8080')}${service('WEB6', 'TCP', 'DR', '2001:db8:100::2 80')}${service('MARKED', 'TCP')}`).model!;
    // A first start would number them from the start fwmark, the new group first.
    expect(marks(inserted.virtualServers)).toEqual([2000, 2001, 2002, 2003, 2004, undefined]);
    const k = keepAutoFwmarks(before.virtualServers, inserted.virtualServers, 2004, 2000);
    expect(marks(k.services)).toEqual([2004, 2000, 2001, 2002, 2003, undefined]);
    expect(k.counter).toBe(2005);
    // Pure: the new model is not changed.
    expect(marks(inserted.virtualServers)).toEqual([2000, 2001, 2002, 2003, 2004, undefined]);
  });

  it('a fwmark is never handed out twice: a removed service\'s is not reused, the counter goes on', () => {
    const fewer = load(`global_defs {\n${g}}\n${groups}${service('WEB', 'TCP')}${service('WEB6', 'TCP', 'DR', '2001:db8:100::2 80')}`).model!;
    const k1 = keepAutoFwmarks(before.virtualServers, fewer.virtualServers, 2004, 2000);
    expect(marks(k1.services)).toEqual([2000, 2003]);
    const k2 = keepAutoFwmarks(k1.services, before.virtualServers, k1.counter, 2000);
    // WEB's TCP service is the same member (0) and keeps 2000; UDP and SCTP are new members.
    expect(marks(k2.services)).toEqual([2000, 2004, 2005, 2003, undefined]);
  });

  it('a service matched by member number takes its group\'s old fwmark for its own protocol', () => {
    // WEB's TCP service removed: the UDP one is now member 0, matching the old member 0 (TCP).
    const udpFirst = load(`global_defs {\n${g}}\n${groups}${service('WEB', 'UDP')}`).model!;
    expect(marks(keepAutoFwmarks(before.virtualServers, udpFirst.virtualServers, 2004, 2000).services)).toEqual([2001]);
  });

  it('nftables_ipvs turned on at a reload: numbered from the start fwmark', () => {
    const off = load(conf('')).model!;
    const k = keepAutoFwmarks(off.virtualServers, before.virtualServers, null, 2000);
    expect(marks(k.services)).toEqual([2000, 2001, 2002, 2003, undefined]);
    expect(k.counter).toBe(2004);
  });
});
