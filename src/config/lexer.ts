/**
 * Tokens of keepalived.conf, and the stream the nearley grammar reads.
 *
 * moo does the character-level work (one compiled regex, fast); `TokenStream` then drops
 * whitespace and comments and makes newlines *meaningful only where they end a statement*:
 * a newline is passed on only right after a word, so blank lines, comment lines, and the
 * newline after `{` or `}` never reach the grammar. That keeps the grammar unambiguous with
 * a mandatory terminator (see ../shared/reference/npm-packages.md §3: an optional separator
 * makes Earley parsing exponential).
 */
import moo from 'moo';

export const keepalivedLexer = moo.compile({
  ws: /[ \t\r\f\v]+/,
  // `#` and `!` start a comment anywhere outside quotes, as keepalived's decomment() does.
  comment: /[#!][^\n]*/,
  nl: { match: /\n/, lineBreaks: true },
  lbrace: '{',
  rbrace: '}',
  // An unterminated quote runs to the end of the line (keepalived: "Unterminated quote").
  string: /"[^"\n]*"?/,
  word: /[^\s{}"#!]+/,
});

export type TokenType = 'word' | 'string' | 'nl' | 'lbrace' | 'rbrace';

/** What the grammar sees. `line` is a line of the preprocessed text (see SourceMap). */
export interface Token {
  type: TokenType;
  /** The word itself; quotes removed from strings. */
  value: string;
  text: string;
  line: number;
  col: number;
  offset: number;
}

/** A brace problem found before parsing, so every one of them is reported, not just the first. */
export interface StructureError {
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
    return type === 'word' || type === 'string' || type === 'nl' || type === 'lbrace' || type === 'rbrace';
  }
}

function tokenize(text: string, errors: StructureError[]): Token[] {
  const out: Token[] = [];
  /** Open braces, to report unclosed blocks at their own place. */
  const open: Token[] = [];
  let lastWord = false;
  keepalivedLexer.reset(text);
  for (let t = keepalivedLexer.next(); t !== undefined; t = keepalivedLexer.next()) {
    switch (t.type) {
      case 'ws':
      case 'comment':
        continue;
      case 'nl':
        if (lastWord) out.push(tok('nl', t, '\n'));
        lastWord = false;
        continue;
      case 'string': {
        if (t.text.length < 2 || !t.text.endsWith('"')) {
          errors.push({ message: `unterminated quote ${t.text}`, line: t.line, col: t.col });
        }
        out.push(tok('string', t, t.text.slice(1, t.text.endsWith('"') && t.text.length > 1 ? -1 : undefined)));
        lastWord = true;
        continue;
      }
      case 'word':
        out.push(tok('word', t, t.text));
        lastWord = true;
        continue;
      case 'lbrace': {
        const prev = out.length > 0 ? out[out.length - 1] : undefined;
        // A block needs a keyword before it: `kw {` or `kw` NL `{`.
        if (prev === undefined || (prev.type !== 'word' && prev.type !== 'string' && prev.type !== 'nl')) {
          errors.push({ message: "'{' without a keyword before it", line: t.line, col: t.col });
          lastWord = false;
          continue;
        }
        const b = tok('lbrace', t, '{');
        open.push(b);
        out.push(b);
        lastWord = false;
        continue;
      }
      case 'rbrace':
        if (open.length === 0) {
          errors.push({ message: "extra '}' found", line: t.line, col: t.col });
        } else {
          open.pop();
          out.push(tok('rbrace', t, '}'));
        }
        lastWord = false;
        continue;
      default:
        continue;
    }
  }
  if (lastWord) {
    const last = out[out.length - 1];
    out.push({ type: 'nl', value: '\n', text: '', line: last.line, col: last.col + last.text.length, offset: last.offset + last.text.length });
  }
  for (const b of open) errors.push({ message: "block opened here is never closed (missing '}')", line: b.line, col: b.col });
  return out;
}

function tok(type: TokenType, t: moo.Token, value: string): Token {
  return { type, value, text: t.text, line: t.line, col: t.col, offset: t.offset };
}
