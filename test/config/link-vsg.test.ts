/**
 * Mixed address families between a virtual_server_group and the service naming it, as keepalived
 * 2.2.7 handles them: alloc_vsg_entry / vsg_handler (check_data.c, check_parser.c) when the
 * group is read, rs_end_handler while the service is read, link_vsg_to_vs (ipwrapper.c) once
 * everything is read. The log words are keepalived's (compared with keepalived's own log in
 * test/config/link-vsg.netns.test.ts).
 */
import { groupFamilies, linkFamily } from '../../src/config/link-vsg';
import { formatVirtualServer } from '../../src/ipvs/desired-format';
import { load } from './helpers';

describe('linkFamily (link_vsg_to_vs, the family part)', () => {
  const L = '[G]:0';
  const fam = (have4: boolean, have6: boolean, fwmarkNoFamily = false) => ({ have4, have6, fwmarkNoFamily });

  it('a group of one family gives it to a service of none, and keeps a service of the same', () => {
    expect(linkFamily('G', L, fam(true, false), null)).toEqual({ family: 4, note: null });
    expect(linkFamily('G', L, fam(false, true), 6)).toEqual({ family: 6, note: null });
  });

  it('a service of the other family is dropped', () => {
    expect(linkFamily('G', L, fam(false, true), 4)).toEqual({ dropped: "G: address family doesn't match virtual server [G]:0 - ignoring" });
    expect(linkFamily('G', L, fam(true, false, true), 6)).toEqual({ dropped: "G: address family doesn't match virtual server [G]:0 - ignoring" });
  });

  it('a group of both families runs only with a service of no family (every server tunnelled)', () => {
    expect(linkFamily('G', L, fam(true, true), 4)).toEqual({ dropped: "G: virtual server group with IPv4 & IPv6 doesn't match virtual server [G]:0 - ignoring" });
    expect(linkFamily('G', L, fam(true, true), 6)).toHaveProperty('dropped');
    expect(linkFamily('G', L, fam(true, true), null)).toEqual({ family: null, note: null });
  });

  it('fwmarks of no family and a service of none: IPv4, with keepalived\'s note', () => {
    expect(linkFamily('G', L, fam(false, false, true), null)).toEqual({
      family: null, note: 'G: Virtual server [G]:0 address family cannot be determined, defaulting to IPv4',
    });
    expect(linkFamily('G', L, fam(false, false, true), 6)).toEqual({ family: 6, note: null });
  });

  it('groupFamilies reads the entries as alloc_vsg_entry sets have_ipv4/have_ipv6/fwmark_no_family', () => {
    expect(groupFamilies([{ kind: 'addr', address: '10.0.0.1', family: 4, port: 80 }, { kind: 'fwmark', fwmark: 1, family: 6 }])).toEqual(fam(true, true));
    expect(groupFamilies([{ kind: 'range', address: 'fd00::1', family: 6, last: 9, port: 80 }, { kind: 'fwmark', fwmark: 1, family: null }])).toEqual(fam(false, true, true));
  });
});

describe('virtual_server group with mixed families, through the config builder', () => {
  const vsg = (name: string, entries: string): string => `virtual_server_group ${name} {\n${entries}}\n`;
  const vs = (name: string, body: string, proto = 'TCP'): string => `virtual_server group ${name} {\n protocol ${proto}\n${body}}\n`;
  const rs = (addr: string, more = ''): string => ` real_server ${addr} 80 {\n${more} }\n`;
  const lines = (conf: string): string[] => load(conf).diagnostics.map((d) => `${d.location.line}: ${d.severity}: ${d.message}`);
  const services = (conf: string) => load(conf).model?.virtualServers.map((v) => v.key);

  it('an IPv6 group served by IPv4 real servers is not run (the DPVS corpus file 005), and nothing else is said of it', () => {
    // No lb_algo/lb_kind: a service that ran would be warned about both; keepalived drops it before.
    const conf = vsg('V6', ' 2001::1 80\n') + vs('V6', rs('192.168.88.30') + rs('192.168.88.130'));
    expect(lines(conf)).toEqual(["4: warning: V6: address family doesn't match virtual server [V6]:0 - ignoring"]);
    expect(services(conf)).toEqual([]);
  });

  it('an IPv4 group with IPv6 real servers, likewise; the matching service beside it runs', () => {
    const conf = vsg('V4', ' 10.0.0.1 80\n') + vs('V4', ' lb_algo rr\n lb_kind NAT\n' + rs('2001:db8::2')) + vs('V4', ' lb_algo rr\n lb_kind NAT\n' + rs('10.0.1.2'), 'UDP');
    expect(lines(conf)).toEqual(["4: warning: V4: address family doesn't match virtual server [V4]:0 - ignoring"]);
    expect(services(conf)).toEqual([{ kind: 'group', group: 'V4', family: 4 }]);
  });

  it('a group of both families: dropped for a service with a family, run when every server is tunnelled', () => {
    const both = vsg('B', ' 10.0.0.1 80\n 2001:db8::1 80\n');
    expect(lines(both + vs('B', ' lb_algo rr\n lb_kind NAT\n' + rs('10.0.1.2')))).toEqual([
      "5: warning: B: virtual server group with IPv4 & IPv6 doesn't match virtual server [B]:0 - ignoring",
    ]);
    const tunnelled = both + vs('B', ' lb_algo rr\n lb_kind TUN\n' + rs('10.0.1.2') + rs('2001:db8::2'));
    expect(lines(tunnelled)).toEqual([]);
    expect(services(tunnelled)).toEqual([{ kind: 'group', group: 'B', family: null }]);
  });

  it('a group service with no family of its own takes the group\'s', () => {
    const conf = vsg('V6', ' 2001:db8::1 80\n') + vs('V6', ' lb_algo rr\n lb_kind TUN\n' + rs('10.0.1.2'));
    expect(lines(conf)).toEqual([]);
    expect(services(conf)).toEqual([{ kind: 'group', group: 'V6', family: 6 }]);
  });

  it('fwmarks of no family and only tunnelled servers: IPv4, with keepalived\'s note', () => {
    const conf = vsg('F', ' fwmark 7\n') + 'virtual_server group F {\n lb_algo rr\n lb_kind TUN\n real_server 2001:db8::2 {\n }\n real_server 10.0.1.2 {\n }\n}\n';
    expect(lines(conf)).toEqual(['4: warning: F: Virtual server [F]:0 address family cannot be determined, defaulting to IPv4']);
    expect(services(conf)).toEqual([{ kind: 'group', group: 'F', family: null }]);
  });

  it('fwmark entries may name their family; an unknown one is dropped', () => {
    const conf = vsg('F', ' fwmark 7 inet6\n fwmark 8 ipx\n') + 'virtual_server group F {\n lb_algo rr\n lb_kind DR\n real_server 2001:db8::2 {\n }\n}\n';
    expect(lines(conf)).toEqual(["3: warning: (F): fwmark '8' family ipx unknown - ignoring"]);
    expect(load(conf).model?.virtualServerGroups[0].entries).toEqual([{ kind: 'fwmark', fwmark: 7, family: 6 }]);
    expect(services(conf)).toEqual([{ kind: 'group', group: 'F', family: 6 }]);
  });

  it('a group with IPv4, IPv6 and a fwmark of no family is removed, and so is the service naming it', () => {
    const conf = vsg('M', ' 10.0.0.1 80\n 2001:db8::1 80\n fwmark 3\n') + vs('M', ' lb_algo rr\n lb_kind TUN\n' + rs('10.0.1.2'));
    expect(lines(conf)).toEqual([
      '1: warning: virtual server group M cannot have IPv4, IPv6 and fwmark without family - removing',
      '6: warning: Virtual server group M specified but not configured - ignoring virtual server [M]:0',
    ]);
    expect(services(conf)).toEqual([]);
  });

  it('an empty group is removed', () => {
    const conf = 'virtual_server_group E {\n}\n' + vs('E', ' lb_algo rr\n lb_kind NAT\n' + rs('10.0.1.2'));
    expect(lines(conf)).toEqual([
      '1: warning: virtual server group E has no entries - removing',
      '3: warning: Virtual server group E specified but not configured - ignoring virtual server [E]:0',
    ]);
  });

  it('a range whose end is not past its start, or is too large, is skipped with keepalived\'s warning', () => {
    const conf = vsg('R', ' 10.0.0.5-5 80\n 10.0.0.5-3 81\n 10.0.0.1-256 82\n 10.0.0.1-2 83\n 2001:db8::a-a 80\n 2001:db8::a-10000 80\n');
    expect(lines(conf)).toEqual([
      "2: warning: Address range end is not greater than address range start - 10.0.0.5-5 - skipping",
      "3: warning: Address range end is not greater than address range start - 10.0.0.5-3 - skipping",
      "4: warning: Virtual server group range '10.0.0.1-256' end '256' too large",
      "6: warning: Address range end is not greater than address range start - 2001:db8::a-a - skipping",
      "7: warning: Virtual server group range '2001:db8::a-10000' end '10000' too large",
    ]);
    expect(load(conf).model?.virtualServerGroups[0].entries).toEqual([{ kind: 'range', address: '10.0.0.1', family: 4, last: 2, port: 83 }]);
  });

  it('a group whose only range is skipped is removed', () => {
    expect(lines(vsg('R', ' 10.0.0.9-1 80\n'))).toEqual([
      '1: warning: virtual server group R has no entries - removing',
      '2: warning: Address range end is not greater than address range start - 10.0.0.9-1 - skipping',
    ]);
  });

  it('services sharing a group are numbered in keepalived\'s label: [G]:0, [G]:1', () => {
    const conf = vsg('G', ' 10.0.0.1 53\n') + vs('G', ' lb_algo rr\n' + rs('10.0.1.2')) + vs('G', ' lb_algo rr\n' + rs('10.0.1.3'), 'UDP');
    expect(lines(conf)).toEqual([
      '4: warning: Virtual server [G]:0: no forwarding method set, setting default NAT',
      '10: warning: Virtual server [G]:1: no forwarding method set, setting default NAT',
    ]);
    expect(load(conf).model?.virtualServers).toHaveLength(2);
    // The run-time lines use the same label (FMT_VS), from the member number the model keeps.
    expect(load(conf).model?.virtualServers.map((v) => formatVirtualServer(v, load(conf).model!.virtualServerGroups))).toEqual(['[G]:0', '[G]:1']);
  });

  it('a service dropped when linking takes no member number; one dropped later keeps its own', () => {
    const conf = vsg('G', ' 10.0.0.1 53\n') + vs('G', ' lb_algo rr\n lb_kind NAT\n' + rs('2001:db8::2')) + vs('G', ' lb_algo rr\n lb_kind NAT\n') +
      vs('G', ' lb_algo rr\n lb_kind NAT\n' + rs('10.0.1.3'), 'UDP');
    expect(lines(conf)).toEqual([
      "4: warning: G: address family doesn't match virtual server [G]:0 - ignoring",
      '11: warning: Virtual server [G]:0 has no real servers - ignoring',
    ]);
    expect(load(conf).model?.virtualServers.map((v) => v.groupMember)).toEqual([1]);
  });
});
