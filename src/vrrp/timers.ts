/**
 * RFC timer arithmetic, done the way keepalived does it (integer microseconds, keepalived
 * `vrrp.h` VRRP_TIMER_SKEW / VRRP_MS_DOWN_TIMER) and returned in milliseconds:
 *
 *   v2 (RFC 3768 §6.1): Skew_Time = (256 − Priority) / 256 s, independent of the interval.
 *   v3 (RFC 5798 §6.1): Skew_Time = ((256 − Priority) × Master_Adver_Interval) / 256,
 *                        with the master's interval as learned from its adverts.
 *   Master_Down_Interval = down_timer_adverts (3) × Master_Adver_Interval + Skew_Time.
 *
 * The address owner (priority 255) uses 255 whatever its effective priority, as keepalived does.
 */

export type Version = 2 | 3;

export function skewTimeMs(version: Version, priority: number, masterAdverIntMs: number): number {
  const p = 256 - priority;
  if (version === 3) {
    // keepalived: p × (interval in cs) × 625 / 16 µs, integer division.
    const cs = Math.round(masterAdverIntMs / 10);
    return Math.floor((p * cs * 625) / 16) / 1000;
  }
  return Math.floor((p * 1_000_000) / 256) / 1000;
}

export function masterDownIntervalMs(
  version: Version,
  priority: number,
  masterAdverIntMs: number,
  downTimerAdverts = 3,
): number {
  return downTimerAdverts * masterAdverIntMs + skewTimeMs(version, priority, masterAdverIntMs);
}
