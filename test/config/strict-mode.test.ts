/**
 * vrrp_strict / strict_mode and accept / no_accept as keepalived 2.2.7 settles them
 * (vrrp.c vrrp_complete_instance, global_parser.c): each correction with keepalived's words, and
 * the nftables settings the drop rules of non-accept instances use. The wording of every warning
 * here was read from `keepalived -t` on the same text.
 */
import { load, messages, model } from './helpers';

const STRICT = 'global_defs {\n vrrp_strict\n}\n';
const vi = (body: string, head = '') => `${head}vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n${body} virtual_ipaddress {\n  10.0.0.1\n }\n}\n`;
const warnings = (text: string) => messages(text).map((m) => m.replace(/^\d+:\d+: /, ''));

describe('strict mode as keepalived 2.2.7', () => {
  it('no accept by default: the VIPs get drop rules in the default nftables table (no longer refused)', () => {
    const m = model(STRICT + vi(''));
    expect(m.vrrpInstances[0]).toMatchObject({ strictMode: true, accept: false });
    expect(m.globalDefs.nftables).toEqual({ table: 'keepalived', priority: -1, ifindex: false, counters: false, defaulted: true });
    expect(messages(STRICT + vi(''))).toEqual([]);
  });

  it('the address owner and VRRPv3 accept instances need no rules; a strict VRRPv2 instance cannot accept', () => {
    expect(model(STRICT + vi(' priority 255\n')).globalDefs.nftables.table).toBeNull();
    const v3 = model(STRICT + vi(' version 3\n accept\n'));
    expect(v3.vrrpInstances[0].accept).toBe(true);
    expect(v3.globalDefs.nftables.table).toBeNull();
    expect(warnings(STRICT + vi(' accept\n'))).toEqual(['warning: (VI_1) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting']);
    expect(model(STRICT + vi(' accept\n')).vrrpInstances[0].accept).toBe(false);
    // no_accept without strict mode: rules too
    expect(model(vi(' no_accept\n')).globalDefs.nftables).toMatchObject({ table: 'keepalived', defaulted: true });
    expect(model(vi('')).globalDefs.nftables.table).toBeNull();
  });

  it("the corrections, each in keepalived's words", () => {
    expect(warnings(STRICT + vi(' authentication {\n  auth_type PASS\n  auth_pass secret\n }\n'))).toEqual(['warning: (VI_1) Strict mode does not support authentication. Ignoring.']);
    expect(model(STRICT + vi(' authentication {\n  auth_type AH\n  auth_pass secret\n }\n')).vrrpInstances[0].authType).toBe('NONE');
    expect(warnings(STRICT + vi(' state MASTER\n priority 100\n'))).toEqual(['warning: (VI_1) State MASTER must match being address owner']);
    expect(model(STRICT + vi(' state MASTER\n priority 100\n')).vrrpInstances[0].initialState).toBe('BACKUP');
    expect(model(STRICT + vi(' state BACKUP\n priority 255\n')).vrrpInstances[0].initialState).toBe('MASTER');
    expect(warnings(STRICT + vi(' down_timer_adverts 5\n'))).toEqual(['warning: (VI_1) down_timer_adverts is incompatible with strict mode - resetting']);
    expect(warnings(STRICT + vi(' garp_lower_prio_repeat 2\n garp_lower_prio_delay 1\n'))).toEqual([
      'warning: (VI_1) Strict mode requires no repeat garps. resetting',
      'warning: (VI_1) Strict mode requires no repeat garp delay. resetting',
    ]);
    expect(warnings(STRICT + vi(' lower_prio_no_advert false\n higher_prio_send_advert\n'))).toEqual([
      'warning: (VI_1) Strict mode requires no lower priority advert. resetting',
      'warning: (VI_1) strict mode requires higher_prio_send_advert to be clear. resetting',
    ]);
    const i = model(STRICT + vi(' down_timer_adverts 5\n garp_lower_prio_repeat 2\n lower_prio_no_advert false\n higher_prio_send_advert\n')).vrrpInstances[0];
    expect(i).toMatchObject({ downTimerAdverts: 3, garpLowerPrioRepeat: 0, garpLowerPrioDelayMs: 0, lowerPrioNoAdvert: true, higherPrioSendAdvert: false });
    // global_defs' lower-priority GARP settings do not reach a strict instance
    expect(model('global_defs {\n vrrp_strict\n vrrp_garp_lower_prio_repeat 3\n}\n' + vi('')).vrrpInstances[0].garpLowerPrioRepeat).toBe(0);
  });

  it("IPv6 with version 2, in keepalived's words: before the VIPs (strict: reset to 3), after them (ignored)", () => {
    const v6 = (body: string) => `vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n${body}}\n`;
    const before = STRICT + v6(' version 2\n virtual_ipaddress {\n  fe80::9\n }\n');
    expect(warnings(before)).toEqual(['warning: (VI_1) cannot use IPv6 with VRRP version 2; setting version 3']);
    expect(model(before).vrrpInstances[0].version).toBe(3);
    expect(warnings(v6(' virtual_ipaddress {\n  fe80::9\n }\n version 2\n'))).toEqual(['warning: (VI_1) vrrp_version 2 conflicts with configured or deduced version 0; ignoring.']);
    expect(warnings(vi(' version 3\n version 2\n'))).toEqual(['warning: (VI_1) vrrp_version 2 conflicts with configured or deduced version 3; ignoring.']);
  });

  it('no VIP: refused in strict mode and for VRRPv3 (keepalived -t passes it, its VRRP process stops at start); a warning otherwise', () => {
    const none = (body: string) => `vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n${body}}\n`;
    expect(messages(STRICT + none(''))).toEqual(['4:1: error: (VI_1) No VIP specified; at least one is required']);
    expect(messages(none(' version 3\n'))).toEqual(['1:1: error: (VI_1) No VIP specified; at least one is required']);
    expect(messages(none(''))).toEqual(['1:1: warning: (VI_1) No VIP specified; at least one is sensible']);
  });

  it('unicast peers in strict mode start, as under keepalived 2.2.7 (its refusal needs an interface it has not read yet)', () => {
    expect(messages(STRICT + vi(' unicast_peer {\n  10.0.0.2\n }\n'))).toEqual([]);
  });
});

describe('nftables settings (global_defs)', () => {
  const g = (body: string) => load(`global_defs {\n${body}}\n` + vi(' no_accept\n'));
  it('nftables [TABLE], nftables_priority, nftables_ifindex, nftables_counters', () => {
    expect(g(' nftables fw\n nftables_priority -5\n nftables_ifindex\n nftables_counters\n').model!.globalDefs.nftables).toEqual({ table: 'fw', priority: -5, ifindex: true, counters: true, defaulted: false });
    // nftables resets the priority, as keepalived's handler does; the first table wins
    const r = g(' nftables_priority 5\n nftables t1\n nftables t2\n nftables_priority x\n');
    expect(r.model!.globalDefs.nftables).toMatchObject({ table: 't1', priority: -1 });
    expect(r.diagnostics.map((d) => `${d.location?.line}: ${d.message}`)).toEqual([
      '4: nftables already specified - ignoring',
      "5: invalid nftables chain priority 'x'",
    ]);
  });

  it("vrrp_iptables on Debian's build: keepalived's warning and the default table; vrrp_ipsets is unknown there", () => {
    const r = g(' vrrp_iptables IN OUT\n vrrp_ipsets a b\n');
    expect(r.model!.globalDefs.nftables).toEqual({ table: 'keepalived', priority: -1, ifindex: false, counters: false, defaulted: false });
    expect(r.diagnostics.map((d) => `${d.location?.line}: ${d.message}`)).toEqual([
      "2: iptables not supported, using nftables instead. Please replace 'vrrp_iptables and 'vrrp_ipsets' with 'nftables' config option",
      "3: unknown keyword 'vrrp_ipsets' in global_defs",
    ]);
  });

  it('a table name nft cannot write is refused as not implemented', () => {
    expect(messages('global_defs {\n nftables "my table"\n}\n' + vi(' no_accept\n')).filter((m) => m.includes('error'))).toEqual([
      "2:11: error: nftables table name 'my table' (halo writes its rules with nft, which takes identifiers only) is not implemented in halo (--allow-unimplemented to run without it)",
    ]);
  });
});
