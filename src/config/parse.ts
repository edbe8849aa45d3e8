/**
 * Preprocessed text → statement tree, in one pass over the characters. grammar/keepalived.ne is
 * the grammar, read over the repaired token stream of src/config/lexer.ts (TokenStream); after
 * that repair it is LL(1), so this reader builds the statements as it scans, with the lexer's
 * repairs and warnings made at the same places, and never materialises the lexemes or tokens
 * (issue 15: nearley's Earley parse, then the token objects and their garbage, were most of a
 * 100,000-line config's load time). test/config/grammar.test.ts runs nearley over TokenStream
 * as the oracle: the same tree and the same located messages on the corpus and its mutations.
 */
// Types only: lexer.ts (moo, the token stream) is nearley's and the tests', never loaded on this path.
import type { Word } from './lexer';
import type { Diagnostic } from './model';
import type { SourceMap } from './source';

export type { Word };

/** Real configs nest five deep; a bound keeps every later recursion far from the stack limit. */
export const MAX_BLOCK_DEPTH = 64;

/** `keyword args... [{ block }]`. */
export interface Statement {
  keyword: Word;
  args: Word[];
  block: Statement[] | null;
  /** Where the block's `{` and `}` are (for messages about them). */
  braces?: { readonly open: Word; readonly close: Word };
  /**
   * The statement's line from its keyword to its last word, as keepalived's handlers see the raw
   * line (lib/parser.c buf_extern): script keywords read it again with quotes and escapes.
   * Unset when it is the words joined by one space, quoted ones in their quotes, as most lines
   * are: script-words.ts rawLine rebuilds it (a 100,000-line config's 68,000 lines were 2 MB).
   */
  raw?: string;
}

/**
 * Where a block's `{` and `}` are, as two words made when asked for: a 100,000-line config has
 * ~29,000 blocks, and their places are read only for the rare messages about them (an object and
 * two words per block were 4.4 MB kept through the whole model build; this is 1.6 MB).
 * JSON shows the two words, as it showed the plain object this replaces.
 */
export class Braces {
  constructor(
    readonly openLine: number,
    readonly openCol: number,
    public closeLine: number,
    public closeCol: number,
  ) {}

  get open(): Word {
    return { value: '{', quoted: false, line: this.openLine, col: this.openCol };
  }

  get close(): Word {
    return { value: '}', quoted: false, line: this.closeLine, col: this.closeCol };
  }

  toJSON(): { open: Word; close: Word } {
    return { open: this.open, close: this.close };
  }
}

export interface ParseResult {
  statements: Statement[] | null;
  diagnostics: Diagnostic[];
}

/**
 * What each ASCII character is to the scanner, in one table look-up (the characters of a
 * 100,000-line config are most of the parse's work): BLANK is a C-locale blank but the newline
 * (space, \t, \v, \f, \r); ENDS_WORD is any character a word stops at; anything else, and
 * every non-ASCII character, is part of a word (keepalived's alloc_strvec).
 */
const BLANK = 1;
const ENDS_WORD = 2;
const CHAR_CLASS = new Uint8Array(128);
for (const c of [32, 9, 11, 12, 13]) CHAR_CLASS[c] = BLANK | ENDS_WORD;
for (const c of [10, 123 /* { */, 125 /* } */, 34 /* " */, 35 /* # */, 33 /* ! */]) CHAR_CLASS[c] = ENDS_WORD;

const INTERN_SLOTS = 4096;
const INTERN_MAX_LENGTH = 32;

/** The kind of the last token the lexer's TokenStream would have passed on (its repairs look at it). */
const enum Last { None, Words, Nl, Lbrace, Rbrace }

/** An open block: the statement it belongs to, its braces, and where its statements start on the stack. */
interface Frame {
  owner: Statement;
  braces: Braces;
  start: number;
}

/**
 *   stmts := (WORDS NL | WORDS NL block | WORDS block)*   and, last in a block, WORDS before `}`
 *   block := { stmts }
 * A statement is held back ("pending") once its words end, until the next token says whether a
 * block follows. The lexer's repairs, as TokenStream makes them: a newline counts only right after
 * words; a `{` not after words or such a newline is ignored ("Unexpected '{'"); a `}` closing
 * nothing is ignored ("Extra '}'"); blocks left open end with the file. The one input the
 * grammar refuses after that is two runs of words with nothing between (`a } b` at the top level,
 * where the `}` was dropped): the second is "unexpected", or the end of the file is.
 */
export function parseStatements(text: string, sources: SourceMap): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const structure = (severity: Diagnostic['severity'], message: string, line: number, col: number): void => {
    diagnostics.push({ severity, message, location: sources.locate(line, col) });
  };
  let tooDeep = false;
  /** Where the grammar refused the input: the first word of the unexpected run, or the end (null). */
  let failedAt: Word | null | undefined;

  /**
   * Words read so far, by a hash of their characters (the last one wins a slot): a config repeats
   * its keywords and most of its values, and one string per distinct word instead of one per
   * occurrence saves memory, and the hash every table lookup of a keyword computes is computed
   * once per word, not once per line.
   */
  const interned: (string | undefined)[] = new Array(INTERN_SLOTS);
  /**
   * The statements of the open blocks, innermost last: a block takes its own off the top when it
   * closes, in one array of its size (an array grown by push reserves 17 slots).
   */
  const stack: Statement[] = [];
  const frames: Frame[] = [];
  let last = Last.None as Last;

  // The run of words being read (a TokenStream `words` token): its first word, and the others in
  // a scratch array copied out at the run's end, so each statement's args are allocated at their
  // size (an array grown by push reserves 17 slots: ~7 MB for 100,000 lines).
  let keyword: Word | null = null;
  const words: Word[] = [];
  let rawStart = 0;
  let rawEnd = 0;
  /** The run so far is its words joined by one space (no escape, no other blank, no words touching). */
  let rawPlain = true;
  // The statement whose words have ended, waiting for the next token to say whether a block
  // follows (its parts: the statement is made once that is known); `ended`: a newline ended it.
  let pending = null as Word | null;
  let pendingArgs: Word[] = [];
  let pendingRaw: string | undefined;
  let ended = false;

  /** The run of words ends; its statement waits for the next token. */
  const endWords = (byNewline: boolean): void => {
    pending = keyword;
    pendingArgs = words.length === 0 ? [] : words.slice();
    pendingRaw = rawPlain ? undefined : text.slice(rawStart, rawEnd);
    words.length = 0;
    ended = byNewline;
    keyword = null;
  };
  /** A token other than `{` follows the pending statement: it has no block. */
  const settle = (): void => {
    if (pending !== null) stack.push({ keyword: pending, args: pendingArgs, block: null, raw: pendingRaw });
    pending = null;
  };
  const addWord = (value: string, quoted: boolean, line: number, col: number, start: number, end: number, escaped: boolean): void => {
    const w: Word = { value, quoted, line, col };
    if (keyword !== null) {
      if (escaped || start !== rawEnd + 1 || text.charCodeAt(rawEnd) !== 32 /* space */) rawPlain = false;
      words.push(w);
      rawEnd = end;
      return;
    }
    // A new run of words: the pending statement must have ended with a newline.
    if (pending !== null && !ended && failedAt === undefined) failedAt = w;
    settle();
    keyword = w;
    rawStart = start;
    rawEnd = end;
    rawPlain = !escaped;
    last = Last.Words;
  };

  const n = text.length;
  let i = 0;
  let line = 1;
  let lineStart = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    const start = i;
    if (c < 128 && (CHAR_CLASS[c] & BLANK) !== 0) {
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d >= 128 || (CHAR_CLASS[d] & BLANK) === 0) break;
        i++;
      }
    } else if (c === 35 /* # */ || c === 33 /* ! */) {
      const e = text.indexOf('\n', i);
      i = e < 0 ? n : e;
    } else if (c === 10) {
      if (keyword !== null) {
        endWords(true);
        last = Last.Nl;
      }
      i++;
      line++;
      lineStart = i;
    } else if (c === 123 /* { */) {
      i++;
      const col = start - lineStart + 1;
      if (keyword !== null) endWords(false);
      if (last !== Last.Words && last !== Last.Nl) {
        structure('warning', "Unexpected '{' - ignoring", line, col);
        continue;
      }
      if (frames.length === MAX_BLOCK_DEPTH) {
        structure('error', `blocks nested more than ${MAX_BLOCK_DEPTH} deep`, line, col);
        tooDeep = true;
      }
      // After words or their newline there is always a pending statement: the block is its own.
      const braces = new Braces(line, col, line, col);
      // its block is filled in when it closes
      const owner: Statement = { keyword: pending!, args: pendingArgs, block: null, braces, raw: pendingRaw };
      pending = null;
      stack.push(owner);
      frames.push({ owner, braces, start: stack.length });
      last = Last.Lbrace;
    } else if (c === 125 /* } */) {
      i++;
      const col = start - lineStart + 1;
      if (keyword !== null) endWords(false);
      if (frames.length === 0) {
        structure('warning', "Extra '}' found", line, col);
        continue;
      }
      // Words right before a `}` end the block's last statement.
      settle();
      closeBlock(line, col);
      last = Last.Rbrace;
    } else if (c === 34 /* " */) {
      // "[^"\n]*"? : an unterminated quote runs to the end of the line
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 34 || d === 10) break;
        i++;
      }
      if (i < n && text.charCodeAt(i) === 34) {
        i++;
        addWord(text.slice(start + 1, i - 1), true, line, start - lineStart + 1, start, i, false);
      } else {
        // keepalived: "Unmatched quote" - the words before it stand, the quoted rest is dropped.
        structure('warning', `Unmatched quote: '${text.slice(start, i)}' - ignored`, line, start - lineStart + 1);
      }
    } else {
      // (?:\\[#!]|[^ \t\n\v\f\r{}"#!])+ ; `\#` and `\!` are a literal # and !
      let escaped = false;
      let hash = 0;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */ && i + 1 < n) {
          const e = text.charCodeAt(i + 1);
          if (e === 35 || e === 33) {
            escaped = true;
            i += 2;
            continue;
          }
        }
        if (d < 128 && (CHAR_CLASS[d] & ENDS_WORD) !== 0) break;
        hash = (Math.imul(hash, 31) + d) | 0;
        i++;
      }
      let word: string;
      const len = i - start;
      if (escaped) word = text.slice(start, i).replace(/\\([#!])/g, '$1');
      else if (len > INTERN_MAX_LENGTH) word = text.slice(start, i);
      else {
        // The same word again (keywords, most values): the string read before, not a new one.
        const slot = (hash ^ len) & (INTERN_SLOTS - 1);
        const seen = interned[slot];
        if (seen !== undefined && seen.length === len && text.startsWith(seen, start)) word = seen;
        else interned[slot] = word = text.slice(start, i);
      }
      addWord(word, false, line, start - lineStart + 1, start, i, escaped);
    }
  }

  function closeBlock(line: number, col: number): void {
    const f = frames.pop()!;
    f.owner.block = stack.splice(f.start);
    f.braces.closeLine = line;
    f.braces.closeCol = col;
  }

  // The file ends: its last words end as with a newline.
  if (keyword !== null) endWords(true);
  if (pending !== null && !ended && failedAt === undefined) failedAt = null;
  settle();
  if (frames.length > 0) {
    // keepalived: "There are N missing '}'s or extra '{'s", and the blocks end with the file.
    const b = frames[0].braces;
    structure('warning', `There are ${frames.length} missing '}'s or extra '{'s (the block opened here ends with the file)`, b.openLine, b.openCol);
    while (frames.length > 0) {
      const o = frames[frames.length - 1].braces;
      closeBlock(o.openLine, o.openCol);
    }
  }
  // Blocks nested too deep end the parse before the grammar is asked (as TokenStream's error did).
  if (tooDeep) return { statements: null, diagnostics };
  if (failedAt !== undefined) {
    // The repaired text parses but for this; say where, never throw.
    diagnostics.push(
      failedAt === null
        ? { severity: 'error', message: 'syntax error: unexpected end of file', location: sources.locate(1, 1) }
        : { severity: 'error', message: `unexpected '${failedAt.value}'`, location: sources.locate(failedAt.line, failedAt.col) },
    );
    return { statements: null, diagnostics };
  }
  // every block has taken its own: what is left is the top level
  return { statements: stack, diagnostics };
}
