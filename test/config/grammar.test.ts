import { preprocess } from '../../src/config/preprocess';
import { parseStatements, type Statement } from '../../src/config/parse';
import { rawLine } from '../../src/config/script-words';
import { load, messages } from './helpers';

function tree(text: string): unknown {
  const p = preprocess(text, '/nonexistent/t.conf');
  const r = parseStatements(p.text, p.sources);
  if (!r.statements) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  const show = (s: Statement): unknown => {
    const words = [s.keyword, ...s.args].map((w) => w.value).join(' ');
    return s.block === null ? words : { [words]: s.block.map(show) };
  };
  return r.statements.map(show);
}

describe('statement grammar', () => {
  it('reads simple statements and nested blocks', () => {
    expect(tree('a 1\nb {\n c 2\n d {\n  e\n }\n}\n')).toEqual(['a 1', { b: ['c 2', { d: ['e'] }] }]);
  });

  it('accepts the brace on the next line, after blank and comment lines too', () => {
    expect(tree('vrrp_instance VI_1\n{\n state MASTER\n}\n')).toEqual([{ 'vrrp_instance VI_1': ['state MASTER'] }]);
    expect(tree('global_defs\n\n# c\n{\n router_id x\n}\n')).toEqual([{ global_defs: ['router_id x'] }]);
  });

  it('accepts one-line blocks and a last line closed by the brace', () => {
    expect(tree('group { VI_1 VI_2 }\n')).toEqual([{ group: ['VI_1 VI_2'] }]);
    expect(tree('a { b 1\n c 2 }\n')).toEqual([{ a: ['b 1', 'c 2'] }]);
    expect(tree('a {\n b { c }\n}\n')).toEqual([{ a: [{ b: ['c'] }] }]);
    expect(tree('a { }\n')).toEqual([{ a: [] }]);
  });

  it('allows several closing braces on one line and statements after a brace', () => {
    expect(tree('a {\n b {\n  c\n} }\nd\n')).toEqual([{ a: [{ b: ['c'] }] }, 'd']);
    expect(tree('a { x } b 1\n')).toEqual([{ a: ['x'] }, 'b 1']);
  });

  it('drops # and ! comments, but not inside quotes', () => {
    expect(tree('a 1 # c\n! whole line\nb "x # y ! z" 2 !c\n')).toEqual(['a 1', 'b x # y ! z 2']);
  });

  it('keeps quoted strings whole, including braces and blanks', () => {
    expect(tree('script "/bin/check { a }  b"\n')).toEqual(['script /bin/check { a }  b']);
  });

  it('copes with CRLF, tabs, no final newline and an empty file', () => {
    expect(tree('a\t1\r\nb {\r\n c\r\n}')).toEqual(['a 1', { b: ['c'] }]);
    expect(tree('')).toEqual([]);
    expect(tree('\n\n# only comments\n')).toEqual([]);
  });

  it('is unambiguous and linear on a long run of statements', () => {
    const text = Array.from({ length: 2000 }, (_, i) => `k${i} ${i}\nb${i} {\n x\n}\n`).join('');
    expect((tree(text) as unknown[]).length).toBe(4000);
  });
});

describe('brace and quote slips: warned at their place, then read as keepalived 2.2.7 reads them', () => {
  it('an extra closing brace is ignored', () => {
    expect(messages('a {\n}\n}\nb\n  }\n')).toEqual([
      "1:1: warning: unknown keyword 'a'",
      "1:3: warning: Unexpected '{' - ignoring",
      "2:1: warning: unknown keyword '}'",
      "3:1: warning: Extra '}' found",
      "4:1: warning: unknown keyword 'b'",
      "5:3: warning: Extra '}' found",
    ]);
    expect(tree('a {\n}\n}\nb\n  }\n')).toEqual([{ a: [] }, 'b']);
  });

  it('an unclosed block ends with the file, warned at its opening brace', () => {
    expect(messages('global_defs {\n router_id x\n')).toEqual([
      "1:13: warning: There are 1 missing '}'s or extra '{'s (the block opened here ends with the file)",
    ]);
    expect(tree('a {\n b {\n  c 1\n')).toEqual([{ a: [{ b: ['c 1'] }] }]);
    expect(load('global_defs {\n router_id x\n').model?.globalDefs.routerId).toBe('x');
  });

  it('a brace with no keyword before it is ignored, and its } closes the block around it', () => {
    expect(messages('a {\n}\n{\n b\n}\n')).toEqual([
      "1:1: warning: unknown keyword 'a'",
      "1:3: warning: Unexpected '{' - ignoring",
      "2:1: warning: unknown keyword '}'",
      "3:1: warning: Unexpected '{' - ignoring",
      "4:2: warning: unknown keyword 'b'",
      "5:1: warning: Extra '}' found",
    ]);
    expect(tree('a {\n x\n}\n{\n b\n}\n')).toEqual([{ a: ['x'] }, 'b']);
    expect(tree('a {\n { x }\n y\n}\nz\n')).toEqual([{ a: ['x'] }, 'y', 'z']);
  });

  it('--strict makes each of them an error', () => {
    expect(load('global_defs {\n}\n}\n', true).model).toBeNull();
    expect(load('global_defs {\n', true).model).toBeNull();
  });

  it('words end at ASCII blanks only: a no-break space is part of a word, never a lexer failure', () => {
    expect(tree('a\u00a0b 1\n\u00a0 c 2\n')).toEqual(['a\u00a0b 1', '\u00a0 c 2']);
  });

  it('absurdly deep nesting is one error, not a stack overflow', () => {
    const text = 'a {\n'.repeat(20000) + '}\n'.repeat(20000);
    expect(messages(text)).toEqual(['65:3: error: blocks nested more than 64 deep']);
  });

  it('an unterminated quote: the words before it stand, as keepalived ("Unmatched quote")', () => {
    expect(messages('global_defs {\n router_id "abc\n}\n')).toEqual([
      "2:2: error: 'router_id' needs a value",
      '2:12: warning: Unmatched quote: \'"abc\' - ignored',
    ]);
    expect(tree('a 1 "b c\n')).toEqual(['a 1']);
  });
});

/**
 * parse.ts reads grammar/keepalived.ne by direct descent; nearley, run on the compiled grammar,
 * is the oracle: the same statement tree (words, places, braces) or the same refusal, on the
 * corpus, the examples and their seeded random edits.
 */
describe('the descent parser gives nearley\'s tree for grammar/keepalived.ne', () => {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { Grammar, Parser } = require('nearley') as typeof import('nearley');
  const grammar = require('../../src/config/grammar.generated').default;
  const { TokenStream } = require('../../src/config/lexer') as typeof import('../../src/config/lexer');
  const { readFileSync } = require('node:fs') as typeof import('node:fs');
  const { corpusFiles, corpusPath } = require('../support/corpus') as typeof import('../support/corpus');
  const { mutations } = require('./mutate') as typeof import('./mutate');
  /* eslint-enable @typescript-eslint/no-require-imports */
  type Cons = { prev: Cons | null; item: { words: Statement['args']; block: { stmts: Cons | null; open: Tok; close: Tok } | null } } | null;
  type Tok = { value: string; line: number; col: number };
  const compiled = Grammar.fromCompiled(grammar);

  /** nearley's tree, and the messages the token stream and nearley give (where it refuses the input). */
  function byNearley(text: string): { tree: Statement[] | null; messages: [string, string, number, number][] } {
    const stream = new TokenStream();
    const parser = new Parser(compiled, { lexer: stream });
    let refused: [string, string, number, number] | null = null;
    try {
      parser.feed(text);
    } catch (err) {
      const t = (err as { token?: { value: string; line: number; col: number } }).token;
      refused = t ? ['error', `unexpected '${t.value}'`, t.line, t.col] : ['error', 'syntax error: unexpected end of file', 1, 1];
    }
    const messages = stream.structureErrors.map((e): [string, string, number, number] => [e.severity, e.message, e.line, e.col]);
    // Blocks nested too deep: refused before the grammar is asked.
    if (stream.structureErrors.some((e) => e.severity === 'error')) return { tree: null, messages };
    if (refused === null && parser.results.length !== 1) refused = ['error', 'syntax error: unexpected end of file', 1, 1];
    if (refused !== null) return { tree: null, messages: [...messages, refused] };
    const brace = (t: Tok) => ({ value: t.value, quoted: false, line: t.line, col: t.col });
    const flat = (c: Cons): Statement[] => {
      const out: Statement[] = [];
      for (; c !== null; c = c.prev) {
        const r = c.item;
        out.unshift(r.block === null
          ? { keyword: r.words[0], args: r.words.slice(1), block: null }
          : { keyword: r.words[0], args: r.words.slice(1), block: flat(r.block.stmts), braces: { open: brace(r.block.open), close: brace(r.block.close) } });
      }
      return out;
    };
    return { tree: flat(parser.results[0] as Cons), messages };
  }

  function same(text: string, what: string): void {
    const p = preprocess(text, '/nonexistent/t.conf');
    const ours = parseStatements(p.text, p.sources);
    const theirs = byNearley(p.text);
    // `raw` (the statement's line, for script keywords) is outside the grammar
    const noRaw = (k: string, v: unknown) => (k === 'raw' ? undefined : v);
    if (JSON.stringify(ours.statements, noRaw) !== JSON.stringify(theirs.tree)) throw new Error(`${what}: the trees differ\n--- config ---\n${text}`);
    const located = theirs.messages.map(([severity, message, line, col]) => ({ severity, message, location: p.sources.locate(line, col) }));
    if (JSON.stringify(ours.diagnostics) !== JSON.stringify(located)) {
      throw new Error(`${what}: the messages differ\n${JSON.stringify(ours.diagnostics)}\n${JSON.stringify(located)}\n--- config ---\n${text}`);
    }
    if (ours.statements !== null) sameLines(p.text, ours.statements, what);
  }

  /**
   * Each statement's line as script keywords read it (rawLine: `raw`, or its words rebuilt when
   * the parser left `raw` unset) is the text of its run of words in TokenStream, in order.
   */
  function sameLines(text: string, statements: Statement[], what: string): void {
    const stream = new TokenStream();
    stream.reset(text);
    const expected = stream.tokens.filter((t) => t.type === 'words').map((t) => text.slice(t.offset, t.end));
    const got: string[] = [];
    const walk = (ss: Statement[]): void => {
      for (const s of ss) {
        got.push(rawLine(s));
        if (s.block !== null) walk(s.block);
      }
    };
    walk(statements);
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      const i = got.findIndex((g, j) => g !== expected[j]);
      throw new Error(`${what}: statement ${i}'s line is ${JSON.stringify(got[i])}, its words are ${JSON.stringify(expected[i])}\n--- config ---\n${text}`);
    }
  }

  it('on every corpus config', () => {
    const files = corpusFiles();
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) same(readFileSync(corpusPath(f), 'utf8'), f);
  });

  it('on 3000 seeded random edits of the examples, and on brace slips', () => {
    let n = 0;
    for (const { i, file, text } of mutations()) {
      same(text, `mutation #${i} of ${file}`);
      n++;
    }
    expect(n).toBe(3000);
    for (const t of [
      'a {\n}\n}\nb\n  }\n', 'a {\n b {\n', '{ a }\n', 'a\n{\n{\n}\n', 'a { b } } c\n', '"x\nb {\n c }',
      // a `}` closing nothing between two runs of words: the one input the grammar refuses
      'a } b\n', 'a }\nb\n', 'x 1\na }', 'a } { b }\nc\n', 'a "q" } "r" s\n', '} a } b } c\n',
      // quotes, escapes and blanks at the edges
      'a "" "b c" \\#d e\\!f\\ g\\', 'a "x', 'a  b\tc "d"e"f" g\\#h i', 'a\\# b', 'x "y" z', '"', 'a\r\n{\r\n}', '{\n{\n}}', 'a {{ b }}\n', 'a { "unclosed\n}\n',
      'a {\n'.repeat(70) + 'b\n' + '}\n'.repeat(3),
      // every C-locale blank, a no-break space and other non-ASCII inside words
      'a\vb\fc\r d\u00a0e f\u2003g \u00e9t\u00e9 {\t\v}\f\n\x7f x\x01y\n',
    ]) same(t, JSON.stringify(t));
  });
});
