/**
 * What a reload does to the halo_announce blocks (pure; the announcer and the worker apply it,
 * `halo reload --plan` shows it):
 *
 * - a block kept (same name, address and interface) keeps its state: nothing is withdrawn or
 *   re-announced;
 * - a block removed, or whose address/interface changed, that was announced is withdrawn (its
 *   old address leaves the host);
 * - a block added — the first one too — is judged like the others from the next evaluation on,
 *   but is never withdrawn first: the start-up pass that removes a previous run's leftover
 *   address belongs to a start, not to a reload, which must not take away an address it did not
 *   add (the operator's, or a real server's VIP on lo);
 * - the drain's holdover (the local route) is needed as soon as any block exists, and the
 *   supervisor's stop grace follows the longest drain of the new blocks, so a block added by a
 *   reload drains at stop exactly like one present from the start.
 */
import type { Announce } from '../config/model';

export interface AnnounceEntryState {
  cfg: Pick<Announce, 'name' | 'address' | 'interface'>;
  /** null: not judged yet (its start-up pass has not run). */
  announced: boolean | null;
}

export interface AnnounceReloadPlan {
  /** Per new block, in order: the state it starts from, and whether its first pass may remove a leftover address. */
  entries: Array<{ name: string; carried: boolean; announced: boolean | null; removeLeftover: boolean }>;
  /** Old blocks whose address leaves the host (removed or moved while announced). */
  withdraw: Array<{ name: string; address: string; why: string }>;
  /** The drain's local-route holdover is needed (some block exists). */
  holdover: boolean;
  /** The worker's stop grace: the usual 10 s plus the longest drain. */
  stopGraceMs: number;
  /** What `halo reload` prints and logs. */
  lines: string[];
}

export const BASE_STOP_GRACE_MS = 10_000;

/** The worker's stop grace for these blocks: it must outlive the longest drain. */
export function stopGraceMs(announces: readonly Pick<Announce, 'drainDelayMs' | 'drainTimeoutMs'>[]): number {
  return BASE_STOP_GRACE_MS + Math.max(0, ...announces.map((a) => Math.max(a.drainDelayMs, a.drainTimeoutMs)));
}

const same = (a: AnnounceEntryState['cfg'], b: AnnounceEntryState['cfg']) => a.address === b.address && a.interface === b.interface;

/**
 * `before` is null when no announcer runs (the first block arrives with this reload, or the
 * daemon is starting: `starting` then lets the first pass remove a leftover address).
 */
export function planAnnounceReload(before: readonly AnnounceEntryState[] | null, next: readonly Announce[], starting = false): AnnounceReloadPlan {
  const old = new Map((before ?? []).map((e) => [e.cfg.name, e]));
  const entries: AnnounceReloadPlan['entries'] = [];
  const lines: string[] = [];
  const kept = new Set<string>();
  for (const cfg of next) {
    const o = old.get(cfg.name);
    if (o && same(o.cfg, cfg)) {
      kept.add(cfg.name);
      entries.push({ name: cfg.name, carried: true, announced: o.announced, removeLeftover: false });
      continue;
    }
    // a reload starts the block as "not announced" without removing anything; a start removes leftovers
    entries.push({ name: cfg.name, carried: false, announced: starting ? null : false, removeLeftover: starting });
    if (!starting) lines.push(`halo_announce ${cfg.name} starts (${cfg.address} on ${cfg.interface}): announced once its virtual servers' quorum is up; nothing withdrawn`);
  }
  const withdraw: AnnounceReloadPlan['withdraw'] = [];
  for (const o of before ?? []) {
    if (kept.has(o.cfg.name) || o.announced === false) continue;
    const moved = next.some((c) => c.name === o.cfg.name);
    const why = moved ? 'moved in the configuration' : 'removed from the configuration';
    withdraw.push({ name: o.cfg.name, address: o.cfg.address, why });
    lines.push(`halo_announce ${o.cfg.name} withdraws ${o.cfg.address} (${why})`);
  }
  return { entries, withdraw, holdover: next.length > 0, stopGraceMs: stopGraceMs(next), lines };
}
