import { join } from 'node:path';
import { loadConfig } from '../../src/config/load';
import type { Model, RealServer, VirtualServer, VrrpInstance } from '../../src/config/model';

/** KEEPALIVED-MIB's fields of a virtual or real server that sets none of them (model.ts LvsMibFields). */
const NO_MIB = { retry: null, delayBeforeRetryMs: null, warmupMs: null, connectTimeoutMs: 5000, delayLoopMs: 60000, virtualhost: null, name: null };

const DIR = join(__dirname, '..', '..', 'deploy', 'examples');
const at = (file: string, line: number, col: number) => ({ file, line, col });

function load(name: string): Model {
  const r = loadConfig(join(DIR, name));
  expect(r.diagnostics).toEqual([]);
  if (!r.model) throw new Error('no model');
  return r.model;
}

const GLOBAL_DEFAULTS: Model['globalDefs'] = {
  routerId: null, smtp: { server: null, heloName: null, from: null, emails: [], connectTimeoutSec: 30, alert: null, alertVrrp: null, alertChecker: null, noEmailFaults: false, noCheckerEmails: false }, vrrpVersion: 2, vrrpMcastGroup4: '224.0.0.18', vrrpMcastGroup6: 'ff02::12', vrrpGarpMasterDelayMs: 5000,
  vrrpGarpMasterRepeat: 5, vrrpGarpMasterRefreshMs: 0, vrrpGarpMasterRefreshRepeat: 1, vrrpGarpLowerPrioDelayMs: null,
  vrrpGarpLowerPrioRepeat: null, vrrpGarpIntervalMs: 0, vrrpStartupDelayMs: 0, vrrpGnaIntervalMs: 0, vrrpLowerPrioNoAdvert: false,
  vrrpHigherPrioSendAdvert: false, vrrpStrict: false, vrrpSkipCheckAdvAddr: false, vrrpCheckUnicastSrc: false, logUnknownVrids: false, disableLocalIgmp: false, defaultInterface: null,
  vrrpDownTimerAdverts: 3, v3ChecksumAsV2: false, scriptUser: null, enableScriptSecurity: false, dynamicInterfaces: false, vmacPrefix: null, vmacAddrPrefix: null, vrrpGarpExtraIf: { sec: 0, all: false }, checkerLogAllFailures: false, enableSnmpRfcv3: false, enableSnmpRfcv2: false, enableTraps: false, snmpSocket: null, umask: null, scriptRunAs: null, netNamespace: null, instanceName: null, dataUseInstance: false, configSaveDir: null, reloadTimeFile: null, reloadRepeat: false, reloadFile: null, interfaceUpDownDelays: [], linkbeatUsePolling: false, linkbeatInterfaces: [], garpGroups: [], startupScript: null, shutdownScript: null, startupScriptTimeoutS: 10, shutdownScriptTimeoutS: 10, lvsFlush: false,
  lvsFlushOnStop: 'off', lvsSyncDaemon: null, lvsTimeouts: { tcp: null, tcpfin: null, udp: null },
  nftables: { table: null, priority: -1, ifindex: false, counters: false, defaulted: false }, nftablesIpvs: { table: null, priority: -1, startFwmark: 1000 }, other: {},
};
const NO_NOTIFY = { notify: null, notifyMaster: null, notifyBackup: null, notifyFault: null, notifyStop: null };

/**
 * The thesis's two directors differ only in state and priority (§3.8.1, §3.9); `base` is the
 * line of `vrrp_sync_group` (the header comments differ), the body's lines count from there.
 */
function thesisModel(file: string, state: 'MASTER' | 'BACKUP', priority: number, base: number): Model {
  const L = (n: number) => base + n;
  const vip = (address: string, dev: string, line: number) => ({
    address, family: 4 as const, prefixLen: 32, broadcast: null, dev, scope: 'global' as const, label: null, excluded: false,
    location: at(file, line, 17),
  });
  const instDefaults = {
    virtualRoutes: [], virtualRules: [],
    initialState: state, priority, advertIntMs: 1000, version: 2 as const, family: 4 as const, authType: 'PASS' as const,
    authPass: 'mypasswd', virtualIpAddressesExcluded: [], trackInterfaces: [], trackScripts: [], trackFiles: [], trackProcesses: [], trackBfds: [], dontTrackPrimary: false,
    mcastSrcIp: null, unicastSrcIp: null, unicastPeers: [], nopreempt: false, preemptDelayMs: 0, garpMasterDelayMs: 5000,
    garpMasterRepeat: 5, garpMasterRefreshMs: 0, garpMasterRefreshRepeat: 1, garpExtraIfMs: 0, garpExtraIfVips: [], extraVmacs: [], garpLowerPrioDelayMs: 5000,
    garpLowerPrioRepeat: 5, accept: true, strictMode: false, v3ChecksumAsV2: false, lowerPrioNoAdvert: false,
    higherPrioSendAdvert: false, skipCheckAdvAddr: false, checkUnicastSrc: false, unicastTtl: null, mcastDstIp: null, unicastChecksumCompat: 'auto' as const, faultNoPeer: false, promoteSecondaries: false, linkbeatUsePolling: false, downTimerAdverts: 3, notify: NO_NOTIFY, smtpAlert: null,
    notifyPriorityChanges: false, lvsSyncDaemonInterface: null, vmac: null, syncGroup: 'VG1',
  };
  const rs = (address: string, port: number, line: number): RealServer => ({
    address, family: 4, port, weight: 1, lvsMethod: 'NAT', inhibitOnFailure: false, uthreshold: 0, lthreshold: 0,
    notifyUp: null, notifyDown: null, alpha: false, smtpAlert: true, location: at(file, line, 9),
    snmp: { ...NO_MIB, delayLoopMs: 3000 },
    checkers: [{
      kind: 'TCP_CHECK', connectIp: address, connectPort: port, bindto: null, bindPort: null, bindIf: null, fwmark: null,
      connectTimeoutMs: 3000, retry: 1, delayBeforeRetryMs: 1000, warmupMs: 3000, delayLoopMs: 3000, alpha: false,
      logAllFailures: false, location: at(file, line + 2, 9),
    }],
  });
  const vs = (protocol: 'TCP' | 'UDP', address: string, port: number, line: number, rsAddrs: string[]): VirtualServer => ({
    key: { kind: 'addr', protocol, address, family: 4, port }, protocol, lvsSched: 'rr', lvsMethod: 'NAT',
    persistenceTimeout: null, persistenceGranularity: null, schedFlags: { flag1: false, flag2: false, flag3: false },
    ops: false, hashed: false, delayLoopMs: 3000, quorum: 1, hysteresis: 0, quorumUp: null, quorumDown: null,
    sorryServer: null, inhibitOnFailure: false, alpha: false, omega: false, haSuspend: false, smtpAlert: false,
    realServers: rsAddrs.map((a, j) => rs(a, port, line + 6 + 6 * j)), location: at(file, line, 1),
    snmp: { ...NO_MIB, delayLoopMs: 3000, weight: 1 },
  });
  const instances: VrrpInstance[] = [
    { ...instDefaults, name: 'VI_E', interface: 'eth0', virtualRouterId: 51, location: at(file, L(7), 1),
      virtualIpAddresses: [vip('192.168.1.200', 'eth0', L(17)), vip('192.168.1.202', 'eth0', L(18))] },
    { ...instDefaults, name: 'VI_I', interface: 'eth1', virtualRouterId: 52, location: at(file, L(22), 2),
      virtualIpAddresses: [vip('10.0.100.200', 'eth1', L(32))] },
  ];
  return {
    file,
    globalDefs: GLOBAL_DEFAULTS,
    vrrpScripts: [],
    ssl: null,
    trackFiles: [],
    vrrpTrackProcesses: [],
    bfdInstances: [],
    announces: [],
    staticAddresses: [],
    staticRoutes: [],
    staticRules: [],
    vrrpSyncGroups: [{ name: 'VG1', group: ['VI_E', 'VI_I'], notify: NO_NOTIFY, smtpAlert: null, trackInterfaces: [], trackScripts: [], trackFiles: [], trackProcesses: [], trackBfds: [], trackingWeight: false, location: at(file, L(0), 1) }],
    vrrpInstances: instances,
    virtualServerGroups: [],
    virtualServers: [
      vs('TCP', '192.168.1.202', 80, L(36), ['10.0.100.2', '10.0.100.3', '10.0.100.4']),
      vs('UDP', '192.168.1.200', 53, L(63), ['10.0.100.5', '10.0.100.6', '10.0.100.7']),
    ],
  };
}

describe('deploy/examples parse to exactly the expected model', () => {
  it('master.conf (thesis §3.8.1)', () => {
    const file = join(DIR, 'master.conf');
    expect(load('master.conf')).toEqual(thesisModel(file, 'MASTER', 150, 5));
  });

  it('standby.conf (thesis §3.9, written out in full)', () => {
    const file = join(DIR, 'standby.conf');
    expect(load('standby.conf')).toEqual(thesisModel(file, 'BACKUP', 100, 9));
  });

  it('sync-group.conf', () => {
    const file = join(DIR, 'sync-group.conf');
    const m = load('sync-group.conf');
    expect(m.globalDefs).toEqual({
      ...GLOBAL_DEFAULTS, routerId: 'lb1', vrrpVersion: 3, vrrpGarpMasterDelayMs: 1000, vrrpGarpMasterRefreshMs: 60000,
      scriptUser: 'root', enableScriptSecurity: true, lvsFlushOnStop: 'vs',
    });
    expect(m.vrrpScripts).toEqual([{
      name: 'chk_sshd', script: ['/usr/bin/pgrep', '-x', 'sshd'], intervalMs: 2000, timeoutMs: null, weight: 0,
      weightReverse: false, rise: 2, fall: 2, user: null, runAs: null, initState: 'unknown', location: at(file, 18, 1),
    }]);
    expect(m.vrrpSyncGroups).toEqual([{
      name: 'G_LB', group: ['VI_EXT', 'VI_INT'], smtpAlert: null, trackInterfaces: [], trackScripts: [], trackFiles: [], trackProcesses: [], trackBfds: [], trackingWeight: false, location: at(file, 25, 1),
      notify: { ...NO_NOTIFY, notifyMaster: ['/etc/halo/notify.sh', 'master'], notifyBackup: ['/etc/halo/notify.sh', 'backup'], notifyFault: ['/etc/halo/notify.sh', 'fault'] },
    }]);
    const common = {
      initialState: 'BACKUP', priority: 120, advertIntMs: 500, version: 3, family: 4, authType: 'NONE', authPass: null,
      virtualIpAddressesExcluded: [], virtualRoutes: [], virtualRules: [], dontTrackPrimary: false, mcastSrcIp: null, nopreempt: true, preemptDelayMs: 0,
      garpMasterDelayMs: 1000, garpMasterRepeat: 5, garpMasterRefreshMs: 60000, garpMasterRefreshRepeat: 1, garpExtraIfMs: 0, garpExtraIfVips: [], extraVmacs: [],
      garpLowerPrioDelayMs: 1000, garpLowerPrioRepeat: 5, accept: true, strictMode: false, v3ChecksumAsV2: false,
      lowerPrioNoAdvert: false, higherPrioSendAdvert: false, skipCheckAdvAddr: false, checkUnicastSrc: false, unicastTtl: null, mcastDstIp: null, unicastChecksumCompat: 'auto' as const, faultNoPeer: false, promoteSecondaries: false, linkbeatUsePolling: false, downTimerAdverts: 3, notify: NO_NOTIFY, smtpAlert: null,
      notifyPriorityChanges: false, lvsSyncDaemonInterface: null, vmac: null, syncGroup: 'G_LB', trackBfds: [],
    };
    const vip = (address: string, line: number, extra: object) => ({
      address, family: 4, prefixLen: 24, broadcast: null, dev: 'eth0', scope: 'global', label: null, excluded: false,
      location: at(file, line, 9), ...extra,
    });
    expect(m.vrrpInstances).toEqual([
      { ...common, name: 'VI_EXT', interface: 'eth0', virtualRouterId: 61, unicastSrcIp: '192.0.2.11',
        unicastPeers: [{ address: '192.0.2.12', minTtl: null, maxTtl: null }], trackInterfaces: [{ name: 'eth1', weight: 0 }],
        trackScripts: [{ name: 'chk_sshd', weight: null, weightReverse: false }], trackFiles: [], trackProcesses: [], location: at(file, 35, 1),
        virtualIpAddresses: [vip('192.0.2.100', 54, { label: 'eth0:vip' }), vip('192.0.2.101', 55, { broadcast: '192.0.2.255' })] },
      { ...common, name: 'VI_INT', interface: 'eth1', virtualRouterId: 62, unicastSrcIp: '198.51.100.11',
        unicastPeers: [{ address: '198.51.100.12', minTtl: null, maxTtl: null }], trackInterfaces: [], trackScripts: [], trackFiles: [], trackProcesses: [], trackBfds: [],
        location: at(file, 59, 1), virtualIpAddresses: [vip('198.51.100.1', 71, { dev: 'eth1' })] },
    ]);
    const tcp = (address: string, connectTimeoutMs: number, line: number) => ({
      kind: 'TCP_CHECK', connectIp: address, connectPort: 443, bindto: null, bindPort: null, bindIf: null, fwmark: null,
      connectTimeoutMs, retry: 2, delayBeforeRetryMs: 1000, warmupMs: 5000, delayLoopMs: 5000, alpha: false,
      logAllFailures: false, location: at(file, line, 9),
    });
    const rsCommon = {
      family: 4, port: 443, lvsMethod: 'DR', uthreshold: 0, lthreshold: 0, notifyUp: null, notifyDown: null, alpha: false, smtpAlert: true,
      snmp: { ...NO_MIB, retry: 2, connectTimeoutMs: 2000, delayLoopMs: 5000 },
    };
    expect(m.virtualServers).toEqual([{
      key: { kind: 'addr', protocol: 'TCP', address: '192.0.2.100', family: 4, port: 443 }, protocol: 'TCP',
      lvsSched: 'wlc', lvsMethod: 'DR', persistenceTimeout: 360, persistenceGranularity: null,
      schedFlags: { flag1: false, flag2: false, flag3: false }, ops: false, hashed: false, delayLoopMs: 5000, quorum: 1,
      hysteresis: 0, quorumUp: null, quorumDown: null, sorryServer: null, inhibitOnFailure: false, alpha: false,
      omega: false, haSuspend: false, smtpAlert: false, location: at(file, 75, 1),
      snmp: { ...NO_MIB, retry: 2, connectTimeoutMs: 2000, delayLoopMs: 5000, weight: 1 },
      realServers: [
        { ...rsCommon, address: '198.51.100.21', weight: 2, inhibitOnFailure: true, location: at(file, 85, 5), checkers: [tcp('198.51.100.21', 2000, 88)] },
        { ...rsCommon, address: '198.51.100.22', weight: 1, inhibitOnFailure: false, location: at(file, 91, 5), checkers: [tcp('198.51.100.22', 1000, 93)] },
      ],
    }]);
    expect(m.virtualServerGroups).toEqual([]);
  });
});
