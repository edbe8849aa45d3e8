import { instance, messages, model } from './helpers';

const bfd = (name: string, body: string) => `bfd_instance ${name} {\n${body}\n}\n`;

describe('bfd_instance (keepalived bfd_parser.c)', () => {
  it("takes keepalived's defaults: min_rx/min_tx 10 ms, idle_tx 1 s, multiplier 5, ttl 255 (IPv4) / 64 (IPv6), max_hops 0", () => {
    const m = model(bfd('a', ' neighbor_ip 10.0.0.2') + bfd('b', ' neighbour_ip fe80::2'));
    expect(m.bfdInstances).toEqual([
      {
        name: 'a', family: 4, neighborIp: '10.0.0.2', sourceIp: null, minRxUs: 10_000, minTxUs: 10_000, idleTxUs: 1_000_000, multiplier: 5,
        passive: false, ttl: 255, maxHops: 0, weight: 0, weightReverse: false, toVrrp: true, toChecker: true, location: expect.any(Object),
      },
      expect.objectContaining({ name: 'b', family: 6, neighborIp: 'fe80::2', ttl: 64 }),
    ]);
  });

  it('reads every keyword, milliseconds with decimals as microseconds', () => {
    const m = model(bfd('frr', ' neighbor_ip 10.0.0.2\n source_ip 10.0.0.1\n min_rx 300\n min_tx 1.5\n idle_tx 2000\n multiplier 3\n passive\n'
      + ' ttl 250\n max_hops 2\n weight -20 reverse\n vrrp'));
    expect(m.bfdInstances[0]).toEqual(expect.objectContaining({
      sourceIp: '10.0.0.1', minRxUs: 300_000, minTxUs: 1500, idleTxUs: 2_000_000, multiplier: 3, passive: true, ttl: 250, maxHops: 2,
      weight: -20, weightReverse: true, toVrrp: true, toChecker: false,
    }));
  });

  it("warns in keepalived's words and keeps the default for out-of-range values", () => {
    expect(messages(bfd('x', ' neighbor_ip 10.0.0.2\n idle_tx 999\n multiplier 0\n ttl 256\n max_hops -2\n weight 254'))).toEqual([
      '3:10: warning: Configuration error: BFD instance x idle_tx value 999 is not valid (must be in range [1000-4294967]), ignoring',
      '4:13: warning: Configuration error: BFD instance x multiplier value 0 not valid (must be in range [1-255]), ignoring',
      '5:6: warning: Configuration error: BFD instance x ttl/hoplimit value 256 not valid (must be in range [1-255]), ignoring',
      '6:11: warning: Configuration error: BFD instance x max_hops value -2 not valid (must be in range [-1-255]), ignoring',
      '7:9: warning: Configuration error: BFD instance x weight value 254 not valid (must be in range [-253-253]), ignoring',
    ]);
  });

  it('drops an instance without a neighbor, with a source of the other family, or a duplicate neighbor', () => {
    const m = model(bfd('none', ' min_rx 100') + bfd('fam', ' neighbor_ip 10.0.0.2\n source_ip fe80::1') + bfd('one', ' neighbor_ip 10.0.0.3')
      + bfd('dup', ' neighbor_ip 10.0.0.3') + bfd('bad', ' neighbor_ip 10.0.0.300'));
    expect(m.bfdInstances.map((b) => b.name)).toEqual(['one']);
    expect(messages(bfd('none', ' min_rx 100'))).toEqual(['1:14: warning: Configuration error: BFD instance none has no neighbor address set, disabling instance']);
    expect(messages(bfd('one', ' neighbor_ip 10.0.0.3') + bfd('dup', ' neighbor_ip 10.0.0.3'))).toEqual([
      '4:14: warning: Configuration error: BFD instance dup has duplicate neighbor address 10.0.0.3, ignoring instance',
    ]);
  });

  it("a scoped link-local address is malformed, as keepalived's inet_pton has it; a bare one is taken", () => {
    expect(messages(bfd('ll', ' neighbor_ip fe80::2%eth0') + bfd('src', ' neighbor_ip fd00::2\n source_ip fe80::1%eth0'))).toEqual([
      '2:14: warning: Configuration error: BFD instance ll has malformed neighbor address fe80::2%eth0, ignoring instance',
      '6:12: warning: Configuration error: BFD instance src has malformed source address fe80::1%eth0, ignoring',
    ]);
    const m = model(bfd('ll', ' neighbor_ip fe80::2%eth0') + bfd('bare', ' neighbor_ip fe80::2') + bfd('src', ' neighbor_ip fd00::2\n source_ip fe80::1%eth0'));
    expect(m.bfdInstances.map((b) => [b.name, b.neighborIp, b.sourceIp])).toEqual([['bare', 'fe80::2', null], ['src', 'fd00::2', null]]);
  });

  it('bounds max_hops by ttl', () => {
    const m = model(bfd('x', ' neighbor_ip 10.0.0.2\n ttl 10\n max_hops 20'));
    expect([m.bfdInstances[0].ttl, m.bfdInstances[0].maxHops]).toEqual([10, 10]);
  });
});

describe('track_bfd (vrrp_track.c alloc_track_bfd)', () => {
  it('reads NAME [weight W [reverse|noreverse]] in an instance and a sync group; unknown names are warned and dropped', () => {
    const text = bfd('frr', ' neighbor_ip 10.0.0.2\n weight 10') + instance(' track_bfd {\n  frr weight -30 reverse\n  nope\n }')
      + 'vrrp_sync_group G {\n group {\n  VI_1\n }\n track_bfd {\n  frr\n }\n}\n';
    const m = model(text);
    expect(m.vrrpInstances[0].trackBfds).toEqual([]); // weighted trackers of a sync group member are ignored, as keepalived
    expect(m.vrrpSyncGroups[0].trackBfds).toEqual([{ name: 'frr', weight: null, weightReverse: null }]);
    const alone = model(bfd('frr', ' neighbor_ip 10.0.0.2') + instance(' track_bfd {\n  frr weight -30 reverse\n  nope\n }'));
    expect(alone.vrrpInstances[0].trackBfds).toEqual([{ name: 'frr', weight: -30, weightReverse: true }]);
    expect(messages(bfd('frr', ' neighbor_ip 10.0.0.2') + instance(' track_bfd {\n  nope\n }'))).toEqual([
      '11:3: warning: (VI_1) track bfd nope not found, ignoring...',
    ]);
  });

  it('a bfd_instance with `checker` only is not trackable by VRRP', () => {
    expect(model(bfd('frr', ' neighbor_ip 10.0.0.2\n checker') + instance(' track_bfd {\n  frr\n }')).vrrpInstances[0].trackBfds).toEqual([]);
  });
});
