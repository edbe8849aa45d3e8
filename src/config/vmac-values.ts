/**
 * use_vmac's values as keepalived 2.2.7 reads them (vrrp_parser.c vrrp_vmac_handler, vrrp.c
 * create_vmac_name and vrrp_complete_instance): a MAC address of the VMAC's own, and the name of a
 * VMAC given none (`vmac_prefix`, default `vrrp`). Pure.
 */

/** RFC 5798 §7.3: 00-00-5E-00-01-{VRID} (IPv4), 00-00-5E-00-02-{VRID} (IPv6). */
export function vmacAddress(vrid: number, family: 4 | 6 = 4): string {
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return `00:00:5e:00:0${family === 4 ? 1 : 2}:${hex(vrid)}`;
}

export type VmacMac = { ok: true; octets: number[]; useVrid: boolean } | { ok: false; message: string };

const IFNAMSIZ = 16;

/**
 * `use_vmac … MAC`: six hex octets separated by ':' (one or two digits each), or five, the sixth
 * then being the VRID. keepalived's checks and words, in its order.
 */
export function parseVmacMac(text: string): VmacMac {
  if (!/^[0-9A-Fa-f:]*$/.test(text)) return { ok: false, message: `VMAC invalid MAC address ${text}` };
  const octets: number[] = [];
  let useVrid = false;
  let p = 0;
  const invalid = { ok: false as const, message: `VMAC invalid MAC address ${text} - ignored` };
  for (let j = 0; j < 6; j++) {
    const m = /^[0-9A-Fa-f]*/.exec(text.slice(p))![0];
    if (m.length === 0 || m.length > 2) return invalid;
    octets.push(parseInt(m, 16));
    const end = p + m.length;
    const next = text[end];
    if (next !== ':' && (next !== undefined || j < 4)) return invalid;
    if (j === 4 && (next === undefined || end + 1 === text.length)) {
      useVrid = true;
      break;
    }
    p = end + 1;
    if (p >= text.length && j < 5) return invalid;
  }
  if (octets[0] & 1) return { ok: false, message: `VMAC MAC address is multicast ${text} - ignoring` };
  if (octets[0] === 0 && octets[1] === 0 && octets[2] === 0x5e && octets[3] === 0 && (octets[4] === 1 || octets[4] === 2)) {
    return { ok: false, message: `VMAC MAC address not allowed to be RFC5798 address (${text}) - ignoring` };
  }
  return { ok: true, octets, useVrid };
}

/** The VMAC's MAC as the kernel shows it, the VRID in the last octet when only five were given. */
export function vmacMacText(mac: { octets: number[]; useVrid: boolean }, vrid: number): string {
  const o = mac.useVrid ? [...mac.octets.slice(0, 5), vrid] : mac.octets;
  return o.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** PREFIX.VRID (then PREFIXn.VRID), the prefix cut so the name fits IFNAMSIZ. */
function vmacNameWith(prefix: string, num: number | null, vrid: number): string {
  const tail = `${num ?? ''}.${vrid}`;
  const name = `${prefix}${tail}`;
  return name.length < IFNAMSIZ ? name : `${prefix.slice(0, IFNAMSIZ - 1 - tail.length)}${tail}`;
}

/**
 * create_vmac_name: the first of PREFIX.VRID, PREFIX1.VRID, PREFIX2.VRID … no other instance's
 * VMAC uses (an IPv6 instance tries PREFIX6.VRID second, then 1, 2, … skipping 6).
 */
export function createVmacName(prefix: string, vrid: number, family: 4 | 6, taken: (name: string) => boolean): string {
  let num: number | null = null;
  for (;;) {
    const name = vmacNameWith(prefix, num, vrid);
    if (!taken(name)) return name;
    if (family === 6) num = num === null ? 6 : num === 6 ? 1 : num + 1 === 6 ? 7 : num + 1;
    else num = (num ?? 0) + 1;
  }
}

/**
 * garp_extra_if (vrrp_complete_instance, vrrp_send_vmac_update): the VIPs a MASTER re-announces
 * every interval, one (the first) per interface: those on an interface that is not the one the
 * instance sends adverts from (its VMAC, or its interface) — the VMACs of use_vmac_addr, and with
 * `all` any other interface; the VMAC itself too under vmac_xmit_base. None (null) when no VIP is
 * on such an interface: keepalived then turns the interval off.
 */
export function garpExtraIfVips<V extends { dev: string }>(
  inst: { interface: string; vmac: { name: string; xmitBase: boolean } | null; extraVmacs: { name: string }[]; virtualIpAddresses: V[]; virtualIpAddressesExcluded: V[] },
  allIf: boolean,
): V[] | null {
  const own = inst.vmac ? inst.vmac.name : inst.interface;
  const ours = (dev: string) => dev === inst.vmac?.name || inst.extraVmacs.some((x) => x.name === dev);
  const vips = [...inst.virtualIpAddresses, ...inst.virtualIpAddressesExcluded];
  // use_extra_vmac / use_extra_if: a VIP elsewhere than `own`, on a VMAC of ours or not
  const elsewhere = vips.filter((v) => v.dev !== own);
  if (!elsewhere.some((v) => ours(v.dev)) && !(allIf && elsewhere.length > 0)) return null;
  const chosen = new Map<string, V>();
  for (const v of vips) {
    if (!ours(v.dev) && !allIf) continue;
    if (v.dev === own && !inst.vmac?.xmitBase) continue;
    if (!chosen.has(v.dev)) chosen.set(v.dev, v);
  }
  return [...chosen.values()];
}

/** `garp_extra_if` / `vrrp_garp_extra_if` arguments: a time in seconds and `all`, in any order. */
export function parseGarpExtraIf(args: string[], min: number): { sec: number | null; all: boolean; invalid: string | null } {
  let sec: number | null = null;
  let all = false;
  for (const a of args) {
    if (a === 'all') all = true;
    else if (/^\d+$/.test(a) && Number(a) >= min && Number(a) <= 86400) sec = Number(a);
    else return { sec: null, all, invalid: a };
  }
  return { sec, all, invalid: null };
}
