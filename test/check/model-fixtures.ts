/** Builders for config-model values with keepalived's defaults, for the IPVS and check unit tests. */
import type { RealServer, TcpCheck, VirtualServer, VirtualServerGroup } from '../../src/config/model';

const here = { file: 'test.conf', line: 1, col: 1 };

export function tcpCheck(over: Partial<TcpCheck> = {}): TcpCheck {
  return {
    kind: 'TCP_CHECK',
    connectIp: '10.0.100.2',
    connectPort: 80,
    bindto: null,
    bindPort: null,
    bindIf: null,
    fwmark: null,
    connectTimeoutMs: 5000,
    retry: 1,
    delayBeforeRetryMs: 1000,
    warmupMs: 60000,
    delayLoopMs: 60000,
    alpha: false,
    logAllFailures: false,
    location: here,
    ...over,
  };
}

export function realServer(address: string, port: number, over: Partial<RealServer> = {}): RealServer {
  return {
    address,
    family: address.includes(':') ? 6 : 4,
    port,
    weight: 1,
    lvsMethod: 'NAT',
    inhibitOnFailure: false,
    uthreshold: 0,
    lthreshold: 0,
    notifyUp: null,
    notifyDown: null,
    alpha: false,
    smtpAlert: true,
    checkers: [tcpCheck({ connectIp: address, connectPort: port })],
    location: here,
    ...over,
  };
}

export function virtualServer(over: Partial<VirtualServer> = {}): VirtualServer {
  return {
    key: { kind: 'addr', protocol: 'TCP', address: '192.168.1.202', family: 4, port: 80 },
    protocol: 'TCP',
    lvsSched: 'wlc',
    lvsMethod: 'NAT',
    persistenceTimeout: null,
    persistenceGranularity: null,
    schedFlags: { flag1: false, flag2: false, flag3: false },
    ops: false,
    hashed: false,
    delayLoopMs: 60000,
    quorum: 1,
    hysteresis: 0,
    smtpAlert: false,
    quorumUp: null,
    quorumDown: null,
    sorryServer: null,
    inhibitOnFailure: false,
    alpha: false,
    omega: false,
    haSuspend: false,
    realServers: [realServer('10.0.100.2', 80), realServer('10.0.100.3', 80)],
    location: here,
    ...over,
  };
}

export function group(name: string, entries: VirtualServerGroup['entries']): VirtualServerGroup {
  return { name, entries, location: here };
}
