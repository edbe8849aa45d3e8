/**
 * keepalived's default umask (lib/utils.c umask_val: S_IXUSR | S_IRWXG | S_IRWXO), set by its
 * main() at start unless -u/--umask or global_defs umask says otherwise: its files, FIFOs and
 * every script it runs get it.
 */
export const KEEPALIVED_UMASK = 0o177;

/** Runs `fn` with the bits of `mode` taken out of the umask, then puts the umask back. */
export function withUmaskAllowing<T>(mode: number, fn: () => T): T {
  const old = process.umask(process.umask() & ~mode);
  try {
    return fn();
  } finally {
    process.umask(old);
  }
}
