/**
 * Which `{ }` belongs to which keyword, decided as keepalived 2.2.7 decides it, not by brace
 * matching alone. keepalived reads line by line (lib/parser.c process_stream()): a keyword
 * installed with a sub-level takes the block that follows it; a keyword whose handler reads a
 * value block (virtual_ipaddress, track_script, group, ...) takes the lines up to the next `}`;
 * any other keyword, and any keyword it does not know, takes no block at all: a `{` after it is
 * "Unexpected '{' - ignoring", the lines inside are read as keywords of the enclosing section,
 * and the `}` closes the enclosing section. So a misspelt block (`SMTP_CHEKC { ... }` inside a
 * real_server) ends that real_server early, and what followed it lands one level up.
 *
 * The statement tree from the grammar is flattened back into keepalived's line stream and
 * rebuilt here with the keyword registry's sections as keepalived's keyword tables. A section
 * the registry has no table for keeps its block as the grammar read it.
 */
import type { Diagnostic } from './model';
import type { Statement, Word } from './parse';
import type { SourceMap } from './source';

/** What keepalived's table for `section` says about `keyword`. */
export type KeywordKind =
  /** installed with install_sublevel(): the block is a section of its own */
  | { sub: string }
  /** the handler reads a value block (alloc_value_block / read_value_block) */
  | 'value'
  /** a plain keyword: no block */
  | 'plain'
  /** a block keyword whose section halo has no table for: the block is kept as read */
  | 'opaque';

export interface StructureSchema {
  /** null: keepalived does not know `keyword` in `section` ('' = the top level). */
  kind(section: string, keyword: string): KeywordKind | null;
}

type Event =
  | { t: 'line'; s: Statement }
  | { t: 'open'; at: Word }
  | { t: 'close'; at: Word };

function flatten(stmts: Statement[], out: Event[]): void {
  for (const s of stmts) {
    out.push({ t: 'line', s });
    if (s.block !== null) {
      out.push({ t: 'open', at: s.braces?.open ?? s.keyword });
      flatten(s.block, out);
      out.push({ t: 'close', at: s.braces?.close ?? s.keyword });
    }
  }
}

/** True when keepalived would read this tree exactly as the grammar did (the common case: nothing to rebuild). */
function alreadyKeepalivedShaped(stmts: Statement[], section: string, schema: StructureSchema): boolean {
  // indexed loops: run once over every statement, mostly before V8 optimises them
  for (let i = 0; i < stmts.length; i++) {
    const s = stmts[i];
    const k = schema.kind(section, s.keyword.value);
    if (k === null || k === 'plain') {
      if (s.block !== null) return false;
    } else if (k === 'value') {
      if (s.block === null) return false;
      for (let j = 0; j < s.block.length; j++) if (s.block[j].block !== null) return false;
    } else if (k === 'opaque') {
      if (s.block === null) return false;
    } else if (s.block === null || !alreadyKeepalivedShaped(s.block, k.sub, schema)) return false;
  }
  return true;
}

export function restructure(stmts: Statement[], schema: StructureSchema, sources: SourceMap): { statements: Statement[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  if (alreadyKeepalivedShaped(stmts, '', schema)) return { statements: stmts, diagnostics };
  const warn = (w: Word, message: string): void => {
    diagnostics.push({ severity: 'warning', message, location: sources.locate(w.line, w.col) });
  };
  const ev: Event[] = [];
  flatten(stmts, ev);
  let i = 0;

  /** The block after a keyword whose section halo has no table for, as the grammar read it. */
  const skipOpaque = (s: Statement): Statement => {
    if (s.block === null || ev[i]?.t !== 'open') return s;
    let depth = 0;
    do {
      const e = ev[i++];
      if (e.t === 'open') depth++;
      else if (e.t === 'close') depth--;
    } while (i < ev.length && depth > 0);
    return s;
  };

  /**
   * A block opened without its `{` ends at a `}` that, in keepalived, ends the section around
   * it as well (measured with keepalived -t: the keywords after it are read one level up).
   */
  let closesOuter = false;

  /** keepalived's alloc_value_block(): lines up to the next `}`, a nested `{` read as a value. */
  const valueBlock = (kw: Statement): Statement[] => {
    const lines: Statement[] = [];
    let needBob = true;
    let braceless = false;
    while (i < ev.length) {
      const e = ev[i++];
      if (needBob) {
        needBob = false;
        if (e.t === 'open') continue;
        braceless = true;
        warn(e.t === 'line' ? e.s.keyword : e.at, `'{' missing from beginning of block ${kw.keyword.value}`);
      }
      if (e.t === 'close') {
        closesOuter = braceless;
        break;
      }
      if (e.t === 'open') lines.push({ keyword: { ...e.at, value: '{', quoted: false }, args: [], block: null });
      else lines.push({ ...e.s, block: null });
    }
    return lines;
  };

  /** keepalived's process_stream() for one section. */
  const section = (name: string, needBob: boolean, level: number): Statement[] => {
    const out: Statement[] = [];
    let braceless = false;
    while (i < ev.length) {
      const e = ev[i++];
      if (needBob) {
        needBob = false;
        if (e.t === 'open') continue;
        braceless = true;
        warn(e.t === 'line' ? e.s.keyword : e.at, "Missing '{' at beginning of configuration block");
      } else if (e.t === 'open') {
        warn(e.at, "Unexpected '{' - ignoring");
        continue;
      }
      if (e.t === 'close') {
        closesOuter = braceless;
        if (level > 0) return out;
        // The block this brace closed has already ended (keepalived: "Unknown keyword '}'").
        warn(e.at, "unknown keyword '}'");
        continue;
      }
      if (e.t !== 'line') continue;
      const s = e.s;
      const k = schema.kind(name, s.keyword.value);
      if (k === null || k === 'plain') out.push(s.block === null ? s : { ...s, block: null });
      else if (k === 'opaque') out.push(skipOpaque(s));
      else {
        closesOuter = false;
        out.push({ ...s, block: k === 'value' ? valueBlock(s) : section(k.sub, true, level + 1) });
        if (closesOuter) {
          closesOuter = false;
          if (level > 0) return out;
        }
      }
    }
    return out;
  };

  return { statements: section('', false, 0), diagnostics };
}
