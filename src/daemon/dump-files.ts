/**
 * Where keepalived 2.2.7 writes the files it dumps on request (D-Bus PrintData / PrintStats,
 * SIGUSR1 / SIGUSR2), which halo's D-Bus methods write too. Pure.
 *
 * - lib/utils.c set_tmp_dir, once at start: $TMPDIR when it is an absolute path, else /tmp
 *   (KA_TMP_DIR, Debian's build). A test, or a second daemon, gives its own TMPDIR.
 * - core/global_data.c open_dump_file (keepalived.data): with data_use_instance and an instance
 *   name or a network namespace, `DIR/keepalived.NS_INSTANCE.data` (either part alone without
 *   the `_`); else `DIR/keepalived.data`.
 * - vrrp/vrrp_print.c vrrp_print_stats (keepalived.stats): make_tmp_filename, `DIR/NAME` always.
 */
import type { GlobalDefs } from '../config/model';

/** keepalived's configure default for --with-tmp-dir. */
export const KA_TMP_DIR = '/tmp';

export function tmpDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.TMPDIR;
  return dir !== undefined && dir.startsWith('/') ? dir : KA_TMP_DIR;
}

/** make_tmp_filename. */
export function tmpFile(dir: string, name: string): string {
  return `${dir}/${name}`;
}

export type DumpNaming = Pick<GlobalDefs, 'dataUseInstance' | 'instanceName' | 'netNamespace'>;

/** open_dump_file: `name` has an extension (keepalived.data, keepalived_parent.data, ...). */
export function dumpFile(dir: string, name: string, g: DumpNaming): string {
  if (!g.dataUseInstance || (g.instanceName === null && g.netNamespace === null)) return tmpFile(dir, name);
  const dot = name.lastIndexOf('.');
  const sep = g.instanceName !== null && g.netNamespace !== null ? '_' : '';
  return `${dir}/${name.slice(0, dot)}.${g.netNamespace ?? ''}${sep}${g.instanceName ?? ''}${name.slice(dot)}`;
}
