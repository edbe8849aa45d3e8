/**
 * The part of glob(3) keepalived's `include` uses: `*`, `?` and `[...]` in any path
 * component, results sorted. Node 20 has no fs.glob, and one small matcher is less than a
 * dependency.
 */
import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

const MAGIC = /[*?[]/;

/** Absolute paths matching `pattern` (relative patterns resolve against `baseDir`). */
export function expandGlob(pattern: string, baseDir: string): string[] {
  return globCounting(pattern, baseDir).matches;
}

/**
 * The matches, and what keepalived's glob hooks count on the way (lib/parser.c gl_lstat,
 * gl_opendir): `missing`, the literal paths that did not exist and the directories that could
 * not be opened; `wildcard`, whether a directory had to be read.
 */
export function globCounting(pattern: string, baseDir: string): { matches: string[]; missing: number; wildcard: boolean } {
  const abs = isAbsolute(pattern) ? pattern : resolve(baseDir, pattern);
  if (!MAGIC.test(abs)) return exists(abs) ? { matches: [abs], missing: 0, wildcard: false } : { matches: [], missing: 1, wildcard: false };
  const parts = abs.split('/').filter((p) => p !== '');
  let paths = ['/'];
  let missing = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const next: string[] = [];
    for (const dir of paths) {
      if (!MAGIC.test(part)) {
        const p = join(dir, part);
        if (exists(p)) next.push(p);
        else missing++;
        continue;
      }
      const re = componentRegex(part);
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        missing++;
        continue;
      }
      // Like glob(3) without GLOB_PERIOD: a wildcard does not match a leading dot.
      for (const name of names.sort()) if (re.test(name) && (name[0] !== '.' || part[0] === '.')) next.push(join(dir, name));
    }
    paths = next;
  }
  return { matches: paths.sort(), missing, wildcard: true };
}

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

function componentRegex(part: string): RegExp {
  let re = '^';
  for (let i = 0; i < part.length; i++) {
    const c = part[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = part.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = part.slice(i + 1, end);
      if (body[0] === '!') body = '^' + body.slice(1);
      re += '[' + body.replace(/\\/g, '\\\\') + ']';
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(re + '$');
}
