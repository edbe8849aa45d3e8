/**
 * Every packet in keepalived 2.2.7's captures (../shared/fixtures/keepalived-2.2.7/pcap) goes
 * through the decoder: each VRRP packet decodes with a good checksum and keepalived's IP header
 * (TTL 255, TOS 0xc0, DF clear, dst 224.0.0.18), each re-encodes to the same bytes, and the
 * non-VRRP IPv4 packets (IGMP joins) are rejected as 'not-vrrp'.
 */
import { decodePacket, encodePacket } from '../../src/vrrp/advert-codec';
import { ipv4OfEthernet, pcapFiles, readPcap } from './fixtures';

describe.each(pcapFiles())('%s', (file) => {
  const { linkType, frames } = readPcap(file);

  it('is an Ethernet capture with frames', () => {
    expect(linkType).toBe(1);
    expect(frames.length).toBeGreaterThan(0);
  });

  it('decodes every VRRP packet and re-encodes it byte for byte', () => {
    let vrrp = 0;
    for (const f of frames) {
      const ip = ipv4OfEthernet(f.data);
      if (!ip) continue; // ARP (the GARPs) is not IPv4
      const r = decodePacket(ip);
      if (ip[9] !== 112) {
        expect(r).toMatchObject({ ok: false, reason: 'not-vrrp' });
        continue;
      }
      if (!r.ok) throw new Error(`${file} @${f.time}: ${r.reason}: ${r.message}`);
      vrrp++;
      expect(r.ip).toMatchObject({ ttl: 255, tos: 0xc0, dontFragment: false, dst: '224.0.0.18' });
      const again = encodePacket({
        version: r.vrrp.version,
        virtualRouterId: r.vrrp.virtualRouterId,
        priority: r.vrrp.priority,
        adverIntMs: r.vrrp.adverIntMs,
        ipAddresses: r.vrrp.ipAddresses,
        authType: r.vrrp.authType === 1 ? 'PASS' : 'NONE',
        authPass: r.vrrp.authType === 1 ? r.vrrp.authData.toString('latin1').replace(/\0+$/, '') : null,
        ipId: r.ip.id,
        src: r.ip.src,
        dst: r.ip.dst,
      });
      expect(again.toString('hex')).toBe(ip.subarray(0, r.ip.totalLength).toString('hex'));
    }
    expect(vrrp).toBeGreaterThan(0);
  });
});
