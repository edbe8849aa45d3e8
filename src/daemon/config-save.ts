/**
 * config_save_dir: keepalived's parent saves each reading of its config (at start and at every
 * reload) as DIR/keepalived.conf.PID.N, N counting from 0, in the consolidated form it hands
 * its children (lib/parser.c: `# FILE`, decommented lines, `!` at a file's end). halo saves
 * the same bytes, named after the supervisor's pid (the pid in the pid file); a respawned worker
 * counts on from the files already there.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { preprocess } from '../config/preprocess';

/** The next N for `keepalived.conf.PID.N` among `names`. */
export function nextCopyIndex(names: string[], pid: number): number {
  const re = new RegExp(`^keepalived\\.conf\\.${pid}\\.(\\d+)$`);
  let next = 0;
  for (const n of names) {
    const m = re.exec(n);
    if (m) next = Math.max(next, Number(m[1]) + 1);
  }
  return next;
}

export interface SaveDeps {
  log: { info(m: string): void };
  configId?: string;
  allConfig?: boolean;
}

/** Save the config copy; failures are logged (keepalived: nothing to be done about them). Returns the file written. */
export function saveConfigCopy(dir: string, configFile: string, pid: number, deps: SaveDeps): string | null {
  try {
    statSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return null;
    try {
      // keepalived: mkdir(S_IRWXU) under its own umask (0177 unless set): rw for root only
      mkdirSync(dir, { mode: 0o600 });
    } catch (e) {
      deps.log.info(`Unable to create config_save_dir ${dir} (error ${(e as NodeJS.ErrnoException).errno ?? ''} - ${(e as Error).message})`);
      return null;
    }
  }
  try {
    const copy = preprocess(readFileSync(configFile, 'utf8'), configFile, { configId: deps.configId, allConfig: deps.allConfig, copy: true }).copy ?? '';
    const path = join(dir, `keepalived.conf.${pid}.${nextCopyIndex(readdirSync(dir), pid)}`);
    writeFileSync(path, copy, { mode: 0o600 });
    return path;
  } catch (err) {
    deps.log.info(`config_save_dir: cannot save the config in ${dir}: ${(err as Error).message}`);
    return null;
  }
}
