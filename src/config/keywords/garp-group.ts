/**
 * The garp_group block (vrrp_parser.c garp_group_*_handler): GARP/NA intervals shared by a group
 * of interfaces. keepalived's warnings, each at the word it is about:
 * - an interval it cannot read (read_decimal_unsigned_strvec with ignore_error, 0 to INT_MAX µs):
 *   `garp_group garp_interval 'X' invalid`, and the interval stays unset;
 * - an interface already in a group: `garp_group already specified for IF - ignoring` (inside an
 *   `interfaces` block keepalived names the block's second entry whatever the entry: kept, so
 *   that the lines read the same; with a one-name block it stops on a missing parameter, and
 *   halo refuses the config with that line);
 * - `Warning - empty garp_group interfaces block`;
 * - a group with neither interval: `garp group N does not have any delay set - removing` (N:
 *   its aggregation group number), and its interfaces are free for a later group.
 * An interface that does not exist is reported with the others by interfaces-check.ts.
 */
import type { BuildContext } from '../context';
import type { GarpGroup } from '../model';
import type { Statement } from '../parse';
import { readTimerUs } from '../timer-value';
import { applySection } from './apply';
import { acted, section } from './types';

/** keepalived's INT_MAX in TIMER_HZ units. */
const MAX_INTERVAL_US = 2_147_483_647;

/** The group being read, and the groups kept before it (which own their interfaces). */
export interface GarpGroupDraft {
  group: GarpGroup;
  earlier: readonly GarpGroup[];
}

const claimed = (d: GarpGroupDraft, name: string): boolean =>
  [...d.earlier, d.group].some((g) => g.interfaces.some((i) => i.name === name));

function interval(which: 'garp' | 'gna') {
  return (ctx: BuildContext, s: Statement, d: GarpGroupDraft): void => {
    const w = ctx.arg(s, 0, 'a time in seconds');
    if (!w) return;
    const r = readTimerUs(w.value, 0, MAX_INTERVAL_US);
    for (const m of r.warnings) ctx.warn(w, m);
    if (r.us === null) return ctx.warn(w, `garp_group ${which}_interval '${w.value}' invalid`);
    if (which === 'garp') d.group.garpIntervalMs = r.us / 1000;
    else d.group.gnaIntervalMs = r.us / 1000;
  };
}

export const GARP_GROUP = section<GarpGroupDraft>('garp_group', [
  acted('garp_interval', 'garp_group_garp_interval_handler', 'unset', "seconds (µs precision): at most one gratuitous ARP per interval on the group's interfaces, from every instance, as keepalived's garp_delay", interval('garp')),
  acted('gna_interval', 'garp_group_gna_interval_handler', 'unset', "seconds: at most one unsolicited neighbour advert per interval on the group's interfaces", interval('gna')),
  acted('interface', 'garp_group_interface_handler', '', 'an interface of the group (one in an earlier group is ignored with keepalived\'s warning)', (ctx, s, d) => {
    const w = ctx.arg(s, 0, 'an interface name');
    if (!w) return;
    if (claimed(d, w.value)) return ctx.warn(w, `garp_group already specified for ${w.value} - ignoring`);
    d.group.interfaces.push({ name: w.value, location: ctx.loc(w) });
  }),
  acted('interfaces', 'garp_group_interfaces_handler', '', 'a block of interface names, as `interface`', (ctx, s, d) => {
    const words = (ctx.needBlock(s) ?? []).flatMap((e) => [e.keyword, ...e.args]);
    if (words.length === 0) return ctx.warn(s.keyword, 'Warning - empty garp_group interfaces block');
    d.group.aggregationGroup = 1 + d.earlier.filter((g) => g.aggregationGroup > 0).length;
    for (const w of words) {
      if (!claimed(d, w.value)) d.group.interfaces.push({ name: w.value, location: ctx.loc(w) });
      // strvec_slot(…, 1) of a one-name block: keepalived stops with this line
      else if (words.length < 2) ctx.error(w, `Configuration line starting \`${words[0].value}\` is missing a parameter after keyword \`${words[0].value}\` at word position 2`);
      else ctx.warn(w, `garp_group already specified for ${words[1].value} - ignoring`);
    }
  }),
]);

/** garp_group { … } → the group, or null when keepalived removes it (no interval set). */
export function buildGarpGroup(ctx: BuildContext, s: Statement, earlier: readonly GarpGroup[]): GarpGroup | null {
  const block = ctx.needBlock(s);
  if (!block) return null;
  const d: GarpGroupDraft = {
    group: { garpIntervalMs: null, gnaIntervalMs: null, interfaces: [], aggregationGroup: 0, location: ctx.loc(s.keyword) },
    earlier,
  };
  applySection(ctx, block, GARP_GROUP, d, 'garp_group');
  if (d.group.garpIntervalMs === null && d.group.gnaIntervalMs === null) {
    ctx.warn(s.braces?.close ?? s.keyword, `garp group ${d.group.aggregationGroup} does not have any delay set - removing`);
    return null;
  }
  return d.group;
}
