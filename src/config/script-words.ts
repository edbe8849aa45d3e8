/**
 * Script command lines as keepalived 2.2.7 reads them (lib/parser.c
 * alloc_strvec_quoted_escaped, lib/notify.c set_script_params_array): the raw line is split into
 * words with "double" and 'single' quotes and backslash escapes, and the script's word is then
 * split the same way again into the argv that is exec'd. So `script "/bin/sh -c 'x \" y\"'"`
 * runs /bin/sh with `-c` and `x " y"`.
 */

export type QuotedWords = { words: string[] } | { error: string };

const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

const isBlank = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c);
const isOctal = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '7';

/**
 * One backslash escape starting after the `\` at `i`: the character it stands for (a C char, so
 * \x and octal values keep their low 8 bits) and where reading goes on.
 */
function escape(src: string, i: number): { ch: string; next: number } {
  const c = src[i];
  if (c === 'x' && isHex(src[i + 1])) {
    let v = 0;
    let j = i + 1;
    while (isHex(src[j])) v = ((v << 4) | parseInt(src[j++], 16)) & 0xff;
    return { ch: String.fromCharCode(v), next: j };
  }
  if (c === 'c' && i + 1 < src.length) return { ch: String.fromCharCode(src.charCodeAt(i + 1) & 0x1f), next: i + 2 };
  if (isOctal(c)) {
    let v = 0;
    let j = i;
    for (let k = 0; k < 3 && isOctal(src[j]); k++) v = ((v << 3) + (src.charCodeAt(j++) - 48)) & 0xff;
    return { ch: String.fromCharCode(v), next: j };
  }
  return { ch: SIMPLE_ESCAPES[c] ?? c, next: i + 1 };
}

/** keepalived's alloc_strvec_quoted_escaped(): words, or keepalived's message on a bad line. */
export function quotedEscapedWords(src: string): QuotedWords {
  const words: string[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    while (i < n && isBlank(src[i])) i++;
    if (i >= n) break;
    let word = '';
    let quote = '';
    while (i < n) {
      const c = src[i];
      if (c === '\\') {
        if (i + 1 >= n) return { error: `Missing escape char at end: '${src}'` };
        const e = escape(src, i + 1);
        word += e.ch;
        i = e.next;
      } else if (quote !== '') {
        if (c === quote) quote = '';
        else word += c;
        i++;
      } else if (c === '"' || c === "'") {
        quote = c;
        i++;
      } else if (isBlank(c)) {
        break;
      } else {
        word += c;
        i++;
      }
    }
    if (quote !== '') return { error: `String '${src}': missing terminating ${quote}` };
    // a C string: a \0 escape ends the word
    words.push(word.split('\0')[0]);
  }
  return { words };
}

/**
 * A script keyword's line read as keepalived reads it: `argv` from the script's word (the word
 * after the keyword) split again, and the words after it (user, group, ...). `null` argv with
 * keepalived's message when the line or the script's word cannot be read or is empty.
 */
export function scriptLine(raw: string): { argv: string[]; rest: string[] } | { error: string } {
  const line = quotedEscapedWords(raw);
  if ('error' in line) return line;
  const [, script, ...rest] = line.words;
  if (script === undefined) return { error: 'Unable to parse notify script' };
  const argv = quotedEscapedWords(script);
  if ('error' in argv) return argv;
  if (argv.words.length === 0) return { error: `Unable to parse script '${script}' - ignoring` };
  return { argv: argv.words, rest };
}

/** The statement's raw line; a statement made without one (tests, restructured lines) is rebuilt from its words. */
export function rawLine(s: { keyword: { value: string }; args: { value: string; quoted: boolean }[]; raw?: string }): string {
  return s.raw ?? [s.keyword, ...s.args].map((w) => ('quoted' in w && w.quoted ? `"${w.value}"` : w.value)).join(' ');
}
