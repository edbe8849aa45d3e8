/**
 * use_ipvlan read as keepalived 2.2.7's vrrp_ipvlan_handler and vrrp_complete_instance read it;
 * the warnings' words are those `keepalived -t` printed for the same lines (Debian's 2.2.7, an
 * instance on a veth in a namespace).
 */
import { instance, messages, model } from './helpers';

const first = (text: string) => model(text).vrrpInstances[0];

describe('use_ipvlan', () => {
  it('NAME ADDR/LEN TYPE in any order: an l2 ipvlan on the interface carrying the adverts, its address their source; the VIPs stay on the interface, as keepalived 2.2.7 puts them', () => {
    const i = first(instance(' use_ipvlan private 10.0.0.5/24 ivx'));
    expect(i.vmac).toEqual({ name: 'ivx', xmitBase: false, mac: null, ipvlan: { flags: 1, address: { address: '10.0.0.5', prefixLen: 24, family: 4 }, fault: null } });
    expect(i.virtualIpAddresses[0].dev).toBe('eth0');
    expect(i.mcastSrcIp).toBe('10.0.0.5');
    expect(messages(instance(' use_ipvlan private 10.0.0.5/24 ivx'))).toEqual([]);
  });
  it('defaults: bridge, vrrp.VRID, a host address; a configured source address stays', () => {
    const i = first(instance(' mcast_src_ip 10.0.0.9\n use_ipvlan 10.0.0.5'));
    expect(i.vmac).toEqual({ name: 'vrrp.51', xmitBase: false, mac: null, ipvlan: { flags: 0, address: { address: '10.0.0.5', prefixLen: 32, family: 4 }, fault: null } });
    expect(i.mcastSrcIp).toBe('10.0.0.9');
    expect(first(instance(' use_ipvlan vepa 10.0.0.5')).vmac?.ipvlan?.flags).toBe(2);
  });
  it("repeats and extra words are warned and ignored, in keepalived's words; l3 is read as a name", () => {
    const text = instance(' use_ipvlan ivx 10.0.0.5/24 private bridge 10.0.0.6 fe80::1 l3 promote_secondaries\n use_ipvlan\n vmac_xmit_base');
    // (halo lists its diagnostics in file order)
    expect(messages(text)).toEqual([
      '7:2: warning: (VI_1) vmac_xmit_base is only valid with a vmac',
      "7:37: warning: (VI_1) ipvlan type already specified - ignoring 'bridge'",
      "7:44: warning: (VI_1) ipvlan address already specified - ignoring '10.0.0.6'",
      "7:53: warning: (VI_1) ipvlan address already specified - ignoring 'fe80::1'",
      "7:61: warning: (VI_1) IPVLAN interface already specified - ignoring 'l3'",
      "7:64: warning: (VI_1) IPVLAN interface already specified - ignoring 'promote_secondaries'",
      '8:2: warning: (VI_1) use_ipvlan already specified',
    ]);
    expect(first(instance(' use_ipvlan l3 10.0.0.5')).vmac?.name).toBe('l3');
  });
  it('an address of the other family is skipped; a name too long is ignored', () => {
    expect(messages(instance(' use_ipvlan fe80::5 10.0.0.5'))).toEqual(['7:13: warning: (VI_1) ipvlan address[fe80::5] MUST match vrrp instance family !!! Skipping...']);
    expect(messages(instance(' use_ipvlan abcdefghijklmnop 10.0.0.5'))).toEqual(["7:13: warning: (VI_1) IPVLAN interface name 'abcdefghijklmnop' too long - ignoring"]);
  });
  it('an IPv4 instance without an address is a config fault (FAULT for good), and promote_secondaries is dropped', () => {
    const text = instance(' use_ipvlan vepa\n promote_secondaries');
    expect(messages(text)).toEqual([
      '1:1: warning: (VI_1) promote_secondaries is automatically set for vmacs - ignoring',
      '7:2: warning: (VI_1) IPv4 ipvlan requires a source ip address to be configured. setting instance to fault state',
    ]);
    const i = first(text);
    expect(i.vmac?.ipvlan?.fault).toBe('IPv4 ipvlan requires a source ip address to be configured. setting instance to fault state');
    expect(i.promoteSecondaries).toBe(false);
  });
  it('an IPv6 instance needs no address; it wins over use_vmac and makes no nftables default', () => {
    const v6 = first(`vrrp_instance VI_6 {\n interface eth0\n virtual_router_id 5\n virtual_ipaddress {\n  fe80::1\n }\n use_ipvlan iv6\n}\n`);
    expect(v6.vmac?.ipvlan).toEqual({ flags: 0, address: null, fault: null });
    const m = model(instance(' use_vmac\n use_ipvlan 10.0.0.5'));
    expect(m.vrrpInstances[0].vmac?.ipvlan?.address?.address).toBe('10.0.0.5');
    expect(model(instance(' use_ipvlan 10.0.0.5')).globalDefs.nftables.defaulted).toBeFalsy();
  });
  it('vmac_xmit_base without a VMAC is warned', () => {
    expect(messages(instance(' vmac_xmit_base'))).toEqual(['1:1: warning: (VI_1) vmac_xmit_base is only valid with a vmac']);
  });
});

describe('vrf (instance)', () => {
  it("after interface: ignored with keepalived's warning; before it: the interface wins", () => {
    expect(messages(instance(' vrf red'))).toEqual(['7:2: warning: (VI_1) Cannot specify VRF interface and interface - ignoring']);
    expect(messages(instance('', 'VI_1', 'vrf red\n interface eth0\n virtual_router_id 51'))).toEqual([]);
    expect(first(instance('', 'VI_1', 'vrf red\n interface eth0\n virtual_router_id 51')).interface).toBe('eth0');
  });
  it('with no interface: refused as not implemented, located', () => {
    expect(messages(instance('', 'VI_1', 'vrf red\n virtual_router_id 51'))).toEqual([
      "2:6: error: (VI_1) an instance with no interface, its socket bound to VRF red is not implemented in halo (--allow-unimplemented to run without it)",
    ]);
  });
});

describe("the host's VRFs (routes' vrf NAME)", () => {
  it("reads the VRFs and their tables from ip -d -j link show's JSON, nothing from bad output", async () => {
    const { vrfTablesOf } = await import('../../src/config/host-vrfs');
    const json = JSON.stringify([
      { ifname: 'red', linkinfo: { info_kind: 'vrf', info_data: { table: 1001 } } },
      { ifname: 'eth0', linkinfo: { info_slave_kind: 'vrf' } },
      { ifname: 'iv51', linkinfo: { info_kind: 'ipvlan', info_data: { mode: 'l2', private: true } } },
    ]);
    expect(vrfTablesOf(json)).toEqual({ red: 1001 });
    expect(vrfTablesOf('not json')).toEqual({});
  });
});
