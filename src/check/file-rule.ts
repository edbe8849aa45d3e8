/**
 * keepalived's FILE_CHECK rule (track_file.c update_track_file_status /
 * process_update_checker_track_file_status), pure: the file's value × weight (× −1 with
 * reverse) is added to the real server's weight; INT_MIN is a fault (down). With weight 0 any
 * non-zero value is a fault (with reverse: zero is).
 */
import type { CheckerState } from './retry';

export const IPVS_WEIGHT_FAULT = -0x80000000;

export function fileStatus(value: number, weight: number, reverse: boolean): number {
  if (weight === 0) return (value !== 0) !== reverse ? IPVS_WEIGHT_FAULT : 0;
  const v = value * weight * (reverse ? -1 : 1);
  return Math.max(IPVS_WEIGHT_FAULT, Math.min(0x7fffffff, v));
}

export function onFileValue(s: CheckerState, value: number, p: { weight: number; reverse: boolean }): { state: CheckerState; changed: boolean; weightChanged: boolean } {
  const status = fileStatus(value, p.weight, p.reverse);
  const isUp = status !== IPVS_WEIGHT_FAULT;
  const add = isUp ? status : 0;
  const weightChanged = (s.fileOffset ?? 0) !== add;
  return { state: { ...s, isUp, hasRun: true, fileValue: value, fileOffset: add }, changed: isUp !== s.isUp, weightChanged };
}
