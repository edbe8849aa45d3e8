/**
 * keepalived's MISC_CHECK rule (check_misc.c misc_check_child_thread), pure: the script's exit
 * status (or signal) → the checker's next state, its log line and its next run.
 *
 *  - exit 0 is up; with misc_dynamic, 2–255 is up too and sets the real server's weight to
 *    status − 2 (0 restores the configured weight); any other exit is a failure;
 *  - retry defaults to 0: failures while up are retried after delay_before_retry, silently
 *    unless log_all_failures; the last one takes the checker down (weight restored);
 *  - a script killed at misc_timeout "timed out"; another signal is a failure "due to signal";
 *  - the next run is timed from the start of this one (last_ran + delay).
 */
import type { CheckerState } from './retry';

export interface MiscParams {
  retry: number;
  delayLoopMs: number;
  delayBeforeRetryMs: number;
  dynamic: boolean;
  logAllFailures: boolean;
}

export interface MiscState extends CheckerState {
  lastExitCode: number;
  /** The weight misc_dynamic set (status − 2), or null for the configured one. */
  dynamicWeight: number | null;
}

export interface MiscRun {
  /** Exit status, or null when killed by a signal. */
  status: number | null;
  /** Signal number, when killed by one. */
  signal: number | null;
  /** The engine killed it at misc_timeout. */
  timedOut: boolean;
}

export interface MiscStep {
  state: MiscState;
  /** Delay from the start of the run that just ended. */
  delayFromStartMs: number;
  /** "succeeded" / "failed, will do 1 retry (exited with status 1)" … without the prefix. */
  log: string | null;
  /** keepalived's script_exit_type when it mails (a result that settles the checker, not a logged retry). */
  mail: 'succeeded' | 'failed' | 'timed out' | null;
  changed: boolean;
  weightChanged: boolean;
}

export function initialMiscState(p: { retry: number; alpha: boolean }): MiscState {
  return { isUp: !p.alpha, hasRun: false, retryIt: p.retry, lastExitCode: 0, dynamicWeight: null };
}

export function onMiscResult(s: MiscState, run: MiscRun, p: MiscParams): MiscStep {
  let { isUp, retryIt, lastExitCode, dynamicWeight } = s;
  let exitType: 'succeeded' | 'failed' | 'timed out' | null = null;
  let success = false;
  let reason: string | null = null;
  let messageOnly = false;
  const failing = isUp || !s.hasRun;
  const retryOrGiveUp = (): void => {
    if (retryIt < p.retry) {
      retryIt += 1;
      if (p.logAllFailures) messageOnly = true;
      else exitType = null;
    } else {
      retryIt = 0;
    }
  };
  if (run.status !== null) {
    const st = run.status;
    if (st === 0 || (p.dynamic && st >= 2 && st <= 255)) {
      if (st !== lastExitCode) {
        dynamicWeight = p.dynamic && st !== 0 ? st - 2 : null;
        lastExitCode = st;
      }
      if (!isUp || !s.hasRun) {
        exitType = 'succeeded';
        success = true;
      }
      retryIt = 0;
    } else if (failing) {
      exitType = 'failed';
      reason = `exited with status ${st}`;
      retryOrGiveUp();
      if (retryIt === 0 && exitType !== null && !messageOnly) {
        dynamicWeight = null;
        lastExitCode = st;
      }
    }
  } else if (failing) {
    if (run.timedOut) exitType = 'timed out';
    else {
      exitType = 'failed';
      reason = `due to signal ${run.signal}`;
    }
    retryOrGiveUp();
  }

  let log: string | null = null;
  if (exitType !== null) {
    let message = '';
    if (!success) {
      if (p.retry) {
        if (retryIt === 1) message = `, will do ${p.retry} ${p.retry === 1 ? 'retry' : 'retries'}`;
        else if (retryIt > 1) message = ` on retry ${retryIt - 1}/${p.retry}`;
        else message = ` after ${p.retry} ${p.retry === 1 ? 'retry' : 'retries'}`;
      } else message = ' with retry disabled';
    }
    log = `${exitType}${message}${reason ? ` (${reason})` : ''}`;
    if (!messageOnly) {
      isUp = success;
      if (!success) dynamicWeight = null;
    }
  }
  const state: MiscState = { isUp, hasRun: true, retryIt, lastExitCode, dynamicWeight };
  return {
    state,
    delayFromStartMs: retryIt ? p.delayBeforeRetryMs : p.delayLoopMs,
    log,
    mail: messageOnly ? null : exitType,
    changed: isUp !== s.isUp,
    weightChanged: dynamicWeight !== s.dynamicWeight,
  };
}
