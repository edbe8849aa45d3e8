/**
 * Tokens of keepalived.conf, and the stream the nearley grammar reads.
 *
 * Since issue 15 the config loader does not come here: src/config/parse.ts reads the text in one
 * pass with these same rules, and test/config/grammar.test.ts holds it to nearley over this
 * TokenStream (and test/config/lexer-scan.test.ts holds `scan` to moo). `scan` also serves
 * src/daemon/process-identity.ts.
 *
 * moo does the character-level work (one compiled regex, fast); `TokenStream` then drops
 * whitespace and comments and makes newlines *meaningful only where they end a statement*:
 * a newline is passed on only right after a word, so blank lines, comment lines, and the
 * newline after `{` or `}` never reach the grammar. That keeps the grammar unambiguous with
 * a mandatory terminator (see ../shared/reference/npm-packages.md §3: an optional separator
 * makes Earley parsing exponential).
 */
import moo from 'moo';
import { MAX_BLOCK_DEPTH } from './parse';

export const keepalivedLexer = moo.compile({
  ws: /[ \t\r\f\v]+/,
  // `#` and `!` start a comment anywhere outside quotes, as keepalived's decomment() does.
  comment: /[#!][^\n]*/,
  nl: { match: /\n/, lineBreaks: true },
  lbrace: '{',
  rbrace: '}',
  // An unterminated quote runs to the end of the line (keepalived: "Unterminated quote").
  string: /"[^"\n]*"?/,
  // Words end at C-locale blanks only, as keepalived's alloc_strvec(): a no-break space or any
  // other non-ASCII character is part of a word, so every input has a token and moo never throws.
  // `\#` and `\!` are a literal # and ! (keepalived's decomment()), not a comment.
  word: /(?:\\[#!]|[^ \t\n\v\f\r{}"#!])+/,
});

export type TokenType = 'words' | 'nl' | 'lbrace' | 'rbrace';

/** One word of a statement; `line` is a line of the preprocessed text (see SourceMap). */
export interface Word {
  value: string;
  quoted: boolean;
  line: number;
  col: number;
}

/**
 * What the grammar sees. The words of one line up to a brace or the line's end come as one
 * `words` token: the grammar's structure is braces and terminators, and handing it each word
 * separately would only multiply the Earley items (measured: about 30% of parse time).
 */
export interface Token {
  type: TokenType;
  /** The words of a `words` token; empty for the others. */
  words: Word[];
  value: string;
  text: string;
  line: number;
  col: number;
  offset: number;
  /** For a `words` token: where its last word ends in the text (the line as keepalived's handler sees it). */
  end?: number;
}

/**
 * A brace or quote problem found before parsing, so every one of them is reported. keepalived
 * 2.2.7 warns about each and carries on (read_line()/process_stream()), and so does halo: the
 * token stream is repaired the way keepalived reads it, and the grammar always has one parse.
 */
export interface StructureError {
  severity: 'error' | 'warning';
  message: string;
  line: number;
  col: number;
}

/**
 * nearley's Lexer interface over the filtered moo tokens. The tokens are computed once in
 * `reset`; `next` is an array walk, so the grammar pays nothing for the filtering.
 */
export class TokenStream {
  tokens: Token[] = [];
  structureErrors: StructureError[] = [];
  private index = 0;

  reset(text: string): void {
    this.tokens = tokenize(text, this.structureErrors = []);
    this.index = 0;
  }

  next(): Token | undefined {
    return this.tokens[this.index++];
  }

  save(): Record<string, never> {
    return {};
  }

  formatError(token: Token, message = 'syntax error'): string {
    return `${message} at line ${token.line} col ${token.col}`;
  }

  has(type: string): boolean {
    return type === 'words' || type === 'nl' || type === 'lbrace' || type === 'rbrace';
  }
}

export { MAX_BLOCK_DEPTH };

/** One lexeme as keepalivedLexer (moo) would produce it; `scan` is its hand-written twin. */
export interface RawToken {
  type: 'ws' | 'comment' | 'nl' | 'lbrace' | 'rbrace' | 'string' | 'word';
  text: string;
  line: number;
  col: number;
  offset: number;
}

// C-locale blanks but the newline: space, \t, \v, \f, \r
const isBlank = (c: number): boolean => c === 32 || (c >= 9 && c <= 13 && c !== 10);

/**
 * The lexemes of keepalivedLexer, without the regex engine (moo's one compiled regex and a
 * token object per lexeme cost ~200 ms of a 100,000-line `halo check`): ws and comments are
 * reported only when `all` is set, since the token stream drops them. keepalivedLexer stays the
 * oracle (test/config/lexer-scan.test.ts runs both over the corpus).
 */
export function scan(text: string, emit: (t: RawToken) => void, all = false): void {
  const n = text.length;
  let i = 0;
  let line = 1;
  let lineStart = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    const start = i;
    const col = i - lineStart + 1;
    let type: RawToken['type'];
    if (isBlank(c)) {
      i++;
      while (i < n && isBlank(text.charCodeAt(i))) i++;
      type = 'ws';
    } else if (c === 35 /* # */ || c === 33 /* ! */) {
      const e = text.indexOf('\n', i);
      i = e < 0 ? n : e;
      type = 'comment';
    } else if (c === 10) {
      emit({ type: 'nl', text: '\n', line, col, offset: start });
      i++;
      line++;
      lineStart = i;
      continue;
    } else if (c === 123 /* { */) {
      i++;
      type = 'lbrace';
    } else if (c === 125 /* } */) {
      i++;
      type = 'rbrace';
    } else if (c === 34 /* " */) {
      // "[^"\n]*"? : an unterminated quote runs to the end of the line
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 34 || d === 10) break;
        i++;
      }
      if (i < n && text.charCodeAt(i) === 34) i++;
      type = 'string';
    } else {
      // (?:\\[#!]|[^ \t\n\v\f\r{}"#!])+
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */ && i + 1 < n) {
          const e = text.charCodeAt(i + 1);
          if (e === 35 || e === 33) {
            i += 2;
            continue;
          }
        }
        if (d === 10 || isBlank(d) || d === 123 || d === 125 || d === 34 || d === 35 || d === 33) break;
        i++;
      }
      type = 'word';
    }
    if (all || (type !== 'ws' && type !== 'comment')) emit({ type, text: text.slice(start, i), line, col, offset: start });
  }
}

function tokenize(text: string, errors: StructureError[]): Token[] {
  const out: Token[] = [];
  /** Open braces, to report unclosed blocks at their own place. */
  const open: Token[] = [];
  /** The `words` token being filled, while words follow each other on one line. */
  let words = null as Token | null;
  scan(text, (t) => {
    switch (t.type) {
      case 'ws':
      case 'comment':
        return;
      case 'nl':
        // A newline is a terminator only right after words: blank lines, comment lines and
        // the newline after a brace never reach the grammar.
        if (words !== null) out.push(tok('nl', t, '\n'));
        words = null;
        return;
      case 'string': {
        const closed = t.text.length > 1 && t.text.endsWith('"');
        if (!closed) {
          // keepalived: "Unmatched quote" - the words before it stand, the quoted rest is dropped.
          errors.push({ severity: 'warning', message: `Unmatched quote: '${t.text}' - ignored`, line: t.line, col: t.col });
          return;
        }
        words = addWord(out, words, t, t.text.slice(1, -1), true);
        return;
      }
      case 'word':
        words = addWord(out, words, t, t.text.indexOf('\\') < 0 ? t.text : t.text.replace(/\\([#!])/g, '$1'), false);
        return;
      case 'lbrace': {
        const prev = out.length > 0 ? out[out.length - 1] : undefined;
        words = null;
        // A block needs a keyword before it: `kw {` or `kw` NL `{`.
        // keepalived ignores a '{' with no keyword before it; its '}' then closes the enclosing block.
        if (prev === undefined || (prev.type !== 'words' && prev.type !== 'nl')) {
          errors.push({ severity: 'warning', message: "Unexpected '{' - ignoring", line: t.line, col: t.col });
          return;
        }
        const b = tok('lbrace', t, '{');
        // Real configs nest five deep; a bound keeps every later recursion far from the stack limit.
        if (open.length === MAX_BLOCK_DEPTH) errors.push({ severity: 'error', message: `blocks nested more than ${MAX_BLOCK_DEPTH} deep`, line: t.line, col: t.col });
        open.push(b);
        out.push(b);
        return;
      }
      case 'rbrace':
        words = null;
        if (open.length === 0) {
          // keepalived: "Extra '}' found", and it carries on.
          errors.push({ severity: 'warning', message: "Extra '}' found", line: t.line, col: t.col });
        } else {
          open.pop();
          out.push(tok('rbrace', t, '}'));
        }
        return;
      default:
        return;
    }
  });
  if (words !== null) {
    const last = words.words[words.words.length - 1];
    out.push({ type: 'nl', words: NO_WORDS, value: '\n', text: '', line: last.line, col: last.col + 1, offset: text.length });
  }
  if (open.length > 0) {
    // keepalived: "There are N missing '}'s or extra '{'s", and the blocks end with the file.
    const b = open[0];
    const n = open.length;
    errors.push({
      severity: 'warning',
      message: `There are ${n} missing '}'s or extra '{'s (the block opened here ends with the file)`,
      line: b.line,
      col: b.col,
    });
    for (let i = open.length - 1; i >= 0; i--) out.push({ ...open[i], type: 'rbrace', value: '}', text: '}', offset: text.length });
  }
  return out;
}

function addWord(out: Token[], words: Token | null, t: RawToken, value: string, quoted: boolean): Token {
  const w: Word = { value, quoted, line: t.line, col: t.col };
  if (words !== null) {
    words.words.push(w);
    words.end = t.offset + t.text.length;
    return words;
  }
  const fresh: Token = { type: 'words', words: [w], value, text: t.text, line: t.line, col: t.col, offset: t.offset, end: t.offset + t.text.length };
  out.push(fresh);
  return fresh;
}

/**
 * The words of every token that is not a `words` token: one shared empty array, never written
 * (addWord pushes only to a `words` token's own array). A 100,000-line config has ~110,000
 * newline and brace tokens, and every array the parse keeps alive is copied by each scavenge.
 */
const NO_WORDS: Word[] = [];

function tok(type: TokenType, t: RawToken, value: string): Token {
  return { type, words: NO_WORDS, value, text: t.text, line: t.line, col: t.col, offset: t.offset };
}
