/** Helpers for the IPVS kernel tests (run as root on a kernel with IPVS: the VM tier). */
import { execFileSync, spawnSync } from 'node:child_process';
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
/** The real `halo` CLI, transpiled from the current sources (test/vm/build-halo-cli.js). */
export function haloCli(): string {
  cliPath ??= sh('node', [path.join(REPO, 'test/vm/build-halo-cli.js')]).trim();
  return cliPath;
}

export const halo = (args: string[]): Run => run('node', [haloCli(), ...args]);
export const ipvsadm = (args: string[]): Run => run('ipvsadm', args);
