/** What a VMAC is made with, per instance family (keepalived 2.2.7's netlink_link_add_vmac). */
import { vmacSpecOf } from '../../src/net/vmac';

const inst = (family: 4 | 6, o: { xmitBase?: boolean; excluded?: Array<4 | 6> } = {}) => ({
  name: 'VI_1', interface: 'eth0', virtualRouterId: 51, family,
  vmac: { name: 'vrrp.51', mac: null, xmitBase: o.xmitBase ?? false },
  virtualIpAddressesExcluded: (o.excluded ?? []).map((f) => ({ family: f })),
});

describe('vmacSpecOf', () => {
  it('an IPv4 instance: 00:00:5e:00:01:VRID, the ARP sysctls, IPv6 off, no link-local address', () => {
    expect(vmacSpecOf(inst(4), 'fe80::1')).toEqual({ instance: 'VI_1', name: 'vrrp.51', base: 'eth0', vrid: 51, mac: '00:00:5e:00:01:33', arpSysctls: true, ipv6: false, linkLocal: null });
  });

  it('an IPv4 instance with excluded IPv6 VIPs keeps IPv6 on the VMAC (VRRP_FLAG_EVIP_OTHER_FAMILY)', () => {
    expect(vmacSpecOf(inst(4, { excluded: [4, 6] }))).toMatchObject({ arpSysctls: true, ipv6: true, linkLocal: null });
  });

  it('an IPv6 instance: 00:00:5e:00:02:VRID, no ARP sysctls, IPv6 on, the adverts\' link-local address (none with vmac_xmit_base)', () => {
    expect(vmacSpecOf(inst(6), 'fe80::1')).toMatchObject({ mac: '00:00:5e:00:02:33', arpSysctls: false, ipv6: true, linkLocal: 'fe80::1' });
    expect(vmacSpecOf(inst(6, { xmitBase: true }), 'fe80::1')).toMatchObject({ linkLocal: null });
  });
});
