/**
 * The hand-written scanner (src/config/lexer.ts `scan`) against its oracle, the moo lexer
 * keepalivedLexer it replaced on the parse path: the same lexemes (type, text, line, column,
 * offset) for every file of the real-world corpus, a generated 20,000-line config, the edge
 * cases of quotes, escapes and blanks, and 3,000 seeded random texts over the characters that
 * matter.
 */
import { readFileSync } from 'node:fs';
import { keepalivedLexer, RawToken, scan } from '../../src/config/lexer';
import { corpusFiles, corpusPath } from '../support/corpus';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { generateConfig } = require('../bench/parse/generate') as { generateConfig: (lines: number, ifname: string) => string | { text: string } };

function viaMoo(text: string): RawToken[] {
  keepalivedLexer.reset(text);
  const out: RawToken[] = [];
  for (let t = keepalivedLexer.next(); t !== undefined; t = keepalivedLexer.next()) {
    out.push({ type: t.type as RawToken['type'], text: t.text, line: t.line, col: t.col, offset: t.offset });
  }
  return out;
}
function viaScan(text: string, all = true): RawToken[] {
  const out: RawToken[] = [];
  scan(text, (t) => out.push(t), all);
  return out;
}

describe('scan = keepalivedLexer (moo)', () => {
  it('on every corpus file', () => {
    const files = corpusFiles();
    expect(files.length).toBeGreaterThan(100);
    for (const f of files) {
      const text = readFileSync(corpusPath(f), 'utf8');
      expect({ f, tokens: viaScan(text) }).toEqual({ f, tokens: viaMoo(text) });
    }
  });

  it('on a generated 20,000-line config; without `all` it leaves out only blanks and comments', () => {
    const g = generateConfig(20000, 'eth0');
    const text = typeof g === 'string' ? g : g.text;
    const oracle = viaMoo(text);
    expect(viaScan(text)).toEqual(oracle);
    expect(viaScan(text, false)).toEqual(oracle.filter((t) => t.type !== 'ws' && t.type !== 'comment'));
  });

  it.each([
    ['empty', ''],
    ['escapes', 'a\\#b \\!c \\x d\\ \\\\#e f\\'],
    ['quotes', '"a b" "unterminated\n"" x"y"z "#" "!"'],
    ['blanks', 'a\t\v\f\r\nb \r\n\r\n  c'],
    ['comments', '# one\n! two\nkw # trailing {\nkw2 ! x }'],
    ['braces', '{}{ a{b}c }\n}{'],
    ['non-ASCII', 'virtual_server\u00a0x \u00e9t\u00e9 "\u2603" \ud83d\ude00'],
    ['lone backslash at the end', 'a \\'],
  ])('on %s', (_name, text) => {
    expect(viaScan(text)).toEqual(viaMoo(text));
  });

  it('on 3,000 seeded random texts', () => {
    const alphabet = ['a', 'b', ' ', '\t', '\n', '\r', '\v', '{', '}', '"', '#', '!', '\\', '\u00a0', '1', '.'];
    let seed = 15;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    for (let k = 0; k < 3000; k++) {
      let text = '';
      const len = Math.floor(rand() * 60);
      for (let i = 0; i < len; i++) text += alphabet[Math.floor(rand() * alphabet.length)];
      expect({ text, tokens: viaScan(text) }).toEqual({ text, tokens: viaMoo(text) });
    }
  });
});
