/**
 * The ipvlan link's rtnetlink encoding against golden bytes: the IFLA_LINKINFO of the RTM_NEWLINK
 * that `ip link add ivx link lo type ipvlan mode l2 {bridge|private|vepa}` (iproute2 6.1) sends,
 * captured with `strace -e trace=sendmsg -e write=3` (bytes 0x30-0x53 of the 84-byte message);
 * keepalived's netlink_link_add_ipvlan adds the same attributes in the same order.
 */
import { ipvlanLinkInfo, ipvlanOf, linkKindOf, vrfTableOf } from '../../src/net/ipvlan';
import { vmacSpecOf } from '../../src/net/vmac';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
/** IFLA_LINKINFO (type 0x12, 36 bytes) as ip sent it; the last byte of IFLA_IPVLAN_FLAGS differs per type. */
const golden = (flags: string) => hex(`24 00 12 00 0a 00 01 00 69 70 76 6c 61 6e 00 00 14 00 02 00 06 00 01 00 00 00 00 00 06 00 02 00 ${flags} 00 00 00`);

describe('ipvlan link info', () => {
  it.each([['bridge', 0, '00'], ['private', 1, '01'], ['vepa', 2, '02']])('mode l2 %s is what ip link sends', (_name, flags, byte) => {
    const attr = golden(byte);
    // the nested payload, without the IFLA_LINKINFO header halo's netlink library adds
    expect(ipvlanLinkInfo(flags).toString('hex')).toBe(attr.subarray(4).toString('hex'));
    expect(ipvlanOf(attr.subarray(4))).toEqual({ mode: 0, flags });
  });
  it('reads other kinds as not ipvlan, and a VRF table', () => {
    const vrf = hex('07 00 01 00 76 72 66 00 0c 00 02 00 08 00 01 00 e9 03 00 00');
    expect(linkKindOf(vrf)?.kind).toBe('vrf');
    expect(vrfTableOf(vrf)).toBe(1001);
    expect(ipvlanOf(vrf)).toBeNull();
    expect(vrfTableOf(ipvlanLinkInfo(0))).toBeNull();
    expect(ipvlanOf(undefined)).toBeNull();
    expect(ipvlanOf(hex('ff 00 01 00'))).toBeNull();
  });
});

describe('ipvlan spec', () => {
  const base = { name: 'VI_1', interface: 'eth0', virtualRouterId: 51, virtualIpAddressesExcluded: [] };
  it('has no MAC and no ARP sysctls; IPv6 off for an IPv4 instance without other-family eVIPs', () => {
    const ipvlan = { flags: 1, address: { address: '10.0.0.5', prefixLen: 24, family: 4 as const }, fault: null };
    expect(vmacSpecOf({ ...base, family: 4, vmac: { name: 'ivx', mac: null, ipvlan } })).toEqual({
      instance: 'VI_1', name: 'ivx', base: 'eth0', vrid: 51, mac: '', arpSysctls: false, ipv6: false, ipvlan: { flags: 1, address: ipvlan.address },
    });
    expect(vmacSpecOf({ ...base, family: 4, virtualIpAddressesExcluded: [{ family: 6 }], vmac: { name: 'ivx', mac: null, ipvlan } }).ipv6).toBe(true);
    expect(vmacSpecOf({ ...base, family: 6, vmac: { name: 'ivx', mac: null, ipvlan: { ...ipvlan, address: null } } }).ipv6).toBe(true);
  });
});
