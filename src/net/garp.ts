/**
 * Gratuitous ARP (RFC 5227 §3 "ARP Announcement", RFC 5944 §4.6), as keepalived sends on
 * entering MASTER so neighbours and switches move the VIP to this node's MAC.
 *
 * Wire shape copied from keepalived 2.2.7 (fixtures/keepalived-2.2.7/hex/garp.frame.hex):
 * Ethernet broadcast, opcode request, sender IP = target IP = VIP, and the target hardware
 * address is the broadcast address ff:ff:ff:ff:ff:ff (not zeros) — 42 bytes, no padding.
 */
import * as fs from 'fs';
import * as ipaddr from 'ipaddr.js';
import { pseudoHeaderSum6 } from '../vrrp/advert-codec';
import { internetChecksum } from '../vrrp/checksum';
import { NetResult, fail, netError, ok } from './errors';
import { BROADCAST_MAC, MAC_LENGTH, formatMac, parseMac } from './mac';
import { HaloNative, haloNative } from './native';

export const ETHERTYPE_ARP = 0x0806;
const ETHERTYPE_IPV4 = 0x0800;
const ARPHRD_ETHER = 1;
export const ARPOP_REQUEST = 1;
export const ARPOP_REPLY = 2;
const ETH_HEADER = 14;
/** Ethernet header + ARP for Ethernet/IPv4 (RFC 826). */
export const ARP_FRAME_LENGTH = ETH_HEADER + 28;

export interface ArpFrame {
  /** Ethernet destination. */
  destination: string;
  /** Ethernet source. */
  source: string;
  opcode: number;
  senderMac: string;
  senderIp: string;
  targetMac: string;
  targetIp: string;
}

export type ArpDecode = { ok: true; frame: ArpFrame } | { ok: false; reason: string };

/** The frame keepalived sends to announce `vip` from `mac`. */
export function gratuitousArp(mac: string, vip: string): ArpFrame {
  return {
    destination: BROADCAST_MAC,
    source: mac,
    opcode: ARPOP_REQUEST,
    senderMac: mac,
    senderIp: vip,
    targetMac: BROADCAST_MAC,
    targetIp: vip,
  };
}

/** A gratuitous ARP announces an address: sender and target protocol addresses are equal. */
export const isGratuitous = (frame: ArpFrame): boolean => frame.senderIp === frame.targetIp;

function macBytes(text: string, field: string): Buffer {
  const bytes = parseMac(text);
  if (!bytes) throw new RangeError(`ARP ${field}: not a MAC address: ${text}`);
  return bytes;
}

function ipv4Bytes(text: string, field: string): number[] {
  if (!ipaddr.IPv4.isValidFourPartDecimal(text)) throw new RangeError(`ARP ${field}: not an IPv4 address: ${text}`);
  return ipaddr.IPv4.parse(text).toByteArray();
}

/** Encode an Ethernet/IPv4 ARP frame. Throws RangeError on malformed addresses (a caller bug). */
export function encodeArpFrame(frame: ArpFrame): Buffer {
  const out = Buffer.alloc(ARP_FRAME_LENGTH);
  macBytes(frame.destination, 'destination').copy(out, 0);
  macBytes(frame.source, 'source').copy(out, 6);
  out.writeUInt16BE(ETHERTYPE_ARP, 12);
  out.writeUInt16BE(ARPHRD_ETHER, 14);
  out.writeUInt16BE(ETHERTYPE_IPV4, 16);
  out.writeUInt8(MAC_LENGTH, 18);
  out.writeUInt8(4, 19);
  out.writeUInt16BE(frame.opcode, 20);
  macBytes(frame.senderMac, 'sender MAC').copy(out, 22);
  out.set(ipv4Bytes(frame.senderIp, 'sender IP'), 28);
  macBytes(frame.targetMac, 'target MAC').copy(out, 32);
  out.set(ipv4Bytes(frame.targetIp, 'target IP'), 38);
  return out;
}

/** Decode an Ethernet/IPv4 ARP frame (Ethernet padding after the 42 bytes is ignored). */
export function decodeArpFrame(buf: Buffer): ArpDecode {
  if (buf.length < ARP_FRAME_LENGTH) return { ok: false, reason: `too short: ${buf.length} < ${ARP_FRAME_LENGTH} bytes` };
  const ethertype = buf.readUInt16BE(12);
  if (ethertype !== ETHERTYPE_ARP) return { ok: false, reason: `EtherType 0x${ethertype.toString(16)} is not ARP` };
  const htype = buf.readUInt16BE(14);
  const ptype = buf.readUInt16BE(16);
  if (htype !== ARPHRD_ETHER || ptype !== ETHERTYPE_IPV4 || buf[18] !== MAC_LENGTH || buf[19] !== 4) {
    return { ok: false, reason: `not Ethernet/IPv4 ARP (htype ${htype}, ptype 0x${ptype.toString(16)}, hlen ${buf[18]}, plen ${buf[19]})` };
  }
  const ip = (at: number) => ipaddr.fromByteArray(Array.from(buf.subarray(at, at + 4))).toString();
  return {
    ok: true,
    frame: {
      destination: formatMac(buf.subarray(0, 6)),
      source: formatMac(buf.subarray(6, 12)),
      opcode: buf.readUInt16BE(20),
      senderMac: formatMac(buf.subarray(22, 28)),
      senderIp: ip(28),
      targetMac: formatMac(buf.subarray(32, 38)),
      targetIp: ip(38),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Unsolicited Neighbour Advertisement (RFC 4861 §4.4, §7.2.6), keepalived's vrrp_ndisc.c shape:
// Ethernet to 33:33:00:00:00:01, IPv6 from the VIP to ff02::1 with hop limit 255, ICMPv6 type
// 136 with Override set (Router when the interface forwards IPv6), the VIP as target and a
// Target Link-Layer Address option carrying our MAC — 86 bytes.

export const ETHERTYPE_IPV6 = 0x86dd;
const IPPROTO_ICMPV6 = 58;
const ND_NEIGHBOR_ADVERT = 136;
const ND_OPT_TARGET_LINKADDR = 2;
export const ND_NA_FLAG_ROUTER = 0x80;
export const ND_NA_FLAG_SOLICITED = 0x40;
export const ND_NA_FLAG_OVERRIDE = 0x20;
const ALL_NODES = 'ff02::1';
const ALL_NODES_MAC = '33:33:00:00:00:01';
const NA_LENGTH = 24 + 8;
export const NA_FRAME_LENGTH = ETH_HEADER + 40 + NA_LENGTH;

export interface NeighbourAdvert {
  source: string;
  vip: string;
  /** Router flag: keepalived sets it when net.ipv6.conf.<if>.forwarding is on. */
  router: boolean;
}

export function encodeUnsolicitedNa({ source, vip, router }: NeighbourAdvert): Buffer {
  if (!ipaddr.IPv6.isValid(vip)) throw new RangeError(`neighbour advert: not an IPv6 address: ${vip}`);
  const out = Buffer.alloc(NA_FRAME_LENGTH);
  macBytes(ALL_NODES_MAC, 'destination').copy(out, 0);
  macBytes(source, 'source').copy(out, 6);
  out.writeUInt16BE(ETHERTYPE_IPV6, 12);
  const ip = ETH_HEADER;
  out.writeUInt32BE(0x60000000, ip);
  out.writeUInt16BE(NA_LENGTH, ip + 4);
  out[ip + 6] = IPPROTO_ICMPV6;
  out[ip + 7] = 255;
  out.set(ipaddr.IPv6.parse(vip).toByteArray(), ip + 8);
  out.set(ipaddr.IPv6.parse(ALL_NODES).toByteArray(), ip + 24);
  const icmp = ip + 40;
  out[icmp] = ND_NEIGHBOR_ADVERT;
  out[icmp + 4] = ND_NA_FLAG_OVERRIDE | (router ? ND_NA_FLAG_ROUTER : 0);
  out.set(ipaddr.IPv6.parse(vip).toByteArray(), icmp + 8);
  out[icmp + 24] = ND_OPT_TARGET_LINKADDR;
  out[icmp + 25] = 1;
  macBytes(source, 'source').copy(out, icmp + 26);
  out.writeUInt16BE(internetChecksum(out, icmp, icmp + NA_LENGTH, pseudoHeaderSum6(vip, ALL_NODES, NA_LENGTH, IPPROTO_ICMPV6)), icmp + 2);
  return out;
}

/** keepalived's set_ipv6_forwarding: the interface's net.ipv6.conf.<if>.forwarding, read when sending. */
function forwardsIpv6(ifname: string): boolean {
  try {
    return fs.readFileSync(`/proc/sys/net/ipv6/conf/${ifname}/forwarding`, 'utf8').trim() !== '0';
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Sending

/** What the sender needs to know about an interface (LinkMonitor.query provides it). */
export interface LinkLookup {
  query(name: string): Promise<NetResult<{ index: number; mac: string | null } | null>>;
}

export interface GarpAnnouncement {
  /** Interface the VIPs live on. */
  ifname: string;
  /** VIPs to announce: a gratuitous ARP for each IPv4 one, an unsolicited NA for each IPv6 one. */
  vips: string[];
  /**
   * Rounds, back to back: each round sends one GARP/NA per VIP (keepalived's garp_master_repeat).
   * Pacing between frames is decided before they get here (garp-pacing.ts, daemon/garp-queue.ts).
   */
  repeat: number;
}

export interface GarpSender {
  /** Send the announcement; resolves with the number of frames sent, or the first error. */
  announce(a: GarpAnnouncement): Promise<NetResult<number>>;
}

/**
 * A GARP sender over one AF_PACKET socket of halo_native, opened on first use and kept until
 * close() (a packet socket per frame would cost an RCU grace period, ~10 ms, on each close).
 */
/** The part of halo_native the sender uses (a fake in unit tests). */
export type PacketNative = Pick<HaloNative, 'openPacketSocket' | 'sendFrame' | 'closePacketSocket'>;

export function createGarpSender(
  links: LinkLookup,
  native: () => PacketNative = haloNative,
  router: (ifname: string) => boolean = forwardsIpv6,
): GarpSender & { close(): void } {
  let fd: number | null = null;
  return {
    close() {
      if (fd === null) return;
      const open = fd;
      fd = null;
      native().closePacketSocket(open);
    },
    async announce({ ifname, vips, repeat }) {
      const v6 = vips.filter((v) => v.includes(':'));
      const what = v6.length === 0 ? `sending gratuitous ARP on ${ifname}` : v6.length === vips.length ? `sending unsolicited neighbour adverts on ${ifname}` : `sending gratuitous ARP and neighbour adverts on ${ifname}`;
      const bad = vips.find((v) => !ipaddr.IPv4.isValidFourPartDecimal(v) && !ipaddr.IPv6.isValid(v));
      if (bad !== undefined) return fail('EAFNOSUPPORT', `${what}: ${bad} is not an IP address`);
      const link = await links.query(ifname);
      if (!link.ok) return link;
      if (!link.value) return fail('ENODEV', what);
      const { index, mac } = link.value;
      if (!mac || mac.length !== 17) return fail('EOPNOTSUPP', `${what}: interface has no Ethernet address`);
      const isRouter = v6.length > 0 && router(ifname);
      const frames = vips.map((vip) =>
        vip.includes(':')
          ? { vip, bytes: encodeUnsolicitedNa({ source: mac, vip, router: isRouter }) }
          : { vip, bytes: encodeArpFrame(gratuitousArp(mac, vip)) },
      );
      if (fd === null) {
        try {
          fd = native().openPacketSocket();
        } catch (err) {
          return { ok: false, error: netError(err, `${what}: opening an AF_PACKET socket`) };
        }
      }
      const sock = fd;
      let sent = 0;
      for (let round = 0; round < repeat; round++) {
        for (const { vip, bytes } of frames) {
          try {
            native().sendFrame(sock, index, bytes);
          } catch (err) {
            return { ok: false, error: netError(err, `${what} for ${vip}`) };
          }
          sent++;
        }
      }
      return ok(sent);
    },
  };
}

