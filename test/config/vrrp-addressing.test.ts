/**
 * unicast_ttl, mcast_dst_ip, old_unicast_checksum, unicast_fault_no_peer, track_src_ip and
 * log_unknown_vrids read as keepalived 2.2.7's vrrp_parser.c / vrrp_complete_instance read
 * them, with its warnings (the wording checked beside keepalived in
 * test/integration/vrrp-addressing.netns.test.ts).
 */
import { instance, messages, model } from './helpers';

const peers = ' unicast_src_ip 10.0.0.5\n unicast_peer {\n  10.0.0.6\n }';
const first = (text: string) => model(text).vrrpInstances[0];

describe('unicast_ttl', () => {
  it('is the TTL of the adverts; unset is null (255)', () => {
    expect(first(instance(`${peers}\n unicast_ttl 7`)).unicastTtl).toBe(7);
    expect(first(instance(peers)).unicastTtl).toBeNull();
  });
  it('out of 0-255 is warned and ignored', () => {
    expect(messages(instance(`${peers}\n unicast_ttl 256`))).toEqual(["11:14: warning: (VI_1): TTL '256' not valid - must be between 0 & 255"]);
    expect(first(instance(`${peers}\n unicast_ttl 256`)).unicastTtl).toBeNull();
  });
  it('without unicast peers it is reset to 0, with keepalived\'s warning', () => {
    expect(messages(instance(' unicast_ttl 9'))).toEqual(["7:14: warning: (VI_1): Cannot use unicast_ttl without unicast peers - resetting"]);
    expect(first(instance(' unicast_ttl 9')).unicastTtl).toBe(0);
  });
});

describe('mcast_dst_ip', () => {
  it('is the instance\'s group', () => {
    expect(first(instance(' mcast_dst_ip 224.0.0.77')).mcastDstIp).toBe('224.0.0.77');
    expect(first(instance('')).mcastDstIp).toBeNull();
  });
  it('malformed, not multicast, of the other family, or with unicast peers: warned and dropped', () => {
    expect(messages(instance(' mcast_dst_ip 224.0.0.300'))).toEqual(['7:15: warning: (VI_1) malformed mcast dest address 224.0.0.300. Skipping...']);
    expect(messages(instance(' mcast_dst_ip 10.0.0.9'))).toEqual(['7:15: warning: (VI_1) mcast_dst_ip 10.0.0.9 not multicast. Skipping...']);
    expect(messages(instance(' mcast_dst_ip ff05::12'))).toEqual(['7:15: warning: (VI_1) mcast_dst_ip ff05::12 not link-local multicast. Skipping...']);
    expect(messages(instance(' mcast_dst_ip ff02::77'))).toEqual(['7:15: warning: (VI_1) mcast dest address ff02::77 MUST match VRRP instance family. Skipping...']);
    expect(messages(instance(`${peers}\n mcast_dst_ip 224.0.0.77`))).toEqual(['11:15: warning: (VI_1) multicast destination specified with unicast - ignoring']);
    expect(first(instance(`${peers}\n mcast_dst_ip 224.0.0.77`)).mcastDstIp).toBeNull();
  });
  it('lets two instances share a VRID on one interface, one per group, as keepalived', () => {
    const two = instance(' mcast_dst_ip 224.0.0.77') + instance('', 'VI_2');
    expect(model(two).vrrpInstances.map((i) => [i.virtualRouterId, i.mcastDstIp])).toEqual([[51, '224.0.0.77'], [51, null]]);
    expect(messages(instance('', 'VI_1') + instance('', 'VI_2')).join('\n')).toMatch(/virtual_router_id 51 is already used on eth0 by VI_1/);
  });
});

describe('old_unicast_checksum', () => {
  it("bare: keepalived < 1.3.6's checksum; 'never': no switching; unset: switch on hearing it", () => {
    expect(first(instance(`${peers}\n old_unicast_checksum`)).unicastChecksumCompat).toBe('config');
    expect(first(instance(`${peers}\n old_unicast_checksum never`)).unicastChecksumCompat).toBe('never');
    expect(first(instance(peers)).unicastChecksumCompat).toBe('auto');
  });
  it('an unknown mode is warned and ignored, in keepalived\'s words (which say old_unicast_chksum)', () => {
    expect(messages(instance(`${peers}\n old_unicast_checksum always`))).toEqual(['11:23: warning: (VI_1) Unknown old_unicast_chksum mode always - ignoring']);
  });
  it('is a unicast keyword: alone it falls back to multicast with the deprecation warning', () => {
    expect(messages(instance(' old_unicast_checksum'))).toEqual(['1:1: warning: (VI_1) A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration.']);
  });
});

describe('unicast_fault_no_peer', () => {
  it('with no peers: FAULT instead of multicast (no deprecation warning); with peers: nothing', () => {
    expect(first(instance(' unicast_fault_no_peer')).faultNoPeer).toBe(true);
    expect(messages(instance(' unicast_fault_no_peer'))).toEqual([]);
    expect(first(instance(`${peers}\n unicast_fault_no_peer`)).faultNoPeer).toBe(false);
    expect(first(instance(' unicast_peer {\n }\n unicast_fault_no_peer')).faultNoPeer).toBe(true);
  });
});

describe('track_src_ip', () => {
  it('is accepted and changes nothing, as in keepalived 2.2.7', () => {
    expect(messages(instance(`${peers}\n track_src_ip`))).toEqual([]);
    expect({ ...first(instance(`${peers}\n track_src_ip`)), location: null }).toEqual({ ...first(instance(peers)), location: null });
  });
});

describe('log_unknown_vrids', () => {
  it('is a global switch', () => {
    expect(model('global_defs {\n log_unknown_vrids\n}\n' + instance('')).globalDefs.logUnknownVrids).toBe(true);
    expect(model(instance('')).globalDefs.logUnknownVrids).toBe(false);
  });
});

describe('promote_secondaries', () => {
  it('is set per instance; with a VMAC it is ignored with keepalived\'s warning', () => {
    expect(first(instance(' promote_secondaries')).promoteSecondaries).toBe(true);
    expect(first(instance('')).promoteSecondaries).toBe(false);
    expect(messages(instance(' use_vmac\n promote_secondaries'))).toEqual(['1:1: warning: (VI_1) promote_secondaries is automatically set for vmacs - ignoring']);
    expect(first(instance(' use_vmac\n promote_secondaries')).promoteSecondaries).toBe(false);
  });
});

describe('disable_local_igmp', () => {
  it('is a global switch', () => {
    expect(model('global_defs {\n disable_local_igmp\n}\n' + instance('')).globalDefs.disableLocalIgmp).toBe(true);
    expect(model(instance('')).globalDefs.disableLocalIgmp).toBe(false);
  });
});

describe('sync groups and weighted trackers (vrrp_complete_instance)', () => {
  const text = (groupExtra: string) => [
    'vrrp_script chk {\n script /bin/true\n weight -20\n}',
    instance(' track_interface {\n  eth1 weight 10\n  eth2\n }\n track_script {\n  chk\n }'),
    `vrrp_sync_group G {\n group {\n  VI_1\n }\n${groupExtra}}\n`,
  ].join('\n');
  it('without sync_group_tracking_weight: an interface weight becomes 0, a weighted script is dropped, in keepalived\'s words', () => {
    const i = first(text(''));
    expect(i.trackInterfaces).toEqual([{ name: 'eth1', weight: 0 }, { name: 'eth2', weight: 0 }]);
    expect(i.trackScripts).toEqual([]);
    expect(messages(text('')).filter((m) => m.includes('ignoring'))).toEqual([
      expect.stringContaining('(VI_1) ignoring eth1 tracked interface weight due to SYNC group'),
      expect.stringContaining('(VI_1) ignoring tracked script chk with weights due to SYNC group'),
    ]);
  });
  it('with it (or the deprecated global_tracking, warned) the member keeps them', () => {
    for (const kw of [' sync_group_tracking_weight\n', ' global_tracking\n']) {
      const m = model(text(kw));
      expect(m.vrrpSyncGroups[0].trackingWeight).toBe(true);
      expect(m.vrrpInstances[0].trackInterfaces).toEqual([{ name: 'eth1', weight: 10 }, { name: 'eth2', weight: 0 }]);
      expect(m.vrrpInstances[0].trackScripts.map((t) => t.name)).toEqual(['chk']);
    }
    expect(messages(text(' global_tracking\n'))).toContain('24:2: warning: (G) global_tracking is deprecated. Use track_interface/script/file on the sync group');
  });
});

describe('mcast_dst_ip over IPv6', () => {
  const v6 = (name: string, extra: string, vrid: number) => `vrrp_instance ${name} {\n interface eth0\n virtual_router_id ${vrid}\n virtual_ipaddress {\n  fe80::${vrid}\n }\n${extra}\n}\n`;
  it('one group per interface runs; a second IPv6 group on the same interface is refused as not implemented', () => {
    expect(model(v6('VI_1', ' mcast_dst_ip ff02::77', 1) + v6('VI_2', ' mcast_dst_ip ff02::77', 2)).vrrpInstances.map((i) => i.mcastDstIp)).toEqual(['ff02::77', 'ff02::77']);
    expect(messages(v6('VI_1', ' mcast_dst_ip ff02::77', 1) + v6('VI_2', '', 2)).filter((m) => m.includes('error'))).toEqual([
      expect.stringContaining('(VI_2) a second IPv6 multicast group on eth0 (mcast_dst_ip ff02::12, beside ff02::77)'),
    ]);
  });
});

describe("a sync group's own weighted trackers (sync_group_tracking_init)", () => {
  const text = (prio: number) => [
    'vrrp_script chk {\n script /bin/true\n}',
    instance(` priority ${prio}`),
    'vrrp_sync_group G {\n group {\n  VI_1\n }\n track_script {\n  chk weight -30\n }\n track_interface {\n  eth1 weight 5\n }\n}\n',
  ].join('\n');
  it('keep their weights; with an address owner member they are cleared, in keepalived\'s words', () => {
    expect(model(text(100)).vrrpSyncGroups[0].trackScripts.map((t) => t.weight)).toEqual([-30]);
    const owner = model(text(255)).vrrpSyncGroups[0];
    expect([owner.trackScripts.map((t) => t.weight), owner.trackInterfaces.map((t) => t.weight)]).toEqual([[0], [0]]);
    expect(messages(text(255)).filter((m) => m.includes('Cannot have weighted'))).toEqual([
      expect.stringContaining("(G) Cannot have weighted track script 'chk' with member having priority 255 - clearing weight"),
      expect.stringContaining("(G) Cannot have weighted track interface 'eth1' with member having priority 255 - clearing weight"),
    ]);
  });
});
