/**
 * keepalived 2.2.7's include checks (lib/parser.c include_check_set, check_include,
 * open_and_check_glob, file_config_error): which include problems stop the config from loading.
 * `include_check [[+|-]read|match|wildcard_match|brace_match]...` sets them for the includes
 * read after it (back to what they were at the end of the file that set them); `-e` and
 * `includea` set all four; `includer`, `includem`, `includew`, `includeb` add theirs to one
 * include. A problem whose kind is set is an error (keepalived then does not start); otherwise
 * it is logged and the include skipped.
 */

export const INCLUDE_R = 0x01; // a matched entry is a directory, unreadable, executable, not a file
export const INCLUDE_M = 0x02; // no file matched a name without wildcards
export const INCLUDE_W = 0x04; // no file matched, wildcards or not
export const INCLUDE_B = 0x08; // every {a,b} alternative must match
export const INCLUDE_ALL = INCLUDE_R | INCLUDE_M | INCLUDE_W | INCLUDE_B;

const KINDS: Record<string, number> = { read: INCLUDE_R, match: INCLUDE_M, wildcard_match: INCLUDE_W, brace_match: INCLUDE_B };

/** The include's own kinds, from the letter after `include` (check_include). */
export function includeType(buf: string): number {
  switch (buf[7]) {
    case 'r': return INCLUDE_R;
    case 'a': return INCLUDE_ALL;
    case 'w': return INCLUDE_R | INCLUDE_M | INCLUDE_W;
    case 'm': return INCLUDE_R | INCLUDE_M;
    case 'b': return INCLUDE_R | INCLUDE_B;
    default: return 0;
  }
}

/** `include_check WORDS`: the new flags and keepalived's warnings (index = the word's position). */
export function applyIncludeCheck(current: number, words: string[]): { flags: number; warnings: { index: number; message: string }[] } {
  if (words.length === 0) return { flags: INCLUDE_ALL, warnings: [] };
  let flags = current;
  const warnings: { index: number; message: string }[] = [];
  words.forEach((word, i) => {
    const sign = word[0] === '-' || word[0] === '+' ? word[0] : '';
    if (sign === '') {
      if (i === 0) flags = 0;
      else {
        warnings.push({ index: i, message: `Duplicate include_check '${word}' specified - ignoring` });
        return;
      }
    }
    const name = word.slice(sign.length);
    const kind = KINDS[name];
    if (kind === undefined) {
      warnings.push({ index: i, message: `Unknown include_check type '${name}' - ignoring` });
      return;
    }
    if (sign === '') flags = INCLUDE_R | kind;
    else if (sign === '+') flags |= kind;
    else flags &= ~kind;
  });
  return { flags, warnings };
}

/** What globbing one include found: the matches, paths found missing on the way, whether a directory was read. */
export interface IncludeGlob {
  matches: string[];
  missing: number;
  wildcard: boolean;
}

/** The glob-level problem of an include, if any (open_and_check_glob); `abort`: read none of its files. */
export function globProblem(pattern: string, g: IncludeGlob): { kind: number; message: string; abort: boolean } | null {
  const braces = /(^|[^\\])\{/.test(pattern);
  if (g.matches.length === 0) {
    if (g.missing > 0) return { kind: braces ? INCLUDE_B : INCLUDE_M, message: `Config files missing '${pattern}'.`, abort: true };
    if (g.wildcard) return { kind: INCLUDE_W, message: `No config files matched '${pattern}'.`, abort: true };
    return null;
  }
  if (g.missing > 0) return { kind: INCLUDE_B, message: `Some config files missing: "${pattern}".`, abort: false };
  return null;
}
