/**
 * keepalived's line-level layer, before any grammar: `include` (globs, relative to the
 * including file), `$NAME=value` definitions (with `\` continuation for multi-line values),
 * `$NAME` / `${NAME}` substitution and `@ID` conditional lines, as lib/parser.c read_line()
 * does it.
 *
 * The result is one text for the lexer plus a SourceMap back to the original files. Files
 * with no `$` and no `include` pass through untouched in one piece, so big generated
 * configs pay nothing here.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { expandGlob } from './glob';
import type { Diagnostic } from './model';
import { SourceMap } from './source';

export interface Preprocessed {
  text: string;
  sources: SourceMap;
  diagnostics: Diagnostic[];
}

interface Definition {
  /** One entry per line; more than one only for `\`-continued definitions. */
  lines: string[];
}

/** Nested `$` substitution stops after this many passes (a definition naming itself). */
const MAX_SUBSTITUTION_PASSES = 32;
/** Definitions that double at each level would otherwise grow without bound. */
const MAX_SUBSTITUTED_LINE = 65536;
/** keepalived has no limit, but a runaway include tree must end somewhere. */
const MAX_INCLUDE_DEPTH = 32;

class Preprocessor {
  readonly parts: string[] = [];
  readonly sources = new SourceMap();
  readonly diagnostics: Diagnostic[] = [];
  private readonly defs = new Map<string, Definition>();
  /** Real paths of the files being read, outermost first, to report include cycles. */
  private readonly stack: string[] = [];
  /** A `\`-continued definition still collecting lines. */
  private pending: Definition | null = null;

  error(file: string, line: number, col: number, message: string): void {
    this.diagnostics.push({ severity: 'error', message, location: { file, line, col } });
  }

  processFile(text: string, file: string, real: string): void {
    this.stack.push(real);
    if (!this.pending && text.indexOf('$') < 0 && text.indexOf('include') < 0 && text.indexOf('@') < 0) {
      this.emitRun(text, file);
    } else {
      this.processLines(text, file);
    }
    this.stack.pop();
  }

  /** Pass a whole file through; its line count is the number of newlines (+1 if unterminated). */
  private emitRun(text: string, file: string): void {
    if (text.length === 0) return;
    const body = text.endsWith('\n') ? text.slice(0, -1) : text;
    let count = 1;
    for (let i = body.indexOf('\n'); i >= 0; i = body.indexOf('\n', i + 1)) count++;
    this.parts.push(body);
    this.sources.addRun(file, 1, count);
  }

  private processLines(text: string, file: string): void {
    const lines = text.split('\n');
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    for (let i = 0; i < lines.length; i++) {
      const lineNo = i + 1;
      const raw = lines[i];
      if (this.pending) {
        const body = decomment(raw).trim();
        const more = body.endsWith('\\');
        const value = more ? body.slice(0, -1).trimEnd() : body;
        if (value !== '') this.pending.lines.push(value);
        if (!more) this.pending = null;
        this.emitLine('', file, lineNo);
        continue;
      }
      if (raw.indexOf('$') < 0 && raw.indexOf('include') < 0 && raw.indexOf('@') < 0) {
        this.emitLine(raw, file, lineNo);
        continue;
      }
      let clean = decomment(raw);
      const cond = /^([ \t]*)@(\^?)\S*[ \t]+/.exec(clean);
      if (cond) {
        // `@ID line` is for the keepalived started with `-i ID`; halo has no config id, so
        // like keepalived without -i it drops `@ID` lines and keeps `@^ID` ones.
        if (cond[2] !== '^') {
          this.emitLine('', file, lineNo);
          continue;
        }
        clean = ' '.repeat(cond[0].length) + clean.slice(cond[0].length);
      } else if (/^[ \t]*@/.test(clean)) {
        this.emitLine('', file, lineNo); // `@ID` with nothing after it
        continue;
      }
      const trimmed = clean.trim();
      const def = /^\$([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*(.*)$/.exec(trimmed);
      if (def) {
        let value = def[2].trimEnd();
        const more = value.endsWith('\\');
        if (more) value = value.slice(0, -1).trimEnd();
        const d: Definition = { lines: value === '' ? [] : [value] };
        this.defs.set(def[1], d);
        if (more) this.pending = d;
        this.emitLine('', file, lineNo);
        continue;
      }
      const expanded = this.defs.size > 0 && clean.indexOf('$') >= 0 ? this.substitute(clean, file, lineNo) : [clean];
      if (expanded.length === 1) {
        const words = expanded[0].trim().split(/[ \t]+/);
        if (words[0] === 'include' && words.length === 2) {
          this.emitLine('', file, lineNo);
          this.include(words[1], file, lineNo, expanded[0].indexOf('include') + 1);
          continue;
        }
      }
      // Keep the raw text when nothing changed so columns stay exact.
      if (expanded.length === 1 && expanded[0] === clean && !cond) this.emitLine(raw, file, lineNo);
      else if (expanded.length === 1) this.emitLine(expanded[0], file, lineNo);
      else {
        this.parts.push(expanded.join('\n'));
        this.sources.addRepeat(file, lineNo, expanded.length);
      }
    }
  }

  private emitLine(text: string, file: string, lineNo: number): void {
    this.parts.push(text);
    this.sources.addRun(file, lineNo, 1);
  }

  /**
   * `$NAME` (ended by a blank, `,`, `)` or the line's end) and `${NAME}`; undefined names stay
   * as written, as in keepalived. A multi-line definition expands only when it is the whole line.
   */
  private substitute(line: string, file: string, lineNo: number, depth = 0, col = line.indexOf('$') + 1): string[] {
    const whole = /^[ \t]*\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))[ \t]*$/.exec(line);
    if (whole) {
      const d = this.defs.get(whole[1] ?? whole[2]);
      if (d && d.lines.length > 1) {
        if (depth >= MAX_SUBSTITUTION_PASSES) {
          this.error(file, lineNo, col, 'parameter substitution does not terminate (a definition refers to itself)');
          return [];
        }
        return d.lines.flatMap((l) => this.substitute(l, file, lineNo, depth + 1, col));
      }
    }
    let current = line;
    for (let pass = 0; pass < MAX_SUBSTITUTION_PASSES; pass++) {
      const next = current.replace(
        /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)(?=[ \t,)]|$)/g,
        (m: string, braced: string | undefined, bare: string | undefined) => {
          const d = this.defs.get(braced ?? bare ?? '');
          return d ? d.lines.join(' ') : m;
        },
      );
      if (next === current) return [current];
      if (next.length > MAX_SUBSTITUTED_LINE) {
        // keepalived refuses lines past its buffer too ("would exceed maximum line length").
        this.error(file, lineNo, col, `parameter substitution would make the line longer than ${MAX_SUBSTITUTED_LINE} characters`);
        return [line];
      }
      current = next;
    }
    this.error(file, lineNo, col, 'parameter substitution does not terminate (a definition refers to itself)');
    return [line];
  }

  private include(pattern: string, file: string, lineNo: number, col: number): void {
    const matches = expandGlob(pattern, dirname(file));
    if (matches.length === 0) {
      // keepalived logs this and carries on (keepalived -t still passes), so: a warning.
      this.diagnostics.push({ severity: 'warning', message: `include file(s) '${pattern}' not found`, location: { file, line: lineNo, col } });
      return;
    }
    if (this.stack.length >= MAX_INCLUDE_DEPTH) {
      this.error(file, lineNo, col, `includes nested more than ${MAX_INCLUDE_DEPTH} deep`);
      return;
    }
    for (const path of matches) {
      let real: string;
      let text: string;
      try {
        real = realpathSync(path);
        text = readFileSync(path, 'utf8');
      } catch (err) {
        this.error(file, lineNo, col, `cannot read included file '${path}': ${errnoName(err)}`);
        continue;
      }
      const at = this.stack.indexOf(real);
      if (at >= 0) {
        const cycle = [...this.stack.slice(at), real].join(' -> ');
        this.error(file, lineNo, col, `include cycle: ${cycle}`);
        continue;
      }
      this.processFile(text, path, real);
    }
  }
}

/** Cut a `#`/`!` comment that is outside quotes (keepalived's decomment()). */
export function decomment(line: string): string {
  let quote = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') quote = !quote;
    else if (!quote && (c === '#' || c === '!')) return line.slice(0, i);
  }
  return line;
}

export function errnoName(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e && typeof e.code === 'string' ? e.code : String(err);
}

/** Preprocess `text`, the contents of `file` (includes resolve against `file`'s directory). */
export function preprocess(text: string, file: string): Preprocessed {
  const p = new Preprocessor();
  let real = file;
  try {
    real = realpathSync(file);
  } catch {
    // Text given directly (tests): no real file, cycles are still caught from the includes on.
  }
  p.processFile(text, file, real);
  return { text: p.parts.join('\n') + '\n', sources: p.sources, diagnostics: p.diagnostics };
}
