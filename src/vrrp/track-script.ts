/**
 * rise/fall for a vrrp_script (keepalived: `rise N` consecutive successes make it up, `fall N`
 * consecutive failures make it down). The shell runs the script every `interval` and feeds
 * each exit status here; when `changed` is true it sends a `trackScript` event to every
 * instance that tracks the script.
 */
import type { VrrpScript } from '../config/model';

export interface ScriptTrackerState {
  name: string;
  /** null until the first settled result (init_state unknown). */
  up: boolean | null;
  successes: number;
  failures: number;
}

export function createScriptTracker(s: VrrpScript): ScriptTrackerState {
  return { name: s.name, up: s.initState === 'up' ? true : s.initState === 'down' ? false : null, successes: 0, failures: 0 };
}

export function scriptResult(
  st: ScriptTrackerState,
  cfg: Pick<VrrpScript, 'rise' | 'fall'>,
  ok: boolean,
): { state: ScriptTrackerState; changed: boolean; log: string | null } {
  const successes = ok ? st.successes + 1 : 0;
  const failures = ok ? 0 : st.failures + 1;
  let up = st.up;
  if (ok && st.up !== true && successes >= Math.max(1, cfg.rise)) up = true;
  if (!ok && st.up !== false && failures >= Math.max(1, cfg.fall)) up = false;
  const changed = up !== st.up;
  const log = changed ? `VRRP_Script(${st.name}) ${up ? 'succeeded' : 'failed'}` : null;
  return { state: { ...st, up, successes, failures }, changed, log };
}

/**
 * Reload: a script that is still defined under the same name keeps its settled state and its
 * run of consecutive results (keepalived carries a vrrp_script's result across a reload), so
 * `rise`/`fall` continue where they were instead of starting over from init_state.
 */
export function carryScriptTracker(old: ScriptTrackerState | undefined, s: VrrpScript): ScriptTrackerState {
  if (!old) return createScriptTracker(s);
  return { name: s.name, up: old.up, successes: old.successes, failures: old.failures };
}
