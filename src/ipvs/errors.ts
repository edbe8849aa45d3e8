/**
 * Kernel errors as values with a place: the errno name and what halo was doing
 * ("EEXIST adding service TCP 10.0.0.1:80").
 */
import { constants } from 'node:os';

const ERRNO_NAMES = new Map<number, string>();
for (const [name, num] of Object.entries(constants.errno)) {
  if (!ERRNO_NAMES.has(num)) ERRNO_NAMES.set(num, name);
}

/** "EEXIST" for 17; "errno 999" for numbers Node does not name. */
export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(Math.abs(errno)) ?? `errno ${Math.abs(errno)}`;
}

export class IpvsError extends Error {
  /** Positive errno (EEXIST = 17). */
  readonly errno: number;
  /** Errno name, e.g. "EEXIST". */
  readonly code: string;
  /** What was being done, e.g. "adding service TCP 10.0.0.1:80". */
  readonly operation: string;

  constructor(errno: number, operation: string) {
    const code = errnoName(errno);
    super(`${code} ${operation}`);
    this.name = 'IpvsError';
    this.errno = Math.abs(errno);
    this.code = code;
    this.operation = operation;
  }
}
