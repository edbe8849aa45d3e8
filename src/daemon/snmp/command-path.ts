/**
 * The path keepalived shows for a script (its check_script_secure rewrites args[0] at config
 * time): a bare name searched on PATH, then symbolic links, `.` and `..` resolved with realpath,
 * keeping the file name as written when the link's target is named differently (some programs
 * act on the name they are called by). A path that cannot be resolved is shown as written.
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { searchPath } from '../notify';

export function keepalivedCommandPath(file: string, realpath: (p: string) => string = realpathSync, search: (f: string) => string | null = searchPath): string {
  // "</path": a file-readable test, not run
  if (/^<\s*\//.test(file)) return file;
  const found = file.includes('/') ? file : search(file);
  if (found === null) return file;
  let real: string;
  try {
    real = realpath(found);
  } catch {
    return file;
  }
  return basename(real) === basename(found) ? real : join(dirname(real), basename(found));
}
