/**
 * Value readers shared by the LVS keyword tables (src/config/keywords/lvs.ts, checkers.ts):
 * checker timing, inherited checker ← real_server ← virtual_server ← built-in (check_data.c),
 * and forwarding methods.
 */
import type { BuildContext } from './context';
import type { LvsMethod } from './model';
import type { Statement } from './parse';

export const DEFAULT_DELAY_LOOP_MS = 60_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_RETRY = 1;
export const DEFAULT_DELAY_BEFORE_RETRY_MS = 1_000;

/** The checker timing settings any level may give; null = inherit. */
export interface CheckTiming {
  connectTimeoutMs: number | null;
  retry: number | null;
  delayBeforeRetryMs: number | null;
  warmupMs: number | null;
  delayLoopMs: number | null;
}

export function noTiming(): CheckTiming {
  return { connectTimeoutMs: null, retry: null, delayBeforeRetryMs: null, warmupMs: null, delayLoopMs: null };
}

/** A timing keyword's reader, for any draft that carries a `timing`. */
export function timingReader(key: keyof CheckTiming, delayLoopWords = "delay_loop '%s' is invalid - ignoring"): (ctx: BuildContext, s: Statement, t: { timing: CheckTiming }) => void {
  return (ctx, s, t) => {
    const cur = t.timing[key];
    switch (key) {
      case 'connectTimeoutMs': t.timing.connectTimeoutMs = ctx.timerMs(s, 0.001, 86400) ?? cur; break;
      case 'retry': t.timing.retry = ctx.int(s, 0, 1_000_000) ?? cur; break;
      case 'delayBeforeRetryMs': t.timing.delayBeforeRetryMs = ctx.timerMs(s, 0, 86400) ?? cur; break;
      case 'warmupMs': t.timing.warmupMs = ctx.timerMs(s, 0, 86400) ?? cur; break;
      case 'delayLoopMs': {
        const w = ctx.arg(s, 0, 'a time in seconds');
        if (!w) break;
        const sec = /^\d+(\.\d+)?$|^\.\d+$/.test(w.value) ? Number(w.value) : NaN;
        // keepalived warns ("virtual server delay loop '0' invalid - ignoring") and carries on.
        if (!(sec >= 0.000001 && sec <= 18446744073709)) ctx.warn(w, delayLoopWords.replace('%s', w.value));
        else t.timing.delayLoopMs = Math.max(1, Math.round(sec * 1000));
        break;
      }
    }
  };
}

const METHODS = new Set<LvsMethod>(['NAT', 'DR', 'TUN']);

export function lvsMethod(ctx: BuildContext, s: Statement, who: 'virtual server' | 'real server' | 'sorry server'): LvsMethod | null {
  const w = ctx.arg(s, 0, 'NAT, DR or TUN');
  if (!w) return null;
  const m = w.value as LvsMethod;
  if (!METHODS.has(m)) {
    // keepalived's words (it compares case-sensitively: 'dr' is unknown); the method stays as it was.
    ctx.warn(w, `PARSER : unknown [${w.value}] routing method for ${who}.`);
    return null;
  }
  if (s.args.length > 1) ctx.unimplemented(s.args[1], `${s.keyword.value} ${m} tunnel options ('${s.args.slice(1).map((a) => a.value).join(' ')}')`);
  return m;
}
