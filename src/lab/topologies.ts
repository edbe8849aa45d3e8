/**
 * `halo lab drill --topology vrrp+ecmp`: the two drills' failures side by side (pure). The VRRP
 * pair moves every flow when its master goes; the ECMP directors lose only the lost director's
 * share. Each line names the figure and its validity as its own drill judged it.
 */
import type { DrillResult } from './drill';
import type { EcmpPhaseResult } from './ecmp-phase';

function vrrpLine(r: DrillResult): string[] {
  return r.phases.map((ph) => {
    const o = ph.http.outageMs;
    return `vrrp  ${`${r.mode} #${r.run}`.padEnd(14)} ${ph.name.padEnd(36)} outage ${o === null ? 'unmeasured' : `${o} ms`}${ph.valid ? '' : ' (inconclusive)'}`;
  });
}

function ecmpLine(r: EcmpPhaseResult): string {
  const failing = r.http.failed + r.http.timedOut + r.http.hung;
  return `ecmp  ${r.director.padEnd(14)} ${r.name.padEnd(36)} failing window ${r.http.outageMs} ms (${failing} of ${r.http.requests} new connections), broken flows ${r.brokenFlowsOnDirector ?? '?'} of ${r.flowsOnDirector ?? '?'} on the director${r.inconclusive ? ' (inconclusive)' : ''}`;
}

export function formatTopologies(vrrp: DrillResult[], ecmp: EcmpPhaseResult[]): string {
  return `${['vrrp (active/standby) beside ecmp (active-active): new connections', ...vrrp.flatMap(vrrpLine), ...ecmp.map(ecmpLine)].join('\n')}\n`;
}
