/**
 * keepalived's default umask (lib/utils.c umask_val: S_IXUSR | S_IRWXG | S_IRWXO), set by its
 * main() at start unless -u/--umask or global_defs umask says otherwise: its files, FIFOs and
 * every script it runs get it.
 */
export const KEEPALIVED_UMASK = 0o177;
