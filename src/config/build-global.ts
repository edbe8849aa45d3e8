/** global_defs and vrrp_script blocks → model, with keepalived's defaults. */
import type { BuildContext } from './context';
import type { GlobalDefs, VrrpScript } from './model';
import { applySection } from './keywords/apply';
import { GLOBAL_DEFS } from './keywords/global';
import { VRRP_SCRIPT } from './keywords/vrrp';
import type { Statement } from './parse';

export function defaultGlobalDefs(): GlobalDefs {
  return {
    routerId: null,
    smtp: { server: null, heloName: null, from: null, emails: [], connectTimeoutSec: 30, alert: null, alertVrrp: null, alertChecker: null, noEmailFaults: false, noCheckerEmails: false },
    vrrpVersion: 2,
    vrrpMcastGroup4: '224.0.0.18',
    vrrpMcastGroup6: 'ff02::12',
    vrrpGarpMasterDelayMs: 5000,
    vrrpGarpMasterRepeat: 5,
    vrrpGarpMasterRefreshMs: 0,
    vrrpGarpMasterRefreshRepeat: 1,
    vrrpGarpExtraIf: { sec: 0, all: false },
    vrrpGarpLowerPrioDelayMs: null,
    vrrpGarpLowerPrioRepeat: null,
    vrrpGarpIntervalMs: 0,
    vrrpStartupDelayMs: 0,
    vrrpGnaIntervalMs: 0,
    vrrpLowerPrioNoAdvert: false,
    vrrpHigherPrioSendAdvert: false,
    vrrpStrict: false,
    nftables: { table: null, priority: -1, ifindex: false, counters: false, defaulted: false },
    nftablesIpvs: { table: null, priority: -1, startFwmark: 1000 }, // DEFAULT_IPVS_NF_START_FWMARK
    vrrpSkipCheckAdvAddr: false,
    vrrpCheckUnicastSrc: false,
    logUnknownVrids: false,
    disableLocalIgmp: false,
    defaultInterface: null,
    vrrpDownTimerAdverts: 3,
    v3ChecksumAsV2: false,
    scriptUser: null,
    scriptRunAs: null,
    netNamespace: null,
    configSaveDir: null,
    reloadTimeFile: null,
    reloadRepeat: false,
    reloadFile: null,
    interfaceUpDownDelays: [],
    linkbeatUsePolling: false,
    linkbeatInterfaces: [],
    garpGroups: [],
    instanceName: null,
    dataUseInstance: false,
    startupScript: null,
    shutdownScript: null,
    startupScriptTimeoutS: 10,
    shutdownScriptTimeoutS: 10,
    checkerLogAllFailures: false,
    enableSnmpRfcv3: false,
    enableSnmpRfcv2: false,
    enableTraps: false,
    snmpSocket: null,
    umask: null,
    enableScriptSecurity: false,
    dynamicInterfaces: false,
    vmacPrefix: null,
    vmacAddrPrefix: null,
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
    rise: 1, fall: 1, user: null, runAs: null, initState: 'unknown', location: ctx.loc(s.keyword),
  };
  const draft = Object.assign(vs, { hasScript: false, userFailed: false });
  applySection(ctx, block, VRRP_SCRIPT, draft, `vrrp_script ${vs.name}`);
  const { hasScript, userFailed } = draft;
  delete (vs as Partial<typeof draft>).hasScript;
  delete (vs as Partial<typeof draft>).userFailed;
  if (!hasScript) {
    ctx.warn(s.keyword, `No script set for vrrp_script ${vs.name} - removing`);
    return null;
  }
  // keepalived removes a script whose user cannot be set (the warning was given at `user`).
  if (userFailed) return null;
  return vs;
}
