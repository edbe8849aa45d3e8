/**
 * keepalived's line-level layer, before any grammar, as keepalived 2.2.7's lib/parser.c
 * read_line() does it (keepalived.conf(5) "ADVANCED CONFIGURATION"):
 *
 * - `@ID line` / `@^ID line`: conditional lines, kept when ID is (is not) the config id
 *   (`-i/--config-id`, by default the host name up to its first dot);
 * - `$NAME=value` definitions (no blank before `=`), multi-line when each line but the last
 *   ends with `\`; `$NAME` (followed by a blank, `,`, `)` or the line's end) and `${NAME}`
 *   are replaced, recursively, at use; undefined names stay as written; a multi-line
 *   definition expands only at the end of a line, into several lines;
 * - the predefined `${_PWD}` (directory of the file being read), `${_INSTANCE}` (the config
 *   id), `${_RANDOM [MIN [MAX]]}`, `${_HASH}` and `${_BANG}`;
 * - `~SEQ(var, start, step, end)`, `~SEQx(...)` and `~LST(var, a, b, ...)` /
 *   `~LST({v1, v2}, {a1, a2}, ...)`: the rest of the line, once per value;
 * - `include GLOB` (and includer/includem/includew/includeb/includea) with `{a,b}` braces,
 *   relative to the including file's directory, sorted, executables and directories skipped.
 *
 * The result is one text for the lexer plus a SourceMap back to the original files. Files
 * with none of `$ @ ~ \` and no `include` pass through untouched in one piece, so big
 * generated configs pay nothing here.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, isAbsolute, relative } from 'node:path';
import { globCounting } from './glob';
import { applyIncludeCheck, globProblem, INCLUDE_ALL, INCLUDE_R, INCLUDE_W, includeType } from './include-check';
import type { Diagnostic } from './model';
import { SourceMap } from './source';

export interface Preprocessed {
  text: string;
  sources: SourceMap;
  diagnostics: Diagnostic[];
  /** keepalived's consolidated copy of the files read, when asked for (`copy`). */
  copy?: string;
}

export interface PreprocessOptions {
  /** keepalived's `-i/--config-id`; default: the host name up to its first dot. */
  configId?: string;
  /** keepalived's `-e/--all-config`: a missing include file is an error. */
  allConfig?: boolean;
  /** Also make keepalived's consolidated copy (config_save_dir). */
  copy?: boolean;
}

interface Definition {
  /** One entry per line; more than one only for `\`-continued definitions. */
  lines: string[];
  multiline: boolean;
  /** keepalived's predefined definitions compute their value at each use. */
  fn?: (params: number[]) => string;
  /** How many numeric parameters `${NAME a b}` may take (only `_RANDOM` takes any). */
  maxParams?: number;
}

interface Origin {
  file: string;
  line: number;
  /** Column of the line's first non-blank character, to keep columns close after rewriting. */
  indent: number;
}

/** Nested expansion (a definition naming itself, ~SEQ inside ~SEQ) stops at this depth. */
const MAX_EXPANSION_DEPTH = 64;
/** Definitions that double at each level would otherwise grow without bound. */
const MAX_SUBSTITUTED_LINE = 65536;
/** ~SEQ/~LST lines produced from one line; keepalived has no bound, a runaway must end somewhere. */
const MAX_SEQUENCE_LINES = 1_000_000;
/** keepalived has no limit, but a runaway include tree must end somewhere. */
const MAX_INCLUDE_DEPTH = 32;

/** The default config id: the node name up to its first dot, as keepalived's main.c. */
export function defaultConfigId(): string {
  const n = hostname();
  const dot = n.indexOf('.');
  return dot < 0 ? n : n.slice(0, dot);
}

class Preprocessor {
  readonly parts: string[] = [];
  readonly sources = new SourceMap();
  readonly diagnostics: Diagnostic[] = [];
  private readonly defs = new Map<string, Definition>();
  /** Real paths of the files being read, outermost first, to report include cycles. */
  private readonly stack: string[] = [];
  /** Directories of the files being read: `${_PWD}` is the last. */
  private readonly dirs: string[] = [];
  /** A `\`-continued definition still collecting lines. */
  private pending: Definition | null = null;
  private sequenceLines = 0;
  /** include_check's kinds in force (lib/parser.c include_check): -e sets them all. */
  private includeCheck: number;

  constructor(private readonly configId: string, allConfig = false) {
    this.includeCheck = allConfig ? INCLUDE_ALL : 0;
    this.defs.set('_PWD', { lines: [], multiline: false, fn: () => this.dirs[this.dirs.length - 1] ?? process.cwd() });
    this.defs.set('_INSTANCE', { lines: [configId], multiline: false });
    this.defs.set('_RANDOM', { lines: [], multiline: false, fn: random, maxParams: 2 });
    this.defs.set('_HASH', { lines: ['#'], multiline: false });
    this.defs.set('_BANG', { lines: ['!'], multiline: false });
  }

  private report(severity: Diagnostic['severity'], at: Origin, col: number, message: string): void {
    this.diagnostics.push({ severity, message, location: { file: at.file, line: at.line, col } });
  }

  /**
   * keepalived's consolidated copy of what it read (lib/parser.c conf_copy, saved by
   * config_save_dir): `# FILE` where a file starts, each line decommented (an include line and
   * an empty one as an empty line), `#! MESSAGE` for an include problem, `!` where a file ends.
   */
  copy: string[] | null = null;

  processFile(text: string, file: string, real: string, shownAs: string = file): void {
    this.stack.push(real);
    this.dirs.push(dirname(real));
    this.copy?.push(`# ${shownAs}`);
    if (!this.pending && !/[$@~\\]|include/.test(text)) {
      this.emitRun(text, file);
      if (this.copy) for (const l of linesOf(text)) this.copy.push(copyLine(l));
    } else this.processLines(text, file);
    this.copy?.push('!');
    this.dirs.pop();
    this.stack.pop();
  }

  /** An include problem: reported, and written into the copy as keepalived's file_config_error does. */
  private includeProblem(severity: Diagnostic['severity'], at: Origin, col: number, message: string): void {
    this.report(severity, at, col, message);
    this.copy?.push(`#! ${message}`);
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
      const raw = lines[i];
      const lineNo = i + 1;
      this.copy?.push(copyLine(raw));
      if (this.pending) {
        this.continueDefinition(raw);
        continue;
      }
      const trimmed = raw.replace(/^[ \t]+/, '');
      if (!/[$\\]|include/.test(raw) && trimmed[0] !== '@' && trimmed[0] !== '~') {
        this.emit(raw, file, lineNo);
        continue;
      }
      const clean = decomment(raw);
      if (clean === '') continue;
      const at: Origin = { file, line: lineNo, indent: raw.length - trimmed.length + 1 };
      if (this.isPlain(clean)) {
        this.noteIncludeCheck(clean.replace(/^[ \t]+/, ''));
        this.emit(raw, file, lineNo); // untouched: keep the raw text so columns stay exact
        continue;
      }
      this.processLine(clean, at, 0);
    }
  }

  /** include_check acts on the includes read after it (the build reports its warnings). */
  private noteIncludeCheck(text: string): void {
    if (!/^include_check(?:[ \t]|$)/.test(text)) return;
    this.includeCheck = applyIncludeCheck(this.includeCheck, text.split(/[ \t]+/).slice(1).filter((w) => w !== '' && w !== '}' && w !== '{')).flags;
  }

  /** A line with nothing for this layer to do (no conditional, definition, sequence, parameter, include). */
  private isPlain(clean: string): boolean {
    return clean[0] !== '@' && clean[0] !== '~' && clean.indexOf('$') < 0 && !isInclude(clean) && !clean.endsWith('\\');
  }

  /**
   * A line of a `\`-continued definition. An empty line ends it. So does a line with only a
   * comment or blanks: keepalived's parent process reads on past such a line, but its VRRP and
   * checker children, the ones that run the config, read a copy where the line is empty.
   */
  private continueDefinition(raw: string): void {
    const d = this.pending as Definition;
    const body = decomment(raw);
    if (body === '') {
      this.pending = null;
      if (d.lines.length === 0) d.multiline = false;
      return;
    }
    const more = body.endsWith('\\');
    const value = more ? body.slice(0, -1).replace(/[ \t]+$/, '') : body;
    if (value !== '') d.lines.push(value);
    if (!more) {
      this.pending = null;
      if (d.lines.length === 0) d.multiline = false;
    }
  }

  private emit(text: string, file: string, lineNo: number): void {
    this.parts.push(text);
    this.sources.addRun(file, lineNo, 1);
  }

  /** One decommented line through conditionals, definitions, sequences, substitution and include. */
  private processLine(line: string, at: Origin, depth: number): void {
    if (depth > MAX_EXPANSION_DEPTH) {
      this.report('error', at, at.indent, 'parameter substitution does not terminate (a definition refers to itself)');
      return;
    }
    // Lines of a multi-line definition replaced here follow this one, whatever becomes of it.
    const rest: string[] = [];
    const out = this.resolve(line, at, depth, rest);
    if (out !== null) {
      if (isInclude(out.text)) this.include(out.text, at);
      else {
        this.noteIncludeCheck(out.text);
        this.emit(' '.repeat(Math.max(0, at.indent - 1 + out.shift)) + out.text, at.file, at.line);
      }
    }
    for (const r of rest) this.processLine(r, at, depth + 1);
  }

  /** What is left of a line for the lexer (null: the line was consumed), keepalived's inner read_line loop. */
  private resolve(line: string, at: Origin, depth: number, rest: string[]): { text: string; shift: number } | null {
    let buf = line;
    let shift = 0;
    for (;;) {
      if (buf[0] === '@') {
        const neg = buf[1] === '^';
        const m = /[ \t]/.exec(buf);
        if (!m) return null; // `@ID` with nothing after it
        const id = buf.slice(neg ? 2 : 1, m.index);
        if ((id !== this.configId) !== neg) return null;
        const after = buf.slice(m.index).replace(/^[ \t]+/, '');
        shift += buf.length - after.length;
        buf = after;
      }
      if (buf[0] === '$' && this.define(buf)) return null;
      if (buf.startsWith('~SEQ') || buf.startsWith('~LST')) {
        this.sequence(buf, at, depth);
        return null;
      }
      if (buf[0] === '~' || buf.indexOf('$') < 0) break;
      const r = this.substitute(buf, at);
      if (r === null) break;
      shift = 0;
      buf = decomment(r.first);
      rest.unshift(...r.rest);
      if (!(buf[0] === '@' || buf.indexOf('$') >= 0)) break;
    }
    return buf === '' ? null : { text: buf, shift };
  }

  /** `$NAME=value` (keepalived's check_definition): false when the line is not a definition. */
  private define(buf: string): boolean {
    const m = /^\$([A-Za-z_][A-Za-z0-9_]*)=[ \t]*(.*)$/.exec(buf);
    if (!m) return false;
    let value = m[2];
    const multiline = value.endsWith('\\');
    if (multiline) value = value.slice(0, -1).replace(/[ \t]+$/, '');
    const d: Definition = { lines: value === '' ? [] : [value], multiline };
    this.defs.set(m[1], d);
    if (multiline) this.pending = d;
    return true;
  }

  /**
   * keepalived's replace_param(): every `$NAME` / `${NAME}` / `${NAME 1 2}` with a definition is
   * replaced, and the replacement is scanned again at once (so nested names expand). A multi-line
   * definition is replaced only at the end of the line: its first line joins this one, the others
   * follow as lines of their own. Null when nothing was replaced.
   */
  private substitute(buf: string, at: Origin): { first: string; rest: string[] } | null {
    let found = false;
    let rest: string[] = [];
    let pos = buf.indexOf('$');
    const col = at.indent + pos;
    /** Replacements in a row at one place: a definition that starts with itself never ends. */
    let inPlace = 0;
    while (pos >= 0 && pos + 1 < buf.length) {
      const ref = this.findReference(buf, pos);
      if (ref === null) {
        pos = buf.indexOf('$', pos + 1);
        inPlace = 0;
        continue;
      }
      if (++inPlace > MAX_EXPANSION_DEPTH) {
        this.report('error', at, col, 'parameter substitution does not terminate (a definition refers to itself)');
        return null;
      }
      if (buf.length > MAX_SUBSTITUTED_LINE) {
        // keepalived refuses lines past its buffer too ("would exceed maximum line length").
        this.report('error', at, col, `parameter substitution would make the line longer than ${MAX_SUBSTITUTED_LINE} characters`);
        return null;
      }
      found = true;
      const { def, end, params } = ref;
      let value: string;
      if (def.fn) value = def.fn(params);
      else if (def.multiline) {
        value = def.lines[0] ?? '';
        rest = [...def.lines.slice(1), ...rest];
      } else value = def.lines.join(' ');
      buf = buf.slice(0, pos) + value + buf.slice(end);
      if (value.replace(/^[ \t]+/, '')[0] === '~') break;
    }
    return found ? { first: buf, rest } : null;
  }

  /** The definition referred to by the `$` at `pos`, as keepalived's find_definition(). */
  private findReference(buf: string, pos: number): { def: Definition; end: number; params: number[] } | null {
    const braced = buf[pos + 1] === '{';
    const start = pos + (braced ? 2 : 1);
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(buf.slice(start, start + 256));
    if (!m) return null;
    const name = m[0];
    let end = start + name.length;
    let params: number[] = [];
    if (braced) {
      const p = /^((?: |\d)*)\}/.exec(buf.slice(end));
      if (!p) return null;
      if (p[1].trim() !== '') {
        if (p[1].endsWith(' ')) return null;
        params = p[1].trim().split(/ +/).map(Number);
      }
      end += p[0].length;
    } else if (end < buf.length && !' \t,)'.includes(buf[end])) return null;
    const def = this.defs.get(name);
    if (!def) return null;
    if (def.multiline && end !== buf.length) return null;
    if (params.length > 0 && !def.maxParams) return null;
    return { def, end, params };
  }

  /** `~SEQ(var, [start,] [step,] end) text`, `~SEQx(...)`, `~LST(...)`: the rest of the line once per value. */
  private sequence(buf: string, at: Origin, depth: number): void {
    const isSeq = buf[1] === 'S';
    const parsed = isSeq ? parseSeq(buf, (s) => this.substitute(s, at)?.first ?? s) : parseLst(buf);
    if (typeof parsed === 'string') {
      this.report('warning', at, at.indent, `${parsed} '${buf}' - line ignored`);
      return;
    }
    for (const values of parsed.values) {
      if (++this.sequenceLines > MAX_SEQUENCE_LINES) {
        this.report('error', at, at.indent, `~SEQ/~LST expand to more than ${MAX_SEQUENCE_LINES} lines`);
        return;
      }
      parsed.vars.forEach((v, i) => this.defs.set(v, { lines: [values[i] ?? ''], multiline: false }));
      this.processLine(parsed.text, at, depth + 1);
    }
  }

  private include(buf: string, at: Origin): void {
    const pattern = buf.slice(buf[7] === ' ' || buf[7] === '\t' ? 8 : 9).replace(/^[ \t]+/, '');
    const col = at.indent;
    const base = this.dirs[this.dirs.length - 1] ?? process.cwd();
    // keepalived: a problem of a kind that include_check or the include's own letter names is an error
    const checked = this.includeCheck | includeType(buf);
    const severity = (kind: number): Diagnostic['severity'] => (checked & kind ? 'error' : 'warning');
    const found = expandBraces(pattern).map((p) => globCounting(p, base));
    const glob = { matches: found.flatMap((f) => f.matches), missing: found.reduce((n, f) => n + f.missing, 0), wildcard: found.some((f) => f.wildcard) };
    const problem = globProblem(pattern, glob);
    if (problem) {
      // a wildcard that matched nothing is only mentioned when it is checked
      if (problem.kind !== INCLUDE_W || checked & INCLUDE_W) this.includeProblem(severity(problem.kind), at, col, problem.message);
      if (problem.abort || checked & problem.kind) return;
    }
    if (this.stack.length >= MAX_INCLUDE_DEPTH) {
      this.report('error', at, col, `includes nested more than ${MAX_INCLUDE_DEPTH} deep`);
      return;
    }
    for (const path of glob.matches) {
      let real: string;
      let text: string;
      try {
        const st = statSync(path);
        if (st.isDirectory()) {
          this.includeProblem(severity(INCLUDE_R), at, col, `Configuration file '${path}/' is a directory - skipping`);
          continue;
        }
        if (!st.isFile() || (st.mode & 0o111) !== 0) {
          this.includeProblem(severity(INCLUDE_R), at, col, `Configuration file '${path}' is not a regular non-executable file - skipping`);
          continue;
        }
        real = realpathSync(path);
        text = readFileSync(path, 'utf8');
      } catch (err) {
        this.includeProblem(severity(INCLUDE_R), at, col, `Configuration file '${path}' open problem (${errnoName(err)}) - skipping`);
        continue;
      }
      const cycle = this.stack.indexOf(real);
      if (cycle >= 0) {
        this.report('error', at, col, `include cycle: ${[...this.stack.slice(cycle), real].join(' -> ')}`);
        continue;
      }
      // an include_check inside the file lasts to its end
      const saved = this.includeCheck;
      this.processFile(text, path, real, isAbsolute(pattern) ? path : relative(base, path));
      this.includeCheck = saved;
    }
  }
}

/** The lines of a file's text (a last newline ends the last line). */
function linesOf(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** A line as keepalived writes it into its config copy. */
function copyLine(raw: string): string {
  const d = decomment(raw);
  return isInclude(d) ? '' : d;
}

/** keepalived's is_include(): `include` or include[rmwba] followed by a blank. */
function isInclude(buf: string): boolean {
  if (!buf.startsWith('include') || buf.length < 9) return false;
  if (buf[7] === ' ' || buf[7] === '\t') return true;
  return 'rmwba'.includes(buf[7]) && (buf[8] === ' ' || buf[8] === '\t');
}

/** `${_RANDOM [MIN [MAX]]}`: an integer in [MIN, MAX], by default [0, 32767]. */
function random(params: number[]): string {
  const min = params.length > 0 ? params[0] : 0;
  const max = params.length > 1 ? params[1] : 32767;
  if (max < min) return String(max);
  return String(min + Math.floor(Math.random() * (max - min + 1)));
}

interface Sequence {
  vars: string[];
  /** One entry per iteration: the value of each var. */
  values: string[][];
  text: string;
}

/** C's strtol(…, 0): decimal, 0x hex or 0 octal, with sign; null when no digits. */
function strtol(s: string): { n: number; len: number } | null {
  const m = /^[ \t]*([-+]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(s);
  if (!m) return null;
  const body = m[2];
  const n = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : body.length > 1 && body[0] === '0' ? parseInt(body, 8) : parseInt(body, 10);
  return { n: m[1] === '-' ? -n : n, len: m[0].length };
}

function parseSeq(buf: string, substitute: (s: string) => string): Sequence | string {
  let p = 4;
  const hex = buf[p] === 'x';
  if (hex) p++;
  const open = /^[ \t]*\(/.exec(buf.slice(p));
  if (!open) return 'Invalid ~SEQ specification';
  p += open[0].length;
  const close = buf.indexOf(')', p);
  if (close < 0) return 'Invalid ~SEQ specification';
  const inner = buf.slice(p, close);
  const comma = inner.indexOf(',');
  const variable = (comma < 0 ? inner : inner.slice(0, comma)).trim();
  if (comma < 0 || variable === '' || /[ \t]/.test(variable)) return 'Invalid ~SEQ definition';
  const args = substitute(inner.slice(comma + 1)).split(',');
  const nums: number[] = [];
  for (const a of args) {
    const v = strtol(a);
    if (v === null && a.trim() !== '' && a.trim() !== '0') return 'Invalid ~SEQ definition';
    if (v !== null && a.slice(v.len).trim() !== '') return 'Invalid ~SEQ definition';
    nums.push(v === null ? 0 : v.n);
  }
  let start: number;
  let step: number;
  let end: number;
  if (nums.length === 1) {
    end = nums[0];
    step = end < 1 ? -1 : 1;
    start = end < 0 ? -1 : 1;
  } else if (nums.length === 2) {
    [start, end] = nums;
    step = start <= end ? 1 : -1;
  } else if (nums.length === 3) {
    [start, step, end] = nums;
    if (step === 0 || (start < end && step < 0) || (start > end && step > 0)) return 'Invalid ~SEQ values';
  } else return 'Invalid ~SEQ definition';
  if (hex && (start < 0 || end < 0)) return '~SEQx is only valid for positive numbers';
  const values: string[][] = [];
  for (let v = start; step > 0 ? v <= end : v >= end; v += step) {
    values.push([hex ? v.toString(16) : String(v)]);
    if (values.length > MAX_SEQUENCE_LINES) break;
  }
  return { vars: [variable], values, text: buf.slice(close + 1).replace(/^[ \t]+/, '') };
}

/** `~LST(var, a, b)` or `~LST({v1, v2}, {a1, a2}, {b1, b2})`; missing values are empty. */
function parseLst(buf: string): Sequence | string {
  const bad = 'Invalid ~LST specification';
  const s = buf.slice(4);
  let i = 0;
  const blanks = (): void => {
    while (s[i] === ' ' || s[i] === '\t') i++;
  };
  const item = (stops: string): string => {
    const from = i;
    while (i < s.length && !stops.includes(s[i])) i++;
    return s.slice(from, i);
  };
  blanks();
  if (s[i++] !== '(') return bad;
  blanks();
  const vars: string[] = [];
  let end = ',';
  if (s[i] === '{') {
    end = '}';
    i++;
    blanks();
  }
  for (;;) {
    vars.push(item(' \t,}'));
    blanks();
    if (s[i] === end) break;
    if (s[i] !== ',') return bad;
    i++;
    blanks();
  }
  if (s[i] === '}') {
    i++;
    blanks();
  }
  if (s[i++] !== ',') return bad;
  blanks();
  const values: string[][] = [];
  for (;;) {
    let stop = ',';
    if (s[i] === '{') {
      stop = '}';
      i++;
      blanks();
    }
    const set: string[] = [];
    for (;;) {
      set.push(item(' \t,})'));
      blanks();
      if (s[i] === stop || (s[i] === ')' && stop === ',')) break;
      if (s[i] !== ',') return bad;
      i++;
      blanks();
      if (set.length > vars.length - 1) return '~LST specification has too many values';
    }
    while (set.length < vars.length) set.push('');
    values.push(set);
    if (s[i] === '}' && stop === '}') {
      i++;
      blanks();
    }
    if (s[i] === ')') break;
    if (s[i] !== ',') return bad;
    i++;
    blanks();
  }
  if (vars.length === 0 || values.length === 0) return bad;
  i++;
  blanks();
  return { vars, values, text: s.slice(i) };
}

/** glob(3)'s GLOB_BRACE: `a{b,c{d,e}}f` → abf acdf acef, left to right; `\{` is literal. */
export function expandBraces(pattern: string): string[] {
  let depth = 0;
  let open = -1;
  const commas: number[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '{') {
      if (depth++ === 0) open = i;
    } else if (c === '}' && depth > 0) {
      if (--depth === 0) {
        const head = pattern.slice(0, open);
        const tail = pattern.slice(i + 1);
        const bounds = [open, ...commas, i];
        const out: string[] = [];
        for (let k = 0; k + 1 < bounds.length; k++) {
          for (const t of expandBraces(head + pattern.slice(bounds[k] + 1, bounds[k + 1]) + tail)) out.push(t);
        }
        return out;
      }
    } else if (c === ',' && depth === 1) commas.push(i);
  }
  return [pattern];
}

/**
 * keepalived's decomment(): leading blanks and a `#`/`!` comment outside quotes removed (`\#`
 * and `\!` are no comment; the lexer unescapes them), trailing blanks removed; a final `\`
 * (continuation) is kept, glued to the text before it as keepalived leaves it.
 */
export function decomment(line: string): string {
  let s = line.replace(/\r$/, '').replace(/^[ \t]+/, '');
  let quote = false;
  let cont = false;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') {
      quote = !quote;
      out += c;
    } else if (c === '\\') {
      if (i + 1 >= s.length) {
        cont = true;
        break;
      }
      // `\#` and `\!` stay escaped here: the lexer reads them as a literal # and !.
      out += c + s[i + 1];
      i++;
    } else if (!quote && (c === '#' || c === '!')) break;
    else out += c;
  }
  s = out.replace(/[ \t]+$/, '');
  return cont ? s + '\\' : s;
}

export function errnoName(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e && typeof e.code === 'string' ? e.code : String(err);
}

/** Preprocess `text`, the contents of `file` (includes resolve against `file`'s directory). */
export function preprocess(text: string, file: string, opts: PreprocessOptions = {}): Preprocessed {
  const p = new Preprocessor(opts.configId ?? defaultConfigId(), opts.allConfig);
  let real = file;
  try {
    real = realpathSync(file);
  } catch {
    // Text given directly (tests): no real file, cycles are still caught from the includes on.
  }
  if (opts.copy) p.copy = [];
  p.processFile(text, file, real);
  return { text: joinedText(p.parts, text), sources: p.sources, diagnostics: p.diagnostics, ...(p.copy ? { copy: p.copy.map((l) => `${l}\n`).join('') } : {}) };
}

/**
 * The preprocessed text: its parts, each ended by a newline. A file that passed through whole
 * (no include, no definition: most configs) is its one part, and the text is the file's own
 * string: the joined copy was a rope that the parser's first read flattened into a second
 * string the size of the file (1.8 MB for 100,000 lines).
 */
function joinedText(parts: string[], text: string): string {
  if (parts.length === 1 && parts[0].length === text.length - 1 && text.endsWith('\n') && text.startsWith(parts[0])) return text;
  return parts.join('\n') + '\n';
}
