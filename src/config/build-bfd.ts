/**
 * bfd_instance NAME { … } → BfdInstance, with keepalived's end-of-block checks (bfd_parser.c
 * bfd_end_handler): a neighbor is required, the source must be of its family, a second
 * instance with the same neighbor and source is ignored, ttl defaults by family and bounds
 * max_hops.
 */
import type { BuildContext } from './context';
import { applySection } from './keywords/apply';
import { BFD_INSTANCE, type BfdDraft } from './keywords/bfd';
import type { BfdInstance } from './model';
import type { Statement } from './parse';

/** bfd.h BFD_INAME_MAX: names are shorter than 32 characters. */
const INAME_MAX = 32;

export function buildBfdInstance(ctx: BuildContext, s: Statement, existing: readonly BfdInstance[]): BfdInstance | null {
  const name = ctx.arg(s, 0, 'a name');
  const block = ctx.needBlock(s);
  if (!name || !block) return null;
  if (name.value.length >= INAME_MAX) {
    ctx.warn(name, `Configuration error: BFD instance name ${name.value} too long (maximum ${INAME_MAX - 1} characters), ignoring instance`);
    return null;
  }
  if (existing.some((b) => b.name === name.value)) {
    ctx.warn(name, `Configuration error: BFD instance ${name.value} is duplicate, ignoring instance`);
    return null;
  }
  const d: BfdDraft = {
    name: name.value, neighborIp: null, family: null, sourceIp: null, minRxUs: 10_000, minTxUs: 10_000, idleTxUs: 1_000_000,
    multiplier: 5, passive: false, ttl: 0, maxHops: 0, weight: 0, weightReverse: false, toVrrp: true, toChecker: true,
    location: ctx.loc(s.keyword), neighborWord: 'neighbor', dropped: false, ttlSet: false, only: { vrrp: false, checker: false },
  };
  applySection(ctx, block, BFD_INSTANCE, d, `bfd_instance ${name.value}`);
  if (d.dropped) return null;
  if (d.neighborIp === null || d.family === null) {
    ctx.warn(name, `Configuration error: BFD instance ${d.name} has no ${d.neighborWord} address set, disabling instance`);
    return null;
  }
  if (d.sourceIp !== null && d.sourceIp.includes(':') !== (d.family === 6)) {
    ctx.warn(name, `Configuration error: BFD instance ${d.name} source address ${d.sourceIp} and ${d.neighborWord} address ${d.neighborIp} are not of the same family, disabling instance`);
    return null;
  }
  const dup = existing.find((b) => b.neighborIp === d.neighborIp && (b.sourceIp === d.sourceIp || b.sourceIp === null || d.sourceIp === null));
  if (dup) {
    ctx.warn(name, d.sourceIp !== null
      ? `Configuration error: BFD instance ${d.name} has duplicate source/${d.neighborWord} address ${d.sourceIp}/${d.neighborIp}, ignoring instance`
      : `Configuration error: BFD instance ${d.name} has duplicate ${d.neighborWord} address ${d.neighborIp}, ignoring instance`);
    return null;
  }
  const ttl = d.ttlSet ? d.ttl : d.family === 4 ? 255 : 64;
  let maxHops = d.maxHops;
  if (maxHops > ttl) {
    ctx.warn(name, `BFD instance ${d.name}: max_hops exceeds ttl/hoplimit - setting to ttl/hoplimit`);
    maxHops = ttl;
  }
  const anyOnly = d.only.vrrp || d.only.checker;
  return {
    name: d.name, family: d.family, neighborIp: d.neighborIp, sourceIp: d.sourceIp, minRxUs: d.minRxUs, minTxUs: d.minTxUs,
    idleTxUs: d.idleTxUs, multiplier: d.multiplier, passive: d.passive, ttl, maxHops, weight: d.weight, weightReverse: d.weightReverse,
    toVrrp: !anyOnly || d.only.vrrp, toChecker: !anyOnly || d.only.checker, location: d.location,
  };
}
