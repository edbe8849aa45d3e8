/**
 * Kernel errors as values with a place: the errno name plus the operation that failed,
 * e.g. `EPERM adding 192.168.1.200/32 to eth0`. Every src/net module reports failures this way
 * so the daemon can log one clear line and carry on.
 */
import { getSystemErrorMap } from 'util';

export class NetError extends Error {
  override readonly name = 'NetError';
  constructor(
    /** errno name (`EPERM`), or `EUNKNOWN` when the library did not say. */
    readonly code: string,
    /** What was being done, in words: `adding 192.168.1.200/32 to eth0`. */
    readonly operation: string,
  ) {
    super(`${code} ${operation}`);
  }
}

export type NetResult<T> = { ok: true; value: T } | { ok: false; error: NetError };

export const ok = <T>(value: T): NetResult<T> => ({ ok: true, value });
export const fail = <T = never>(code: string, operation: string): NetResult<T> => ({
  ok: false,
  error: new NetError(code, operation),
});

const ERRNO_NAME = /\b(E[A-Z0-9]{2,})\b/;

/**
 * glibc strerror() texts that differ from libuv's wording. raw-socket reports failures only as
 * strerror() text (no errno), so the name is recovered from the message.
 */
const GLIBC_MESSAGES: Record<string, string> = {
  'cannot assign requested address': 'EADDRNOTAVAIL',
  'resource temporarily unavailable': 'EAGAIN',
  'message too long': 'EMSGSIZE',
  'no such device or address': 'ENXIO',
  'file exists': 'EEXIST',
  'protocol not supported': 'EPROTONOSUPPORT',
  // The netlink package's own request timeout.
  'timeout has been reached': 'ETIMEDOUT',
};

let uvMessages: Map<string, string> | undefined;

function nameFromText(text: string): string | undefined {
  const key = text.trim().toLowerCase();
  if (GLIBC_MESSAGES[key]) return GLIBC_MESSAGES[key];
  if (!uvMessages) {
    uvMessages = new Map();
    for (const [name, message] of getSystemErrorMap().values()) uvMessages.set(message.toLowerCase(), name);
  }
  return uvMessages.get(key);
}

/**
 * The errno name carried by an error from netlink (`Request rejected: EEXIST`, a plain Error),
 * from a Node ErrnoException (`.code`), from halo_native (`.code`) or from raw-socket
 * (strerror text only).
 */
export function errnoName(err: unknown): string {
  if (err && typeof err === 'object') {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)) return code;
  }
  // Duck-typed: errors from native addons may come from another realm (e.g. jest's sandbox).
  const message = err && typeof (err as { message?: unknown }).message === 'string' ? (err as Error).message : String(err);
  const named = ERRNO_NAME.exec(message);
  if (named) return named[1];
  return nameFromText(message) ?? 'EUNKNOWN';
}

/** Wrap any thrown value as a NetError for `operation`. */
export function netError(err: unknown, operation: string): NetError {
  return new NetError(errnoName(err), operation);
}
