/**
 * track_group NAME { group { VI_1 … } }: keepalived 2.2.7's static track groups
 * (vrrp_parser.c static_track_group_handler, vrrp_static_track.c). A static address, route
 * (with dev) or rule (with iif) naming a group makes each of the group's instances track that
 * interface unweighted: the interface going down puts them in FAULT. The group must be declared
 * before the entries that name it (keepalived looks it up as it reads the line).
 */
import type { BuildContext } from './context';
import type { TrackInterface, VirtualIpAddress, VrrpInstance } from './model';
import type { Statement, Word } from './parse';
import type { IpRoute, IpRule } from './routes-model';

/** A track_group block as read: `members` null until its `group` block is read. */
export interface TrackGroupDraft {
  name: string;
  keyword: Word;
  members: Word[] | null;
}

/** The root `track_group` keyword; the draft is recorded on the context for the entries' lookups. */
export function startTrackGroup(ctx: BuildContext, s: Statement): TrackGroupDraft | null {
  if (s.args.length !== 1) {
    ctx.warn(s.keyword, 'track_group must have a name - skipping');
    return null;
  }
  const name = s.args[0].value;
  if (ctx.trackGroups.has(name)) {
    ctx.warn(s.args[0], `track_group ${name} already defined`);
    return null;
  }
  const g: TrackGroupDraft = { name, keyword: s.keyword, members: null };
  ctx.trackGroups.set(name, g);
  return g;
}

/** `group { NAME … }` inside a track_group (static_track_group_group_handler). */
export function trackGroupMembers(ctx: BuildContext, s: Statement, g: TrackGroupDraft): void {
  if (g.members !== null) {
    // keepalived's wording (it says sync group)
    ctx.warn(s.keyword, `Group list already specified for sync group ${g.name}`);
    return;
  }
  const names: Word[] = [];
  for (const m of ctx.needBlock(s) ?? []) {
    ctx.checkBlock(m);
    names.push(m.keyword, ...m.args);
  }
  if (names.length === 0) {
    ctx.warn(s.keyword, `Warning - track group ${g.name} has empty group block`);
    return;
  }
  g.members = names;
}

/**
 * keepalived's static_track_group_init, as a pure step over the built model: each group's members
 * resolved (an unknown one warned about and dropped, a group left empty removed), then every
 * tracked static entry's interface added to its group's instances as an unweighted tracked
 * interface (a weighted track_interface of the same interface becomes unweighted, as
 * add_vrrp_to_interface does). Returns the groups kept, name → instance names.
 */
export function applyTrackGroups(
  ctx: BuildContext,
  instances: VrrpInstance[],
  statics: { addresses: VirtualIpAddress[]; routes: IpRoute[]; rules: IpRule[] },
): Map<string, string[]> {
  const kept = new Map<string, string[]>();
  for (const g of ctx.trackGroups.values()) {
    const members = resolveMembers(ctx, g, new Set(instances.map((i) => i.name)));
    if (members === null) ctx.warn(g.keyword, `Static track group ${g.name} init fails - removing`);
    else kept.set(g.name, members);
  }
  const entries: Array<{ kind: string; group?: string; noTrack: boolean; dev: string | null; at: VirtualIpAddress['location'] }> = [
    ...statics.addresses.map((a) => ({ kind: 'address', group: a.trackGroup, noTrack: a.noTrack === true, dev: a.dev, at: a.location })),
    ...statics.routes.map((r) => ({ kind: 'route', group: r.trackGroup, noTrack: r.noTrack, dev: r.dev, at: r.location })),
    ...statics.rules.map((r) => ({ kind: 'rule', group: r.trackGroup, noTrack: r.noTrack, dev: r.iif, at: r.location })),
  ];
  for (const e of entries) {
    if (e.group === undefined) continue;
    if (e.noTrack) {
      ctx.diagnostics.push({ severity: 'warning', message: `Static ${e.kind} has both track_group and no_track set - not tracking`, location: e.at });
      continue;
    }
    const members = kept.get(e.group);
    if (!members || e.dev === null) continue;
    for (const inst of instances.filter((i) => members.includes(i.name))) trackUnweighted(inst, e.dev);
  }
  return kept;
}

function resolveMembers(ctx: BuildContext, g: TrackGroupDraft, known: Set<string>): string[] | null {
  if (g.members === null) {
    ctx.warn(g.keyword, `Static track group ${g.name} has no virtual router(s)`);
    return null;
  }
  const out: string[] = [];
  for (const w of g.members) {
    if (!known.has(w.value)) ctx.warn(w, `vrrp instance ${w.value} specified in track group ${g.name} doesn't exist - ignoring`);
    else out.push(w.value);
  }
  if (out.length === 0) {
    ctx.warn(g.keyword, `Static track group ${g.name} has no VRRP instance(s)`);
    return null;
  }
  return out;
}

/**
 * add_vrrp_to_interface(…, weight 0, …): tracked unweighted; the configured list kept for SNMP.
 * The instance's own interface is already tracked that way (unless dont_track_primary).
 */
function trackUnweighted(inst: VrrpInstance, dev: string): void {
  if (dev === inst.interface && !inst.dontTrackPrimary) return;
  inst.configuredTrackInterfaces ??= inst.trackInterfaces.map((t: TrackInterface) => ({ ...t }));
  const t = inst.trackInterfaces.find((x) => x.name === dev);
  if (t) t.weight = 0;
  else inst.trackInterfaces.push({ name: dev, weight: 0 });
}
