/**
 * Preprocessed text → statement tree, through the nearley grammar (grammar/keepalived.ne).
 * The grammar's actions build cons cells; they are flattened here once, after feed().
 */
import { Grammar, Parser } from 'nearley';
import grammar from './grammar.generated';
import { TokenStream, type Token, type Word } from './lexer';
import type { Diagnostic } from './model';
import type { SourceMap } from './source';

export type { Word };

/** `keyword args... [{ block }]`. */
export interface Statement {
  keyword: Word;
  args: Word[];
  block: Statement[] | null;
  /** Where the block's `{` and `}` are (for messages about them). */
  braces?: { open: Word; close: Word };
}

interface Cons<T> {
  prev: Cons<T> | null;
  item: T;
}
interface RawStmt {
  words: Word[];
  block: { stmts: Cons<RawStmt> | null; open: Token; close: Token } | null;
}

const compiled = Grammar.fromCompiled(grammar);

export interface ParseResult {
  statements: Statement[] | null;
  diagnostics: Diagnostic[];
}

export function parseStatements(text: string, sources: SourceMap): ParseResult {
  const stream = new TokenStream();
  const parser = new Parser(compiled, { lexer: stream });
  const diagnostics: Diagnostic[] = [];
  try {
    parser.feed(text);
  } catch (err) {
    // The repaired token stream always parses; should that ever fail, say where, never throw.
    for (const e of stream.structureErrors) diagnostics.push(syntax(sources, e.line, e.col, e.message, e.severity));
    const t = (err as { token?: Token }).token;
    diagnostics.push(t ? syntax(sources, t.line, t.col, `unexpected ${describe(t)}`) : syntax(sources, 1, 1, 'syntax error'));
    return { statements: null, diagnostics };
  }
  for (const e of stream.structureErrors) diagnostics.push(syntax(sources, e.line, e.col, e.message, e.severity));
  if (diagnostics.some((d) => d.severity === 'error')) return { statements: null, diagnostics };
  if (parser.results.length !== 1) {
    // The filtered token stream makes this unreachable; say so loudly rather than guess.
    const last = stream.tokens[stream.tokens.length - 1];
    diagnostics.push(
      syntax(sources, last?.line ?? 1, last?.col ?? 1, `internal: ${parser.results.length} parses of the statement tree`),
    );
    return { statements: null, diagnostics };
  }
  return { statements: flattenStmts(parser.results[0] as Cons<RawStmt> | null), diagnostics };
}

function describe(t: Token): string {
  return t.type === 'nl' ? 'end of line' : `'${t.value}'`;
}

function syntax(sources: SourceMap, line: number, col: number, message: string, severity: Diagnostic['severity'] = 'error'): Diagnostic {
  return { severity, message, location: sources.locate(line, col) };
}

function toArray<T>(list: Cons<T> | null): T[] {
  let n = 0;
  for (let c = list; c !== null; c = c.prev) n++;
  const out = new Array<T>(n);
  for (let c = list; c !== null; c = c.prev) out[--n] = c.item;
  return out;
}

function flattenStmts(list: Cons<RawStmt> | null): Statement[] {
  const raw = toArray(list);
  const out = new Array<Statement>(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const r = raw[i];
    const b = r.block;
    out[i] = b === null
      ? { keyword: r.words[0], args: r.words.slice(1), block: null }
      : { keyword: r.words[0], args: r.words.slice(1), block: flattenStmts(b.stmts), braces: { open: brace(b.open), close: brace(b.close) } };
  }
  return out;
}

function brace(t: Token): Word {
  return { value: t.value, quoted: false, line: t.line, col: t.col };
}
