/**
 * The real-world corpus (../shared/corpus/realworld) and the two verdicts on each file:
 * keepalived 2.2.7's (`keepalived -t`, run now) and halo's (its config front end).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load';
import { formatDiagnostic } from '../../src/config/model';

const CORPUS = join(__dirname, '..', '..', '..', 'shared', 'corpus', 'realworld');
export const CORPUS_DIR = existsSync(CORPUS) ? CORPUS : '/work/shared/corpus/realworld';

export interface HaloVerdict {
  starts: boolean;
  first: string;
  /** How many errors are "not implemented in halo" refusals, of `errors`. */
  notImplemented: number;
  errors: number;
}

export interface HaloVerdict {
  starts: boolean;
  first: string;
  /** How many errors are "not implemented in halo" refusals, of `errors`. */
  notImplemented: number;
  errors: number;
}

export interface Verdict {
  file: string;
  keepalived: { starts: boolean; exit: number | null; first: string; output: string };
  /** halo as `halo run` would do: a feature it does not implement is refused (fail closed). */
  halo: HaloVerdict;
  /** halo under --allow-unimplemented: whether its leniency matches keepalived's. */
  haloLenient: HaloVerdict;
}

export function corpusFiles(): string[] {
  return readdirSync(CORPUS_DIR).filter((f) => /^\d{3}-.*\.conf$/.test(f)).sort();
}

export function corpusPath(f: string): string {
  return join(CORPUS_DIR, f);
}

/** keepalived -t's verdict: exit 1 (fatal) or 2 (config) = it would not start. */
export function keepalivedVerdict(path: string): Verdict['keepalived'] {
  const r = spawnSync('keepalived', ['-t', '-f', path], { encoding: 'utf8', timeout: 30_000 });
  const lines = (r.stderr ?? '').split('\n').filter((l) => l.trim() !== '');
  const exit = r.status;
  const first = lines.find((l) => /rror|invalid|malformed|missing/i.test(l)) ?? lines[0] ?? '';
  return { starts: exit !== 1 && exit !== 2 && exit !== null, exit, first, output: r.stderr ?? '' };
}

export function haloVerdict(path: string, opts: { allowUnimplemented?: boolean } = {}): Verdict['halo'] {
  const r = loadConfig(path, opts);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  const first = errors[0] ?? r.diagnostics[0];
  return {
    starts: r.model !== null,
    first: first ? formatDiagnostic(first).slice(CORPUS_DIR.length + 1) : '',
    notImplemented: errors.filter((d) => / is not implemented in halo\b/.test(d.message)).length,
    errors: errors.length,
  };
}
