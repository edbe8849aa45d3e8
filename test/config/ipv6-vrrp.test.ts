/** IPv6 VRRP instances in the config: accepted (no longer refused), native_ipv6, mixed families. */
import { preferredLifetime } from '../../src/net/addresses';
import { load, messages, model } from './helpers';

const v6 = (vips: string, extra = '') =>
  `vrrp_instance VI_6 {\n interface eth0\n virtual_router_id 51\n${extra}\n virtual_ipaddress {\n${vips}\n }\n}\n`;

describe('IPv6 vrrp_instance', () => {
  it('is a valid VRRPv3 IPv6 instance, excluded VIPs of both families kept', () => {
    const m = model(v6('  fe80::1/64\n  fd00::1/64', ' virtual_ipaddress_excluded {\n  10.0.0.9/24\n  fd00:1::9/64\n }'));
    const i = m.vrrpInstances[0];
    expect(i).toMatchObject({ family: 6, version: 3 });
    expect(i.virtualIpAddresses.map((v) => v.address)).toEqual(['fe80::1', 'fd00::1']);
    expect(i.virtualIpAddressesExcluded.map((v) => v.address)).toEqual(['10.0.0.9', 'fd00:1::9']);
    expect(load(v6('  fe80::1/64')).diagnostics.filter((d) => d.severity !== 'warning')).toEqual([]);
  });

  it('drops a VIP of the other family from virtual_ipaddress with keepalived\'s warning', () => {
    expect(model(v6('  fe80::1/64\n  10.0.0.1')).vrrpInstances[0].virtualIpAddresses.map((v) => v.address)).toEqual(['fe80::1']);
    expect(messages(v6('  fe80::1/64\n  10.0.0.1')).join('\n')).toContain('(VI_6): address family must match VRRP instance [10.0.0.1] - ignoring');
  });

  it('native_ipv6 makes an instance with only excluded VIPs IPv6 (so VRRPv3, which keepalived 2.2.7 refuses without a VIP); after IPv4 VIPs it is an error', () => {
    const body = 'vrrp_instance VI_6 {\n interface eth0\n virtual_router_id 51\n native_ipv6\n virtual_ipaddress_excluded {\n  10.0.0.9/24\n }\n}\n';
    // keepalived's VRRP process stops at start: "(VI_6) No VIP specified; at least one is required"
    expect(messages(body)).toContain('1:1: error: (VI_6) No VIP specified; at least one is required');
    const withVip = body.replace(' native_ipv6\n', ' native_ipv6\n virtual_ipaddress {\n  fe80::9/64\n }\n');
    expect(model(withVip).vrrpInstances[0]).toMatchObject({ family: 6, version: 3 });
    const after = 'vrrp_instance VI_4 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  10.0.0.1\n }\n native_ipv6\n}\n';
    expect(messages(after).join('\n')).toContain('(VI_4) Cannot specify native_ipv6 with IPv4 addresses');
  });

  it('a first VIP that is not link-local is refused in strict mode only', () => {
    expect(load(v6('  fd00::1/64')).model).not.toBeNull();
    expect(messages(v6('  fd00::1/64', ' strict_mode')).join('\n')).toContain('(VI_6) the first IPv6 VIP address must be link local');
  });

  it('reads preferred_lft and -nodad on an IPv6 VIP; the lifetime defaults as keepalived', () => {
    const [a, b, c] = model(v6('  fe80::1/64 preferred_lft 0 -nodad\n  fd00::1/128\n  fd00::2/64 preferred_lft forever')).vrrpInstances[0].virtualIpAddresses;
    expect(a).toMatchObject({ preferredLft: 0, noDad: false });
    expect([preferredLifetime(a), preferredLifetime(b), preferredLifetime(c)]).toEqual([0, 0, 0xffffffff]);
    expect(preferredLifetime({ prefixLen: 64 })).toBe(0xffffffff);
    expect(messages(v6('  fe80::1/64 preferred_lft soon')).join('\n')).toContain('preferred_lft soon is invalid');
  });

  it('drops a scope and a label on an IPv6 address with keepalived\'s warnings (alloc_ipaddress); scope global is no warning', () => {
    const body = v6('  fe80::1/64\n  fd00::1/64 scope site label eth0:6\n  fd00::2/64 scope global', ' virtual_ipaddress_excluded {\n  fd00:1::9/64 label eth0:9\n  10.0.0.9/24 scope site label eth0:9\n }');
    const i = model(body).vrrpInstances[0];
    expect(i.virtualIpAddresses.map((v) => [v.address, v.scope, v.label])).toEqual([['fe80::1', 'global', null], ['fd00::1', 'global', null], ['fd00::2', 'global', null]]);
    expect(i.virtualIpAddressesExcluded.map((v) => [v.address, v.scope, v.label])).toEqual([['fd00:1::9', 'global', null], ['10.0.0.9', 'site', 'eth0:9']]);
    const said = messages(body).filter((m) => m.includes('Cannot specify'));
    // (the excluded block comes first in this config)
    expect(said).toEqual([
      '5:3: warning: Cannot specify label for IPv6 addresses (fd00:1::9/64) - ignoring label',
      '10:3: warning: Cannot specify scope for IPv6 addresses (fd00::1/64) - ignoring scope',
      '10:3: warning: Cannot specify label for IPv6 addresses (fd00::1/64) - ignoring label',
    ]);
    // the same for a static address
    const st = model(`static_ipaddress {\n fd00:5::1/64 dev eth0 label eth0:5\n}\n${v6('  fe80::1/64')}`).staticAddresses[0];
    expect([st.address, st.label]).toEqual(['fd00:5::1', null]);
  });

  it('skips an IPv6 address given a broadcast, with keepalived\'s words', () => {
    const body = v6('  fe80::1/64\n  fd00::1/64 brd fd00::ff\n  fd00::2/64');
    expect(model(body).vrrpInstances[0].virtualIpAddresses.map((v) => v.address)).toEqual(['fe80::1', 'fd00::2']);
    expect(messages(body).join('\n')).toContain('VRRP is trying to assign a broadcast brd to the IPv6 address fd00::1/64 !!?? WTF... skipping VIP...');
  });
});
