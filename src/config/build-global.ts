/** global_defs and vrrp_script blocks → model, with keepalived's defaults. */
import type { BuildContext } from './context';
import { splitCommand } from './context';
import type { GlobalDefs, VrrpScript } from './model';
import { applySection } from './keywords/apply';
import { GLOBAL_DEFS } from './keywords/global';
import type { Statement } from './parse';

export function defaultGlobalDefs(): GlobalDefs {
  return {
    routerId: null,
    vrrpVersion: 2,
    vrrpMcastGroup4: '224.0.0.18',
    vrrpMcastGroup6: 'ff02::12',
    vrrpGarpMasterDelayMs: 5000,
    vrrpGarpMasterRepeat: 5,
    vrrpGarpMasterRefreshMs: 0,
    vrrpGarpMasterRefreshRepeat: 1,
    vrrpGarpLowerPrioDelayMs: null,
    vrrpGarpLowerPrioRepeat: null,
    vrrpGarpIntervalMs: 0,
    vrrpGnaIntervalMs: 0,
    vrrpLowerPrioNoAdvert: false,
    vrrpHigherPrioSendAdvert: false,
    vrrpStrict: false,
    vrrpSkipCheckAdvAddr: false,
    vrrpCheckUnicastSrc: false,
    vrrpDownTimerAdverts: 3,
    v3ChecksumAsV2: false,
    scriptUser: null,
    checkerLogAllFailures: false,
    enableScriptSecurity: false,
    lvsFlush: false,
    lvsFlushOnStop: 'off',
    lvsSyncDaemon: null,
    lvsTimeouts: { tcp: null, tcpfin: null, udp: null },
    other: {},
  };
}

export function buildGlobalDefs(ctx: BuildContext, block: Statement[], g: GlobalDefs): void {
  applySection(ctx, block, GLOBAL_DEFS, g, 'global_defs');
}

/** `vrrp_script NAME { script ...; interval; timeout; weight N [reverse]; rise; fall; user; init_fail }` */
export function buildVrrpScript(ctx: BuildContext, s: Statement): VrrpScript | null {
  const name = ctx.arg(s, 0, 'a name');
  const block = ctx.needBlock(s);
  if (!name || !block) return null;
  const vs: VrrpScript = {
    name: name.value, script: [], intervalMs: 1000, timeoutMs: null, weight: 0, weightReverse: false,
    rise: 1, fall: 1, user: null, initState: 'unknown', location: ctx.loc(s.keyword),
  };
  let hasScript = false;
  for (const b of block) {
    ctx.checkBlock(b);
    switch (b.keyword.value) {
      case 'script':
        if (b.args.length === 0) ctx.error(b.keyword, "'script' needs a command");
        else {
          hasScript = true;
          vs.script = b.args.length === 1 ? splitCommand(b.args[0].value) : b.args.map((w) => w.value);
        }
        break;
      case 'interval': vs.intervalMs = ctx.timerMs(b, 0.001, 86400) ?? vs.intervalMs; break;
      case 'timeout': vs.timeoutMs = ctx.timerMs(b, 0.001, 86400) ?? vs.timeoutMs; break;
      case 'weight': {
        vs.weight = ctx.int(b, -254, 254) ?? vs.weight;
        if (b.args[1]?.value === 'reverse') vs.weightReverse = true;
        else if (b.args[1]) ctx.warn(b.args[1], `weight: unknown option '${b.args[1].value}'`);
        break;
      }
      case 'rise': vs.rise = ctx.int(b, 1, 1_000_000) ?? vs.rise; break;
      case 'fall': vs.fall = ctx.int(b, 1, 1_000_000) ?? vs.fall; break;
      case 'user': vs.user = ctx.str(b); break;
      case 'init_fail': vs.initState = 'down'; break;
      default: ctx.unknown(b, `vrrp_script ${vs.name}`);
    }
  }
  if (!hasScript) {
    ctx.warn(s.keyword, `No script set for vrrp_script ${vs.name} - removing`);
    return null;
  }
  return vs;
}
