/**
 * Preprocessed text → statement tree. grammar/keepalived.ne is the grammar; after the token
 * stream's repair (src/config/lexer.ts) it is LL(1) with one token of look-ahead, so it is read
 * here by a direct descent over the tokens instead of nearley's Earley parser, which spent most
 * of a 100,000-line config's load time (issue 15: 1.4 s of 4.2 s sampled, plus its garbage).
 * test/config/grammar.test.ts checks that both give the same tree on the corpus and mutations.
 */
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
  /**
   * The statement's line from its keyword to its last word, as keepalived's handlers see the raw
   * line (lib/parser.c buf_extern): script keywords read it again with quotes and escapes.
   */
  raw?: string;
}

export interface ParseResult {
  statements: Statement[] | null;
  diagnostics: Diagnostic[];
}

export function parseStatements(text: string, sources: SourceMap): ParseResult {
  const stream = new TokenStream();
  stream.reset(text);
  const diagnostics: Diagnostic[] = [];
  for (const e of stream.structureErrors) diagnostics.push(syntax(sources, e.line, e.col, e.message, e.severity));
  // an error here (blocks nested too deep) ends the parse before any descent
  if (diagnostics.some((d) => d.severity === 'error')) return { statements: null, diagnostics };
  const parsed = descend(stream.tokens, text);
  if (!Array.isArray(parsed)) {
    // The repaired token stream always parses; should that ever fail, say where, never throw.
    const t = parsed.token;
    diagnostics.push(t ? syntax(sources, t.line, t.col, `unexpected ${describe(t)}`) : syntax(sources, 1, 1, 'syntax error: unexpected end of file'));
    return { statements: null, diagnostics };
  }
  return { statements: parsed, diagnostics };
}

/**
 *   stmts := (WORDS NL | WORDS NL block | WORDS block)*   and, last in a block, WORDS before `}`
 *   block := { stmts }
 * Recursion is bounded: the lexer refuses blocks nested more than MAX_BLOCK_DEPTH deep.
 */
function descend(tokens: Token[], text: string): Statement[] | { token: Token | undefined } {
  let i = 0;
  let failed: { token: Token | undefined } | null = null;
  const fail = (token: Token | undefined): null => {
    failed = { token };
    return null;
  };
  const stmts = (inBlock: boolean): Statement[] | null => {
    const out: Statement[] = [];
    for (;;) {
      const t = tokens[i];
      if (t === undefined) return inBlock ? fail(t) : out;
      if (t.type === 'rbrace') return inBlock ? out : fail(t);
      if (t.type !== 'words') return fail(t);
      i++;
      const raw = text.slice(t.offset, t.end);
      let next = tokens[i];
      if (next?.type === 'nl') next = tokens[++i];
      else if (next?.type === 'rbrace' && inBlock) {
        // `group { VI_1 VI_2 }`: the block's last line ends at its brace
        out.push(line(t, null, undefined, raw));
        continue;
      } else if (next?.type !== 'lbrace') return fail(next);
      if (next?.type !== 'lbrace') {
        out.push(line(t, null, undefined, raw));
        continue;
      }
      const open = tokens[i++];
      const body = stmts(true);
      if (body === null) return null;
      const close = tokens[i++];
      out.push(line(t, body, { open: brace(open), close: brace(close) }, raw));
    }
  };
  const all = stmts(false);
  return all ?? failed ?? { token: undefined };
}

/**
 * The statement of a `words` token. Its words array becomes the args once the keyword is
 * taken off the front (the tokens are this parse's own and read once): no copy per line.
 */
function line(t: Token, block: Statement[] | null, braces: Statement['braces'] | undefined, raw: string): Statement {
  const keyword = t.words.shift()!;
  return braces ? { keyword, args: t.words, block, braces, raw } : { keyword, args: t.words, block, raw };
}

function describe(t: Token): string {
  return t.type === 'nl' ? 'end of line' : `'${t.value}'`;
}

function syntax(sources: SourceMap, line: number, col: number, message: string, severity: Diagnostic['severity'] = 'error'): Diagnostic {
  return { severity, message, location: sources.locate(line, col) };
}

function brace(t: Token): Word {
  return { value: t.value, quoted: false, line: t.line, col: t.col };
}
