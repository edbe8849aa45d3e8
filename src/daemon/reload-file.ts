/**
 * `reload_file` (global_defs): a file that says "the config is being read". keepalived 2.2.7
 * (main.c create_reload_file / remove_reload_file) makes it empty, mode rw-r--r--, before the
 * config is read for a reload, and removes it once the reading is over, valid or not; a leftover
 * is removed at start. An updater touches it before signalling a reload and waits for it to go
 * before it writes the config files again.
 *
 * The default name is keepalived's (global_data.c init_global_data) under halo's pid directory:
 * halo.reload, or halo_INSTANCE.reload when `instance` names the process (the network
 * namespace does not enter it, as in keepalived).
 */
import { closeSync, openSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { GlobalDefs } from '../config/model';
import { DEFAULT_PID_FILE } from './paths';
import { withUmaskAllowing } from './umask';

/** keepalived's RELOAD_EXTENSION. */
const RELOAD_EXTENSION = '.reload';

/** The file `reload_file` names for this config, or null when it is not set. */
export function reloadFilePath(g: Pick<GlobalDefs, 'reloadFile' | 'instanceName'>): string | null {
  if (g.reloadFile === null) return null;
  if (g.reloadFile.file !== null) return g.reloadFile.file;
  return join(dirname(DEFAULT_PID_FILE), `halo${g.instanceName !== null ? `_${g.instanceName}` : ''}${RELOAD_EXTENSION}`);
}

export interface ReloadFileLog {
  info(line: string): void;
}

/**
 * creat(2) with 0644 whatever the umask (keepalived lowers its umask around the call), an
 * existing file truncated. A failure is logged with keepalived's words and nothing else happens.
 */
export function createReloadFile(path: string, log: ReloadFileLog): void {
  try {
    withUmaskAllowing(0o044, () => closeSync(openSync(path, 'w', 0o644)));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    log.info(`Failed to create reload file (${path}) ${-(e.errno ?? 0)} - ${strerror(e)}`);
  }
}

/** unlink(2), its failure (usually ENOENT) ignored as keepalived does. */
export function removeReloadFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // keepalived does not look at unlink's result
  }
}

/** %m's text: Node's message is "CODE: text, syscall 'path'"; keep the text. */
function strerror(e: NodeJS.ErrnoException): string {
  const m = /^[A-Z]+: ([^,]+),/.exec(e.message);
  return m ? m[1].charAt(0).toUpperCase() + m[1].slice(1) : e.message;
}
