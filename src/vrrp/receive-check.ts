/**
 * The receive checks that need the instance (RFC 3768 §7.1, RFC 5798 §7.1, in keepalived's
 * order, vrrp.c vrrp_in_chk): TTL 255 unless unicast (then each peer's min_ttl/max_ttl),
 * version, VRID, v2 auth type and password or IPsec AH (ICV, SPI, sequence number against the
 * instance's counter), v2 interval equality, address count, the VIP list
 * (skip_check_adv_addr skips it for the master we already know), unicast source, and our own
 * address looping back. The structural checks were done by decodePacket.
 */
import * as ipaddr from 'ipaddr.js';
import type { DecodedPacket } from './advert-codec';
import { VRRP_AUTH_AH, VRRP_AUTH_LEN, VRRP_AUTH_NONE, VRRP_AUTH_PASS } from './advert-codec';
import { VRRP_IP_TTL } from './ipv4-header';
import { ahIcv, ahKey } from './ipsec-ah';
import { reject, Rejection } from './rejection';
import type { InstanceState } from './instance';

function passBytes(pass: string | null): Buffer {
  const b = Buffer.alloc(VRRP_AUTH_LEN);
  if (pass) Buffer.from(pass, 'latin1').subarray(0, VRRP_AUTH_LEN).copy(b);
  return b;
}

const isLinkLocal6 = (a: string): boolean => ipaddr.IPv6.isValid(a) && ipaddr.IPv6.parse(a).range() === 'linkLocal';
const isMulticast6 = (a: string): boolean => ipaddr.IPv6.isValid(a) && ipaddr.IPv6.parse(a).range() === 'multicast';

/**
 * RFC 9568 §5.1.2 / §7.1 over IPv6, from the envelope recvmsg gave: hop limit 255 when
 * multicast (keepalived: unless the kernel gave none), per-peer hop limits when unicast; a
 * multicast instance takes adverts only to its group (vrrp_mcast_group6) and only from a
 * link-local source (§5.1.2.1); a unicast one takes no multicast.
 */
function checkIpv6Envelope(s: InstanceState, p: DecodedPacket): Rejection | null {
  const cfg = s.cfg;
  const { ip } = p;
  const unicast = cfg.unicastPeers.length > 0;
  if (!unicast) {
    if (ip.ttl !== -1 && ip.ttl !== VRRP_IP_TTL) return reject('bad-ttl', `invalid TTL/HL. Received ${ip.ttl} and expect ${VRRP_IP_TTL}`);
    if (ip.dst !== advertGroup(s)) {
      return reject('wrong-group', `Expected multicast packet to ${advertGroup(s)} but received packet to ${ip.dst}`);
    }
    if (!isLinkLocal6(ip.src)) return reject('not-link-local', `advert source ${ip.src} is not a link-local address`);
    return null;
  }
  if (isMulticast6(ip.dst)) return reject('wrong-group', 'Expected unicast packet but received multicast packet');
  const peer = cfg.unicastPeers.find((u) => u.address === ip.src);
  if (peer && ip.ttl !== -1 && ((peer.minTtl !== null && ip.ttl < peer.minTtl) || (peer.maxTtl !== null && ip.ttl > peer.maxTtl))) {
    return reject('bad-ttl', `TTL/HL ${ip.ttl} not in range ${peer.minTtl ?? 0} - ${peer.maxTtl ?? 255}`);
  }
  return null;
}

/** The SPI/source as keepalived prints them (%u of a network-order word on a little-endian host). */
const hostOrder = (v: number): number => ((v & 0xff) * 0x1000000 + ((v >>> 8) & 0xff) * 0x10000 + ((v >>> 16) & 0xff) * 0x100 + (v >>> 24)) >>> 0;

/** keepalived's vrrp_in_chk_ipsecah: the ICV first (nothing else in the packet counts before it), then the SPI, then the sequence number. */
function checkAh(s: InstanceState, p: DecodedPacket): Rejection | null {
  const ah = p.ah!;
  if (ah.nextHeader !== 112) return reject('ah-next-header', `IPSEC-AH header for protocol ${ah.nextHeader}, not VRRP - ignoring`);
  const icv = ahIcv(ah.packet, ah.ipHeaderLength, ahKey(s.cfg.authPass), s.cfg.unicastPeers.length > 0);
  if (!icv.equals(ah.icv)) return reject('ah-bad-icv', 'IPSEC-AH : invalid IPSEC HMAC-MD5 value. Due to fields mutation or bad password !');
  const src = ah.packet.readUInt32BE(12);
  if (ah.spi !== src) return reject('ah-bad-spi', `IPSEC AH : invalid IPSEC SPI value. ${hostOrder(src)} and expect ${hostOrder(ah.spi)}`);
  if (ah.seq <= s.ahSeq) {
    return reject('ah-replay', `IPSEC-AH : sequence number ${ah.seq} already processed. Packet dropped. Local(${s.ahSeq})`);
  }
  return null;
}

/** The group a multicast instance sends to and hears on: mcast_dst_ip, else vrrp_mcast_group4/6. */
export function advertGroup(s: InstanceState): string {
  return s.cfg.mcastDstIp ?? (s.cfg.family === 6 ? s.env.mcastGroup6 : s.env.mcastGroup4);
}

export function checkAdvert(s: InstanceState, p: DecodedPacket): Rejection | null {
  const r = checkAdvertFields(s, p);
  // past the AH checks, keepalived has already taken the sequence number as seen
  if (r && p.ah && s.cfg.authType === 'AH' && CHECKS_AFTER_AUTH.has(r.reason)) {
    return { ...r, ahSeq: p.ah.seq };
  }
  return r;
}

const CHECKS_AFTER_AUTH = new Set<string>(['adver-int-mismatch', 'addr-count-mismatch', 'addr-list-mismatch', 'not-unicast-peer', 'own-address']);

function checkAdvertFields(s: InstanceState, p: DecodedPacket): Rejection | null {
  const cfg = s.cfg;
  const { ip, vrrp } = p;
  if (ip.version === 4 && (p.ah !== undefined) !== (cfg.authType === 'AH')) {
    return reject('auth-type-mismatch', p.ah ? 'Received AH header but auth type not AH' : 'No AH header but auth type is AH');
  }
  if (cfg.family === 6 && ip.version === 6) {
    const bad = checkIpv6Envelope(s, p);
    if (bad) return bad;
  } else if (cfg.unicastPeers.length === 0) {
    // keepalived's socket for an instance is bound to its group: nothing else reaches it
    if (ip.dst !== advertGroup(s)) return reject('wrong-group', `Expected multicast packet to ${advertGroup(s)} but received packet to ${ip.dst}`);
    if (ip.ttl !== VRRP_IP_TTL) return reject('bad-ttl', `invalid ttl. ${ip.ttl} and expect ${VRRP_IP_TTL}`);
  } else {
    const peer = cfg.unicastPeers.find((u) => u.address === ip.src);
    if (peer && ((peer.minTtl !== null && ip.ttl < peer.minTtl) || (peer.maxTtl !== null && ip.ttl > peer.maxTtl))) {
      return reject('bad-ttl', `invalid ttl. ${ip.ttl} from ${ip.src}, expect ${peer.minTtl ?? 0}-${peer.maxTtl ?? 255}`);
    }
  }
  if (vrrp.version !== cfg.version) {
    return reject('version-mismatch', `invalid version. ${vrrp.version} and expect ${cfg.version}`);
  }
  if (cfg.version === 3) {
    // The daemon may decode with v3Checksum 'either' (one socket, instances of both kinds);
    // each instance still insists on its own convention, as keepalived does.
    const want = cfg.v3ChecksumAsV2 && cfg.family === 4 ? 'as-v2' : s.oldUnicastChecksum && cfg.family === 4 ? 'old-unicast' : 'pseudo-header';
    if (!p.v3Checksums.includes(want)) {
      if (want === 'old-unicast') return reject('bad-checksum', 'Invalid VRRPv3 checksum');
      return reject(
        'bad-checksum',
        `Invalid VRRPv3 checksum (${want === 'as-v2' ? 'sender includes the IPv4 pseudo-header; v3_checksum_as_v2 is set here' : 'sender leaves out the IPv4 pseudo-header (v3_checksum_as_v2 / RFC 9568)'})`,
      );
    }
  }
  if (vrrp.virtualRouterId !== cfg.virtualRouterId) {
    return reject('vrid-mismatch', `received VRID mismatch. Received ${vrrp.virtualRouterId}, Expected ${cfg.virtualRouterId}`);
  }
  if (cfg.version === 2) {
    const want = cfg.authType === 'PASS' ? VRRP_AUTH_PASS : cfg.authType === 'AH' ? VRRP_AUTH_AH : VRRP_AUTH_NONE;
    if (vrrp.authType !== want) return reject('auth-type-mismatch', `received a ${vrrp.authType} auth, expecting ${want}!`);
    if (want === VRRP_AUTH_PASS && !vrrp.authData.equals(passBytes(cfg.authPass))) {
      return reject('auth-mismatch', 'received an invalid passwd!');
    }
    if (want === VRRP_AUTH_AH) {
      const bad = checkAh(s, p);
      if (bad) return bad;
    }
    // RFC 3768 §7.1: MUST verify the interval — two masters with different intervals in one VRID.
    if (vrrp.adverIntMs !== cfg.advertIntMs) {
      return reject(
        'adver-int-mismatch',
        `advertisement interval mismatch mine=${cfg.advertIntMs / 1000} sec rcved=${vrrp.adverIntMs / 1000} sec`,
      );
    }
  }
  const ours = cfg.virtualIpAddresses.filter((v) => v.family === cfg.family && !v.excluded);
  if (vrrp.countIpAddrs !== ours.length) {
    return reject('addr-count-mismatch', `received an invalid ip number count ${vrrp.countIpAddrs}, expected ${ours.length}!`);
  }
  const skip = cfg.skipCheckAdvAddr && s.masterAddress === ip.src;
  if (!skip) {
    for (const v of ours) {
      if (!vrrp.ipAddresses.includes(v.address)) {
        return reject(
          'addr-list-mismatch',
          `ip address associated with VRID ${cfg.virtualRouterId} not present in MASTER advert : ${v.address}`,
        );
      }
    }
  }
  if (s.env.checkUnicastSrc && cfg.unicastPeers.length > 0 && !cfg.unicastPeers.some((u) => u.address === ip.src)) {
    return reject('not-unicast-peer', `unicast source address ${ip.src} not a unicast peer`);
  }
  if (ip.src === s.srcAddress) {
    return reject('own-address', 'WARNING - advert received from remote host with our IP address.');
  }
  return null;
}
