/**
 * The shape of halo's keyword registry, after keepalived's `install_keyword` tables: every
 * keyword keepalived 2.2.7 installs is declared once, in its section, with keepalived's handler
 * name, keepalived's default, and what halo does with it.
 */
import type { BuildContext } from '../context';
import type { Statement } from '../parse';

/**
 * - `acted-on`: halo reads it and behaves as keepalived does;
 * - `no-effect`: accepted, and by design it changes nothing here (the reason says why);
 * - `not-implemented`: keepalived would act on it and halo cannot: a config using it is
 *   refused ("not implemented in halo") unless `--allow-unimplemented`.
 */
export type KeywordStatus = 'acted-on' | 'no-effect' | 'not-implemented';

export interface KeywordSpec<T> {
  /** The keyword as keepalived installs it. */
  name: string;
  /** keepalived 2.2.7's handler (install_keyword's second argument), for readers of its source. */
  kaHandler: string;
  /** keepalived's value when the keyword is absent, in keepalived.conf(5)'s terms ('' = unset/off). */
  kaDefault: string;
  status: KeywordStatus;
  /** Why it has no effect, what is missing, or how halo reads it. */
  note: string;
  /** halo's handler: reads the statement into the section's draft (validation included). */
  apply?: (ctx: BuildContext, s: Statement, target: T) => void;
  /**
   * For `not-implemented` keywords whose argument can turn the feature off (`smtp_alert off`):
   * true when this statement really asks for the feature. Default: always.
   */
  uses?: (s: Statement) => boolean;
}

export interface Section<T> {
  /** Section path as keepalived nests it: `global_defs`, `virtual_server/real_server/TCP_CHECK`. */
  path: string;
  keywords: KeywordSpec<T>[];
}

/** A section with a name index; built once per table. */
export interface SectionTable<T> extends Section<T> {
  byName: Map<string, KeywordSpec<T>>;
}

export function section<T>(path: string, keywords: KeywordSpec<T>[]): SectionTable<T> {
  const byName = new Map<string, KeywordSpec<T>>();
  for (const k of keywords) {
    if (byName.has(k.name)) throw new Error(`keyword registry: '${k.name}' declared twice in ${path}`);
    if (k.status === 'acted-on' && !k.apply) throw new Error(`keyword registry: '${k.name}' in ${path} is acted on but has no handler`);
    byName.set(k.name, k);
  }
  return { path, keywords, byName };
}

/** Shorthands for the tables: `acted(name, kaHandler, kaDefault, note, apply)` … */
export function acted<T>(name: string, kaHandler: string, kaDefault: string, note: string, apply: (ctx: BuildContext, s: Statement, t: T) => void): KeywordSpec<T> {
  return { name, kaHandler, kaDefault, status: 'acted-on', note, apply };
}

export function noEffect<T>(name: string, kaHandler: string, kaDefault: string, note: string, apply?: (ctx: BuildContext, s: Statement, t: T) => void): KeywordSpec<T> {
  return { name, kaHandler, kaDefault, status: 'no-effect', note, apply };
}

export function notImplemented<T>(
  name: string, kaHandler: string, kaDefault: string, note: string,
  more: { apply?: (ctx: BuildContext, s: Statement, t: T) => void; uses?: (s: Statement) => boolean } = {},
): KeywordSpec<T> {
  return { name, kaHandler, kaDefault, status: 'not-implemented', note, ...more };
}
