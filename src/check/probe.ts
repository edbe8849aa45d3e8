/**
 * What a probe reports: a verdict with keepalived's reason, or no verdict because the checker
 * itself was stalled (src/check/deadline.ts).
 */
export type ProbeResult = 'success' | 'failed' | 'timeout';

export interface ProbeOutcome {
  result: ProbeResult | 'stalled';
  /**
   * keepalived's words for a failure, as its timeout_epilog/log lines start:
   * "HTTP status code error to", "Timeout connecting", "MD5 digest error to", …
   */
  reason?: string;
  /** For `stalled`: how late the timer fired (ms). */
  lateMs?: number;
  /** MISC_CHECK: the script's exit status, or its terminating signal. */
  exitCode?: number;
  signal?: number;
  /** MISC_CHECK: killed at misc_timeout. */
  timedOut?: boolean;
  /** FILE_CHECK: the number in the tracked file. */
  fileValue?: number;
}

export const SUCCESS: ProbeOutcome = Object.freeze({ result: 'success' }) as ProbeOutcome;
