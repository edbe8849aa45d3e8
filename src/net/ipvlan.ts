/**
 * use_ipvlan's link as keepalived 2.2.7 makes it (vrrp_vmac.c netlink_link_add_ipvlan): kind
 * "ipvlan", IFLA_IPVLAN_MODE l2 (the only mode keepalived makes: in l2 mode the ipvlan receives
 * the frames, adverts included) and IFLA_IPVLAN_FLAGS (0 bridge, 1 private, 2 vepa), both u16, in
 * that order, as `ip link add … type ipvlan mode l2 [bridge|private|vepa]` sends them. Pure.
 */
const IFLA_INFO_KIND = 1;
const IFLA_INFO_DATA = 2;
const IFLA_IPVLAN_MODE = 1;
const IFLA_IPVLAN_FLAGS = 2;
export const IPVLAN_MODE_L2 = 0;
export const IPVLAN_FLAG_NAMES = ['bridge', 'private', 'vepa'] as const;

/** One netlink attribute, padded to 4 bytes. */
export function nla(type: number, payload: Buffer): Buffer {
  const len = 4 + payload.length;
  const out = Buffer.alloc((len + 3) & ~3);
  out.writeUInt16LE(len, 0);
  out.writeUInt16LE(type, 2);
  payload.copy(out, 4);
  return out;
}

const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n, 0);
  return b;
};

/** The IFLA_LINKINFO payload of an l2 ipvlan with `flags`. */
export function ipvlanLinkInfo(flags: number, mode = IPVLAN_MODE_L2): Buffer {
  return Buffer.concat([
    nla(IFLA_INFO_KIND, Buffer.from('ipvlan')),
    nla(IFLA_INFO_DATA, Buffer.concat([nla(IFLA_IPVLAN_MODE, u16(mode)), nla(IFLA_IPVLAN_FLAGS, u16(flags))])),
  ]);
}

/** Each attribute of a run of netlink attributes: its type and body. */
function* attributes(buf: Buffer): Generator<[number, Buffer]> {
  for (let off = 0; off + 4 <= buf.length; ) {
    const len = buf.readUInt16LE(off);
    if (len < 4 || off + len > buf.length) return;
    yield [buf.readUInt16LE(off + 2) & 0x3fff, buf.subarray(off + 4, off + len)];
    off += (len + 3) & ~3;
  }
}

/** The kind of a link (IFLA_INFO_KIND), and its IFLA_INFO_DATA, from its IFLA_LINKINFO. */
export function linkKindOf(info: Buffer | undefined): { kind: string; data: Buffer | null } | null {
  if (!info) return null;
  let kind: string | null = null;
  let data: Buffer | null = null;
  for (const [type, body] of attributes(info)) {
    if (type === IFLA_INFO_KIND) kind = body.toString().replace(/\0+$/, '');
    else if (type === IFLA_INFO_DATA) data = body;
  }
  return kind === null ? null : { kind, data };
}

/** An ipvlan's mode and flags from its IFLA_LINKINFO (null: not an ipvlan). */
export function ipvlanOf(info: Buffer | undefined): { mode: number; flags: number } | null {
  const k = linkKindOf(info);
  if (k?.kind !== 'ipvlan') return null;
  let mode = 0;
  let flags = 0;
  for (const [type, body] of attributes(k.data ?? Buffer.alloc(0))) {
    if (type === IFLA_IPVLAN_MODE && body.length >= 2) mode = body.readUInt16LE(0);
    else if (type === IFLA_IPVLAN_FLAGS && body.length >= 2) flags = body.readUInt16LE(0);
  }
  return { mode, flags };
}

const IFLA_VRF_TABLE = 1;

/** A VRF device's table (IFLA_VRF_TABLE) from its IFLA_LINKINFO (null: not a VRF). */
export function vrfTableOf(info: Buffer | undefined): number | null {
  const k = linkKindOf(info);
  if (k?.kind !== 'vrf') return null;
  for (const [type, body] of attributes(k.data ?? Buffer.alloc(0))) if (type === IFLA_VRF_TABLE && body.length >= 4) return body.readUInt32LE(0);
  return null;
}
