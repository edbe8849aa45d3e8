/**
 * The notify FIFO keywords, read as keepalived 2.2.7's global_parser.c reads them (notify_fifo,
 * notify_fifo_script, and the vrrp_/lvs_ forms): the first of each wins, later ones are ignored
 * with keepalived's words; `*notify_priority_changes [true|false]` as check_true_false.
 */
import type { BuildContext } from './context';
import type { NotifyFifoConfig, NotifyFifos } from './model';
import type { Statement } from './parse';
import { resolveRunAs } from './script-user';

/** keepalived's `type` prefix of each FIFO ('' for the global one). */
export type FifoKind = 'global' | 'vrrp' | 'lvs';
const PREFIX: Record<FifoKind, string> = { global: '', vrrp: 'vrrp_', lvs: 'lvs_' };

function fifos(holder: { notifyFifos?: NotifyFifos }): NotifyFifos {
  const none = (): NotifyFifoConfig => ({ path: null, script: null });
  return (holder.notifyFifos ??= { global: none(), vrrp: none(), lvs: none() });
}

/** `[vrrp_|lvs_]notify_fifo PATH [USER [GROUP]]` (keepalived's notify_fifo()). */
export function notifyFifoPath(kind: FifoKind) {
  return (ctx: BuildContext, s: Statement, holder: { notifyFifos?: NotifyFifos }): void => {
    const type = PREFIX[kind];
    const path = s.args[0];
    if (!path) {
      ctx.warn(s.keyword, `No ${type}notify_fifo name specified`);
      return;
    }
    const f = fifos(holder)[kind];
    if (f.path !== null) {
      ctx.warn(path, `${type}notify_fifo already specified - ignoring ${path.value}`);
      return;
    }
    if (s.args[1]) {
      const owner = resolveRunAs(s.args[1].value, s.args[2]?.value ?? null, ctx.options.accounts);
      if (owner === null) {
        ctx.warn(s.args[1], `Invalid user/group for ${type} fifo ${path.value} - ignoring`);
        return;
      }
      f.owner = owner.uid === 0 && owner.gid === 0 ? null : owner;
    }
    f.path = path.value;
  };
}

/** `[vrrp_|lvs_]notify_fifo_script SCRIPT [USER [GROUP]]` (keepalived's notify_fifo_script()). */
export function notifyFifoScript(kind: FifoKind) {
  return (ctx: BuildContext, s: Statement, holder: { notifyFifos?: NotifyFifos }): void => {
    const type = PREFIX[kind];
    if (!s.args[0]) {
      ctx.warn(s.keyword, `No ${type}notify_fifo_script specified`);
      return;
    }
    const f = fifos(holder)[kind];
    if (f.script !== null) {
      ctx.warn(s.args[0], `${type}notify_fifo_script already specified - ignoring ${s.args[0].value}`);
      return;
    }
    const r = ctx.commandAs(s);
    if (!r) return;
    f.script = r.argv;
    if (r.runAs !== undefined) f.scriptRunAs = r.runAs;
  };
}

/**
 * `notify_priority_changes [true|false]` and its global form: no argument means true; a word
 * other than true/on/yes/false/off/no is reported and the setting left as it was.
 */
export function trueFalse(ctx: BuildContext, s: Statement, what: string): boolean | null {
  const w = s.args[0];
  if (!w) return true;
  if (w.value === 'true' || w.value === 'on' || w.value === 'yes') return true;
  if (w.value === 'false' || w.value === 'off' || w.value === 'no') return false;
  ctx.warn(w, `Invalid value '${w.value}' for ${what} specified`);
  return null;
}
