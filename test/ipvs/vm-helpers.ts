/** Helpers for the IPVS kernel tests (run as root on a kernel with IPVS: the VM tier). */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '../..');

export function sh(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', input, maxBuffer: 256 << 20 });
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Run {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 << 20, env: env ?? process.env });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms };
}

let cliPath: string | undefined;
/**
 * The real `halo` CLI, transpiled from the current sources by test/vm/build-halo-cli.js.
 * test/vm/run-tier.sh builds it on the host before the VM boots (loading TypeScript under
 * software emulation takes half a minute); built here only when missing.
 */
export function haloCli(): string {
  const built = path.join(REPO, 'test/vm/cache/dist/cli/main.js');
  cliPath ??= existsSync(built) ? built : sh('node', [path.join(REPO, 'test/vm/build-halo-cli.js')]).trim();
  return cliPath;
}

export const halo = (args: string[]): Run => run('node', [haloCli(), 'ipvs', ...args]);
export const ipvsadm = (args: string[]): Run => run('ipvsadm', args);

/** A short account of where two outputs part (the whole text is useless at 10,000 services). */
export function firstDifference(want: string, got: string): string | undefined {
  if (want === got) return undefined;
  const a = want.split('\n');
  const b = got.split('\n');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const ctx = (l: string[]) => l.slice(Math.max(0, i - 2), i + 3).map((x) => JSON.stringify(x)).join('\n    ');
  return `line ${i + 1} differs (of ${a.length} vs ${b.length})\n  expected:\n    ${ctx(a)}\n  got:\n    ${ctx(b)}`;
}
