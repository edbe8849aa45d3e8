/** Every keyword the issue lists lands in the model where the engines will look for it. */
import { load, model } from './helpers';

describe('keywords into the model', () => {
  it('global_defs', () => {
    const g = model(
      'global_defs {\n router_id lb1\n vrrp_version 3\n vrrp_mcast_group4 224.0.0.19\n vrrp_mcast_group6 ff02::13\n' +
        ' vrrp_garp_master_delay 2\n vrrp_garp_master_repeat 4\n vrrp_garp_master_refresh 30\n vrrp_garp_master_refresh_repeat 3\n' +
        ' vrrp_garp_lower_prio_delay 7\n vrrp_garp_lower_prio_repeat 6\n vrrp_garp_interval 0.002\n vrrp_gna_interval 0.003\n' +
        ' vrrp_lower_prio_no_advert\n vrrp_higher_prio_send_advert true\n vrrp_strict\n vrrp_skip_check_adv_addr\n' +
        ' vrrp_check_unicast_src\n vrrp_down_timer_adverts 4\n v3_checksum_as_v2\n script_user nobody\n enable_script_security\n' +
        ' lvs_flush\n lvs_flush_on_stop\n lvs_sync_daemon eth1 VI_1 id 7 maxlen 1400 port 8848 ttl 2 group 224.0.0.81\n' +
        ' lvs_timeouts tcp 900 tcpfin 120 udp 300\n notification_email {\n  ops@example.org\n }\n smtp_server 10.0.0.25\n}\n' +
        'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n',
      true,
    ).globalDefs;
    expect(g).toEqual({
      routerId: 'lb1', smtp: { server: { host: '10.0.0.25', port: 25 }, heloName: null, from: null, emails: ['ops@example.org'], connectTimeoutSec: 30, alert: null, alertVrrp: null, alertChecker: null, noEmailFaults: false, noCheckerEmails: false },
      vrrpVersion: 3, vrrpMcastGroup4: '224.0.0.19', vrrpMcastGroup6: 'ff02::13',
      vrrpGarpMasterDelayMs: 2000, vrrpGarpMasterRepeat: 4, vrrpGarpMasterRefreshMs: 30000, vrrpGarpMasterRefreshRepeat: 3,
      vrrpGarpLowerPrioDelayMs: 7000, vrrpGarpLowerPrioRepeat: 6, vrrpGarpIntervalMs: 2, vrrpStartupDelayMs: 0, vrrpGnaIntervalMs: 3,
      vrrpLowerPrioNoAdvert: true, vrrpHigherPrioSendAdvert: true, vrrpStrict: true, vrrpSkipCheckAdvAddr: true,
      vrrpCheckUnicastSrc: true, logUnknownVrids: false, disableLocalIgmp: false, defaultInterface: null, vrrpDownTimerAdverts: 4, v3ChecksumAsV2: true, scriptUser: 'nobody',
      enableScriptSecurity: true, dynamicInterfaces: false, vmacPrefix: null, vmacAddrPrefix: null, vrrpGarpExtraIf: { sec: 0, all: false }, checkerLogAllFailures: false, enableSnmpRfcv3: false, enableSnmpRfcv2: false, enableTraps: false, snmpSocket: null, umask: null, scriptRunAs: { user: 'nobody', uid: 65534, gid: 65534 }, netNamespace: null, instanceName: null, dataUseInstance: false, configSaveDir: null, reloadTimeFile: null, reloadRepeat: false, reloadFile: null, interfaceUpDownDelays: [], linkbeatUsePolling: false, linkbeatInterfaces: [], garpGroups: [], startupScript: null, shutdownScript: null, startupScriptTimeoutS: 10, shutdownScriptTimeoutS: 10, lvsFlush: true, lvsFlushOnStop: 'all',
      lvsSyncDaemon: { interface: 'eth1', instance: 'VI_1', syncId: 7, maxlen: 1400, port: 8848, ttl: 2, group: '224.0.0.81' },
      lvsTimeouts: { tcp: 900, tcpfin: 120, udp: 300 },
      // VI_1 is strict without accept: the drop rules go in keepalived's default table
      nftables: { table: 'keepalived', priority: -1, ifindex: false, counters: false, defaulted: true }, nftablesIpvs: { table: null, priority: -1, startFwmark: 1000 },
      other: { notification_email: ['ops@example.org'], smtp_server: ['10.0.0.25'] },
    });
  });

  it('vrrp_instance', () => {
    const m = model(
      'vrrp_script chk {\n script /bin/true\n weight 10\n}\n' +
        'vrrp_instance VI_1 {\n state BACKUP\n interface eth0\n virtual_router_id 9\n priority 90\n advert_int 2\n version 2\n' +
        ' authentication {\n  auth_type AH\n  auth_pass secret\n }\n' +
        ' virtual_ipaddress {\n  10.0.0.1/24 brd 10.0.0.255 dev eth2 scope link label eth2:v\n  10.0.0.2\n }\n' +
        ' virtual_ipaddress_excluded {\n  fd00::5/64\n }\n track_interface {\n  eth1\n  eth3 weight -20\n }\n' +
        ' track_script {\n  chk weight 5 reverse\n }\n dont_track_primary\n mcast_src_ip 10.0.0.10\n unicast_src_ip 10.0.0.11\n' +
        ' unicast_peer {\n  10.0.0.12 min_ttl 250 max_ttl 255\n  10.0.0.13\n }\n preempt_delay 1.5\n' +
        ' garp_master_delay 3\n garp_master_repeat 2\n garp_master_refresh 20\n garp_master_refresh_repeat 4\n' +
        ' garp_lower_prio_delay 1\n garp_lower_prio_repeat 1\n no_accept\n v3_checksum_as_v2\n lower_prio_no_advert\n' +
        ' higher_prio_send_advert\n skip_check_adv_addr\n down_timer_adverts 5\n notify "/bin/n all"\n notify_master "/bin/n master"\n' +
        ' notify_backup "/bin/n backup"\n notify_fault "/bin/n fault"\n notify_stop "/bin/n stop"\n lvs_sync_daemon_interface eth1\n}\n',
      true,
    );
    const i = m.vrrpInstances[0];
    expect(i).toMatchObject({
      initialState: 'BACKUP', interface: 'eth0', virtualRouterId: 9, priority: 90, advertIntMs: 2000, version: 2,
      authType: 'AH', authPass: 'secret', dontTrackPrimary: true, mcastSrcIp: '10.0.0.10', unicastSrcIp: '10.0.0.11',
      nopreempt: false, preemptDelayMs: 1500, garpMasterDelayMs: 3000, garpMasterRepeat: 2, garpMasterRefreshMs: 20000,
      garpMasterRefreshRepeat: 4, garpLowerPrioDelayMs: 1000, garpLowerPrioRepeat: 1, accept: false, v3ChecksumAsV2: true,
      lowerPrioNoAdvert: true, higherPrioSendAdvert: true, skipCheckAdvAddr: true, downTimerAdverts: 5,
      lvsSyncDaemonInterface: 'eth1',
      notify: { notify: ['/bin/n', 'all'], notifyMaster: ['/bin/n', 'master'], notifyBackup: ['/bin/n', 'backup'], notifyFault: ['/bin/n', 'fault'], notifyStop: ['/bin/n', 'stop'] },
      trackInterfaces: [{ name: 'eth1', weight: 0 }, { name: 'eth3', weight: -20 }],
      trackScripts: [{ name: 'chk', weight: 5, weightReverse: true }],
      unicastPeers: [{ address: '10.0.0.12', minTtl: 250, maxTtl: 255 }, { address: '10.0.0.13', minTtl: null, maxTtl: null }],
    });
    expect(i.virtualIpAddresses.map(({ location: _l, ...v }) => v)).toEqual([
      { address: '10.0.0.1', family: 4, prefixLen: 24, broadcast: '10.0.0.255', dev: 'eth2', scope: 'link', label: 'eth2:v', excluded: false },
      { address: '10.0.0.2', family: 4, prefixLen: 32, broadcast: null, dev: 'eth0', scope: 'global', label: null, excluded: false },
    ]);
    expect(i.virtualIpAddressesExcluded.map(({ location: _l, ...v }) => v)).toEqual([
      { address: 'fd00::5', family: 6, prefixLen: 64, broadcast: null, dev: 'eth0', scope: 'global', label: null, excluded: true },
    ]);
  });

  it('vrrp_sync_group', () => {
    const vi = (n: string, vrid: number) => `vrrp_instance ${n} {\n interface eth0\n virtual_router_id ${vrid}\n virtual_ipaddress {\n  10.0.0.${vrid}\n }\n}\n`;
    const m = model(
      vi('A', 1) + vi('B', 2) +
        'vrrp_script s {\n script /bin/true\n}\nvrrp_sync_group G {\n group {\n  A\n  B\n }\n track_interface {\n  eth5\n }\n track_script {\n  s\n }\n' +
        ' notify /bin/g\n notify_master "/bin/g m"\n notify_backup "/bin/g b"\n notify_fault "/bin/g f"\n notify_stop "/bin/g s"\n}\n',
    );
    expect(m.vrrpSyncGroups[0]).toMatchObject({
      name: 'G', group: ['A', 'B'], trackInterfaces: [{ name: 'eth5', weight: 0 }], trackScripts: [{ name: 's', weight: null, weightReverse: false }],
      notify: { notify: ['/bin/g'], notifyMaster: ['/bin/g', 'm'], notifyBackup: ['/bin/g', 'b'], notifyFault: ['/bin/g', 'f'], notifyStop: ['/bin/g', 's'] },
    });
    expect(m.vrrpInstances.map((i) => i.syncGroup)).toEqual(['G', 'G']);
  });

  it('virtual_server, real_server and TCP_CHECK', () => {
    const m = model(
      'virtual_server 10.0.0.1 53 {\n protocol UDP\n lvs_sched sh\n lvs_method DR\n persistence_timeout 600\n' +
        ' persistence_granularity 255.255.255.0\n sh-port\n sh-fallback\n flag-3\n ops\n hashed\n delay_loop 7\n quorum 2\n' +
        ' hysteresis 1\n quorum_up /bin/up\n quorum_down "/bin/down now"\n sorry_server 10.0.9.9 53\n sorry_server_inhibit\n' +
        ' sorry_server_lvs_method NAT\n inhibit_on_failure\n alpha\n omega\n ha_suspend\n' +
        ' real_server 10.0.1.1 53 {\n  weight 3\n  inhibit_on_failure off\n  uthreshold 100\n  lthreshold 10\n  notify_up "/bin/rs up"\n' +
        '  notify_down "/bin/rs down"\n  TCP_CHECK {\n   connect_ip 10.0.2.1\n   connect_port 5353\n   bindto 10.0.0.2\n   bind_port 40000\n' +
        '   bind_if eth0\n   fwmark 7\n   connect_timeout 2\n   retry 4\n   delay_before_retry 0.5\n   warmup 3\n   delay_loop 9\n' +
        '   log_all_failures\n  }\n }\n}\n',
      true,
    );
    const vs = m.virtualServers[0];
    expect(vs).toMatchObject({
      key: { kind: 'addr', protocol: 'UDP', address: '10.0.0.1', family: 4, port: 53 }, protocol: 'UDP', lvsSched: 'sh',
      lvsMethod: 'DR', persistenceTimeout: 600, persistenceGranularity: '255.255.255.0',
      schedFlags: { flag1: true, flag2: true, flag3: true }, ops: true, hashed: true, delayLoopMs: 7000, quorum: 2,
      hysteresis: 1, quorumUp: ['/bin/up'], quorumDown: ['/bin/down', 'now'],
      sorryServer: { address: '10.0.9.9', port: 53, lvsMethod: 'NAT', inhibit: true }, inhibitOnFailure: true, alpha: true,
      omega: true, haSuspend: true,
    });
    expect(vs.realServers[0]).toMatchObject({
      weight: 3, inhibitOnFailure: false, uthreshold: 100, lthreshold: 10, notifyUp: ['/bin/rs', 'up'], notifyDown: ['/bin/rs', 'down'],
      alpha: true, lvsMethod: 'DR',
    });
    expect(vs.realServers[0].checkers[0]).toMatchObject({
      kind: 'TCP_CHECK', connectIp: '10.0.2.1', connectPort: 5353, bindto: '10.0.0.2', bindPort: 40000, bindIf: 'eth0', fwmark: 7,
      connectTimeoutMs: 2000, retry: 4, delayBeforeRetryMs: 500, warmupMs: 3000, delayLoopMs: 9000, alpha: true, logAllFailures: true,
    });
  });

  it('fwmark and group virtual servers, and virtual_server_group', () => {
    const r = load(
      'virtual_server_group WEB {\n 10.0.0.1 80\n 10.0.0.10-20 443\n fwmark 3\n fwmark 4 inet\n}\n' +
        'virtual_server group WEB {\n protocol TCP\n lb_algo rr\n lb_kind NAT\n real_server 10.0.1.1 80 {\n }\n}\n' +
        'virtual_server fwmark 5 {\n lb_algo wrr\n lb_kind DR\n real_server 10.0.1.2 {\n }\n}\n',
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.model?.virtualServerGroups[0].entries).toEqual([
      { kind: 'addr', address: '10.0.0.1', family: 4, port: 80 },
      { kind: 'range', address: '10.0.0.10', family: 4, last: 20, port: 443 },
      { kind: 'fwmark', fwmark: 3, family: null },
      { kind: 'fwmark', fwmark: 4, family: 4 },
    ]);
    expect(r.model?.virtualServers.map((v) => v.key)).toEqual([{ kind: 'group', group: 'WEB', family: 4 }, { kind: 'fwmark', fwmark: 5, family: 4 }]);
    expect(r.model?.virtualServers[1].realServers[0].port).toBe(0);
  });

  describe("a service's family (keepalived's vs->af)", () => {
    const fwm = (body: string): ReturnType<typeof load> => load(`virtual_server fwmark 7 {\n lb_algo rr\n lb_kind DR\n${body}}\n`);
    const key = (r: ReturnType<typeof load>): unknown => r.model?.virtualServers[0]?.key;

    it('a fwmark service takes its real servers\' family: IPv6 servers make an IPv6 service', () => {
      const r = fwm(' real_server 2001:db8::2 {\n }\n real_server 2001:db8::3 {\n }\n');
      expect(r.diagnostics).toEqual([]);
      expect(key(r)).toEqual({ kind: 'fwmark', fwmark: 7, family: 6 });
    });

    it('ip_family inet6 says it even when every server is tunnelled, and a tunnelled IPv4 server may join', () => {
      const r = fwm(' ip_family inet6\n real_server 10.0.1.2 {\n  lvs_method TUN\n }\n real_server 2001:db8::3 {\n }\n');
      expect(r.diagnostics).toEqual([]);
      expect(key(r)).toEqual({ kind: 'fwmark', fwmark: 7, family: 6 });
      expect(r.model?.virtualServers[0].realServers.map((s) => [s.address, s.family, s.lvsMethod])).toEqual([['10.0.1.2', 4, 'TUN'], ['2001:db8::3', 6, 'DR']]);
    });

    it('tunnelled servers of one family give it; of both families, IPv4', () => {
      expect(key(fwm(' lb_kind TUN\n real_server 2001:db8::2 {\n }\n'))).toEqual({ kind: 'fwmark', fwmark: 7, family: 6 });
      expect(key(fwm(' lb_kind TUN\n real_server 2001:db8::2 {\n }\n real_server 10.0.1.2 {\n }\n'))).toEqual({ kind: 'fwmark', fwmark: 7, family: 4 });
    });

    it('persistence_granularity as a prefix length says IPv6, as pgr_handler', () => {
      expect(key(fwm(' lb_kind TUN\n persistence_granularity 64\n real_server 10.0.1.2 {\n }\n'))).toEqual({ kind: 'fwmark', fwmark: 7, family: 6 });
    });

    it('a real server of the other family (not tunnelled) is skipped with keepalived\'s warning, and the service runs', () => {
      const r = fwm(' real_server 2001:db8::2 {\n }\n real_server 10.0.1.2 {\n }\n');
      expect(r.diagnostics.map((d) => d.message)).toEqual(["Address family of virtual server and real server 10.0.1.2 don't match - skipping real server."]);
      expect(r.diagnostics[0].severity).toBe('warning');
      expect(r.model?.virtualServers[0].realServers.map((s) => s.address)).toEqual(['2001:db8::2']);
    });

    it('ip_family that contradicts the service address, or an unknown family, is warned and ignored, as keepalived', () => {
      const r = load('virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind NAT\n ip_family inet6\n real_server 10.0.1.2 80 {\n }\n}\n');
      expect(r.diagnostics.map((d) => `${d.severity}: ${d.message}`)).toEqual(['warning: Virtual server specified family inet6 conflicts with server family']);
      expect(r.model?.virtualServers[0].realServers.map((s) => s.address)).toEqual(['10.0.1.2']);
      expect(fwm(' ip_family ipx\n real_server 10.0.1.2 {\n }\n').diagnostics.map((d) => d.message)).toEqual(['unknown address family ipx']);
    });

    it('an IPv4 sorry server on an IPv6 fwmark service is dropped with keepalived\'s error', () => {
      const r = fwm(' sorry_server 10.0.9.9 80\n real_server 2001:db8::2 {\n }\n');
      expect(r.diagnostics.map((d) => d.message)).toEqual(["Address family of virtual server and sorry server 10.0.9.9 don't match - skipping sorry server."]);
    });

    it('a group service takes its servers\' family for its fwmark entries', () => {
      const r = load('virtual_server_group G6 {\n fwmark 3\n}\nvirtual_server group G6 {\n lb_algo rr\n lb_kind DR\n real_server 2001:db8::2 {\n }\n}\n');
      expect(r.diagnostics).toEqual([]);
      expect(key(r)).toEqual({ kind: 'group', group: 'G6', family: 6 });
    });
  });
});

describe('lvs_sync_daemon as keepalived 2.2.7 reads it (lvs_syncd_handler, vrrp_complete_init)', () => {
  const vi = (name: string, vrid: number, body = '') => `vrrp_instance ${name} {\n interface eth0\n virtual_router_id ${vrid}\n${body} virtual_ipaddress {\n  10.0.0.${vrid}\n }\n}\n`;
  const syncd = (line: string, more = '') => load(`global_defs {\n ${line}\n}\n${vi('VI_1', 51)}${vi('VI_2', 52)}${more}`);

  it('the instance by position or after inst; the sync id defaults to its VRID', () => {
    expect(syncd('lvs_sync_daemon eth1 VI_2').model!.globalDefs.lvsSyncDaemon).toEqual({ interface: 'eth1', instance: 'VI_2', syncId: 52, maxlen: null, port: null, ttl: null, group: null });
    expect(syncd('lvs_sync_daemon eth1 inst VI_1 id 0 ttl 3').model!.globalDefs.lvsSyncDaemon).toMatchObject({ instance: 'VI_1', syncId: 0, ttl: 3 });
  });

  it('the old form IF INSTANCE SYNCID, with keepalived\'s advice', () => {
    const r = syncd('lvs_sync_daemon eth1 VI_1 9');
    expect(r.model!.globalDefs.lvsSyncDaemon).toMatchObject({ instance: 'VI_1', syncId: 9 });
    expect(r.diagnostics.map((d) => d.message)).toContain('Please use keyword "id" before lvs_sync_daemon SYNCID');
  });

  it('without an instance: sync id 0 (both daemons run from the start)', () => {
    expect(syncd('lvs_sync_daemon eth1').model!.globalDefs.lvsSyncDaemon).toMatchObject({ instance: null, syncId: 0 });
  });

  it('bad values are ignored in keepalived\'s words, the rest kept', () => {
    const r = syncd('lvs_sync_daemon eth1 VI_1 maxlen 0 port 70000 group 10.0.0.1 ttl 9 bogus');
    expect(r.model!.globalDefs.lvsSyncDaemon).toEqual({ interface: 'eth1', instance: 'VI_1', syncId: 51, maxlen: null, port: null, ttl: 9, group: null });
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      'Invalid lvs_sync_daemon maxlen (0) - ignoring',
      'Invalid lvs_sync_daemon port (70000) - ignoring',
      'lvs_sync_daemon group address 10.0.0.1 is not multicast - ignoring',
      'Unknown option bogus specified for lvs_sync_daemon',
    ]);
  });

  it("an instance's deprecated lvs_sync_daemon_interface, unless global_defs named one", () => {
    const r = load(`${vi('VI_1', 51)}${vi('VI_2', 52, ' lvs_sync_daemon_interface eth3\n')}`);
    expect(r.model!.globalDefs.lvsSyncDaemon).toEqual({ interface: 'eth3', instance: 'VI_2', syncId: 52, maxlen: null, port: null, ttl: null, group: null });
    const both = syncd('lvs_sync_daemon eth1 VI_1', vi('VI_3', 53, ' lvs_sync_daemon_interface eth3\n'));
    expect(both.model!.globalDefs.lvsSyncDaemon).toMatchObject({ interface: 'eth1', instance: 'VI_1' });
    expect(both.diagnostics.map((d) => d.message)).toContain('(VI_3) lvs_sync_daemon_interface has already been specified as eth1 - ignoring');
  });
});

describe('use_vmac as keepalived 2.2.7 reads it (vrrp_vmac_handler, vrrp_complete_instance)', () => {
  const vi = (name: string, vrid: number, body: string, g = '') => `${g}vrrp_instance ${name} {\n interface eth0\n virtual_router_id ${vrid}\n${body} virtual_ipaddress {\n  10.0.0.${vrid}\n  10.0.1.${vrid}/24 dev eth1\n }\n}\n`;

  it('default name vrrp.VRID; VIPs without a dev go on the VMAC, the others stay', () => {
    const r = load(vi('VI_1', 51, ' use_vmac\n'));
    const i = r.model!.vrrpInstances[0];
    expect(i.vmac).toEqual({ name: 'vrrp.51', xmitBase: false, mac: null });
    expect(i.virtualIpAddresses.map((v) => v.dev)).toEqual(['vrrp.51', 'eth1']);
  });

  it('a name of its own, vmac_xmit_base; without use_vmac nothing', () => {
    expect(load(vi('VI_1', 51, ' use_vmac vm51\n vmac_xmit_base\n')).model!.vrrpInstances[0].vmac).toEqual({ name: 'vm51', xmitBase: true, mac: null });
    expect(load(vi('VI_1', 51, '')).model!.vrrpInstances[0].vmac).toBeNull();
  });

  it("strict mode resets vmac_xmit_base with keepalived's words", () => {
    const r = load(vi('VI_1', 51, ' use_vmac\n vmac_xmit_base\n', 'global_defs {\n vrrp_strict\n}\n'), false, true);
    expect(r.model!.vrrpInstances[0].vmac).toEqual({ name: 'vrrp.51', xmitBase: false, mac: null });
    expect(r.diagnostics.map((d) => d.message)).toContain('(VI_1) xmit_base is incompatible with strict mode - resetting');
    const mac = load(vi('VI_1', 51, ' use_vmac 02:11:22:33:44:55\n', 'global_defs {\n vrrp_strict\n}\n'), false, true);
    expect(mac.model!.vrrpInstances[0].vmac?.mac).toBeNull();
    expect(mac.diagnostics.map((d) => d.message)).toContain('(VI_1): cannot specify MAC address with strict mode - clearing');
  });

  it('a MAC of its own: six octets, or five and the VRID; bad ones ignored with keepalived\'s words', () => {
    const vmacOf = (args: string) => load(vi('VI_1', 51, ` use_vmac ${args}\n`));
    expect(vmacOf('vm51 02:11:22:33:44:55').model!.vrrpInstances[0].vmac).toEqual({ name: 'vm51', xmitBase: false, mac: '02:11:22:33:44:55' });
    expect(vmacOf('2:a:B:3:4').model!.vrrpInstances[0].vmac).toEqual({ name: 'vrrp.51', xmitBase: false, mac: '02:0a:0b:03:04:33' });
    expect(vmacOf('02:11:22:33:44:').model!.vrrpInstances[0].vmac?.mac).toBe('02:11:22:33:44:33');
    const ignored = (args: string) => ({ mac: vmacOf(args).model!.vrrpInstances[0].vmac?.mac, messages: vmacOf(args).diagnostics.map((d) => d.message) });
    expect(ignored('02:11:22:33:4g:55')).toEqual({ mac: null, messages: ['VMAC invalid MAC address 02:11:22:33:4g:55'] });
    expect(ignored('02:11:22:33')).toEqual({ mac: null, messages: ['VMAC invalid MAC address 02:11:22:33 - ignored'] });
    expect(ignored('02:111:22:33:44:55')).toEqual({ mac: null, messages: ['VMAC invalid MAC address 02:111:22:33:44:55 - ignored'] });
    expect(ignored('03:11:22:33:44:55')).toEqual({ mac: null, messages: ['VMAC MAC address is multicast 03:11:22:33:44:55 - ignoring'] });
    expect(ignored('00:00:5e:00:01:07')).toEqual({ mac: null, messages: ['VMAC MAC address not allowed to be RFC5798 address (00:00:5e:00:01:07) - ignoring'] });
    expect(ignored('02:00:00:00:00:01 02:00:00:00:00:02')).toEqual({ mac: '02:00:00:00:00:01', messages: ['VMAC interface address already specified'] });
  });

  it('a VMAC given no name: vmac_prefix, and a name no other instance has (create_vmac_name)', () => {
    const names = (text: string) => load(text).model!.vrrpInstances.map((i) => i.vmac?.name);
    expect(names(vi('VI_1', 51, ' use_vmac\n', 'global_defs {\n vmac_prefix vx\n}\n'))).toEqual(['vx.51']);
    // the prefix is cut so that the name fits 15 characters
    expect(names(vi('VI_1', 51, ' use_vmac\n', 'global_defs {\n vmac_prefix abcdefghijklmnop\n}\n'))).toEqual(['abcdefghijkl.51']);
    // another instance's name (given or made) is skipped: PREFIX1.VRID, …
    const v6 = (name: string, vrid: number, body: string) => `vrrp_instance ${name} {\n interface eth0\n virtual_router_id ${vrid}\n${body} virtual_ipaddress {\n  fd00::${vrid}\n }\n}\n`;
    expect(names(vi('VI_1', 51, ' use_vmac vrrp.52\n') + vi('VI_2', 52, ' use_vmac\n', '') .replace('interface eth0', 'interface eth2'))).toEqual(['vrrp.52', 'vrrp1.52']);
    // IPv6 tries PREFIX6.VRID second
    expect(names(v6('VI_1', 51, ' use_vmac vrrp.51\n') + v6('VI_2', 51, ' use_vmac\n').replace('interface eth0', 'interface eth2'))).toEqual(['vrrp.51', 'vrrp6.51']);
    const twice = load('global_defs {\n vmac_prefix a\n vmac_prefix b\n}\n');
    expect(twice.diagnostics.map((d) => d.message)).toEqual(['vmac prefix has already been specified - ignoring b']);
  });

  it('garp_extra_if / vrrp_garp_extra_if: the VIPs re-announced, one per interface other than the advert one, only with all', () => {
    const inst = (body: string, g = '') => load(vi('VI_1', 51, body, g));
    const extra = (body: string, g = '') => {
      const i = inst(body, g).model!.vrrpInstances[0];
      return { ms: i.garpExtraIfMs, vips: i.garpExtraIfVips.map((v) => `${v.address} ${v.dev}`) };
    };
    expect(extra(' use_vmac\n garp_extra_if 5 all\n')).toEqual({ ms: 5000, vips: ['10.0.1.51 eth1'] });
    // under vmac_xmit_base the VMAC too
    expect(extra(' use_vmac\n vmac_xmit_base\n garp_extra_if all 5\n')).toEqual({ ms: 5000, vips: ['10.0.0.51 vrrp.51', '10.0.1.51 eth1'] });
    // without all: only extra VMACs (none in halo), so off, as keepalived turns it off
    expect(extra(' use_vmac\n garp_extra_if 5\n')).toEqual({ ms: 0, vips: [] });
    // from global_defs, its all too; the instance's own wins
    expect(extra(' use_vmac\n', 'global_defs {\n vrrp_garp_extra_if 7 all\n}\n')).toEqual({ ms: 7000, vips: ['10.0.1.51 eth1'] });
    expect(extra(' use_vmac\n garp_extra_if 0\n', 'global_defs {\n vrrp_garp_extra_if 7 all\n}\n')).toEqual({ ms: 0, vips: [] });
    const messages = (body: string, g = '') => inst(body, g).diagnostics.map((d) => d.message);
    expect(messages(' vmac_garp_intvl 5 all\n')).toEqual(['Keyword "vmac_garp_intvl" is deprecated - please use "garp_extra_if"']);
    expect(messages(' garp_extra_if 86401\n')).toEqual(["(VI_1): garp_extra_if '86401' invalid - ignoring"]);
    expect(messages(' garp_extra_if all\n')).toEqual(['(VI_1): garp_extra_if specified without time - ignoring']);
    expect(messages('', 'global_defs {\n vrrp_vmac_garp_intvl 0\n}\n')).toEqual([
      'Keyword "vrrp_vmac_garp_intvl" is deprecated - please use "vrrp_garp_extra_if"', "vrrp_vmac_garp_intvl '0' invalid - ignoring",
    ]);
  });

  it('use_vmac_addr: a VIP on another interface, or of the other family without use_vmac, goes on a VMAC of its own there (vmac_addr_prefix)', () => {
    const r = load(vi('VI_1', 51, ' use_vmac\n use_vmac_addr\n', 'global_defs {\n vmac_addr_prefix va\n}\n'));
    const i = r.model!.vrrpInstances[0];
    expect(i.vmac).toEqual({ name: 'vrrp.51', xmitBase: false, mac: null });
    expect(i.extraVmacs).toEqual([{ name: 'va.51', base: 'eth1', family: 4, mac: '00:00:5e:00:01:33' }]);
    expect(i.virtualIpAddresses.map((v) => v.dev)).toEqual(['vrrp.51', 'va.51']);
    // without use_vmac the instance's own VIPs stay; vmac_prefix names them when there is no vmac_addr_prefix; a MAC of use_vmac is theirs too
    const plain = load(vi('VI_1', 51, ' use_vmac_addr\n', 'global_defs {\n vmac_prefix vp\n}\n')).model!.vrrpInstances[0];
    expect(plain.extraVmacs).toEqual([{ name: 'vp.51', base: 'eth1', family: 4, mac: '00:00:5e:00:01:33' }]);
    expect(plain.virtualIpAddresses.map((v) => v.dev)).toEqual(['eth0', 'vp.51']);
    expect(load(vi('VI_1', 51, ' use_vmac 02:00:00:00:01\n use_vmac_addr\n')).model!.vrrpInstances[0].extraVmacs[0].mac).toBe('02:00:00:00:01:33');
    // garp_extra_if without all now has a VMAC of ours to refresh
    const g = load(vi('VI_1', 51, ' use_vmac\n use_vmac_addr\n garp_extra_if 3\n')).model!.vrrpInstances[0];
    expect({ ms: g.garpExtraIfMs, vips: g.garpExtraIfVips.map((v) => v.dev) }).toEqual({ ms: 3000, vips: ['vrrp1.51'] });
    // an IPv6 VIP that would need one: not implemented, located
    const v6 = load(`vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n use_vmac_addr\n virtual_ipaddress {\n  10.0.0.1\n }\n virtual_ipaddress_excluded {\n  fd00::1\n }\n}\n`);
    expect(v6.diagnostics.map((d) => `${d.location.line}: ${d.message}`)).toContain('4: (VI_1) use_vmac_addr for the IPv6 address fd00::1 is not implemented in halo (--allow-unimplemented to run without it)');
  });

  it('a VIP\'s own use_vmac: that address alone on a VMAC of its own on its interface; ignored with a warning where the instance\'s VMAC or use_vmac_addr decides', () => {
    const inst = (body: string, vips: string) => load(`vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n${body} virtual_ipaddress {\n${vips} }\n}\n`);
    const own = inst('', '  10.0.0.1/24 use_vmac\n  10.0.0.2/24\n  10.0.1.3/24 dev eth1 use_vmac\n');
    const i = own.model!.vrrpInstances[0];
    expect(own.diagnostics).toEqual([]);
    expect(i.extraVmacs).toEqual([
      { name: 'vrrp.51', base: 'eth0', family: 4, mac: '00:00:5e:00:01:33' },
      { name: 'vrrp1.51', base: 'eth1', family: 4, mac: '00:00:5e:00:01:33' },
    ]);
    expect(i.virtualIpAddresses.map((v) => `${v.address} ${v.dev}`)).toEqual(['10.0.0.1 vrrp.51', '10.0.0.2 eth0', '10.0.1.3 vrrp1.51']);
    // keepalived's warnings (vrrp_complete_instance), located at the option
    const msgs = (r: ReturnType<typeof inst>) => r.diagnostics.map((d) => `${d.location.line}:${d.location.col}: ${d.message}`);
    expect(msgs(inst(' use_vmac\n', '  10.0.0.1/24 use_vmac\n'))).toEqual(['6:15: (VI_1) use_vmac specified for VIP/eVIP 10.0.0.1/24 and vrrp instance']);
    expect(msgs(inst(' use_vmac_addr\n', '  10.0.1.1 dev eth1 use_vmac\n'))).toEqual(['6:21: (VI_1) use_vmac_addr specified and use_vmac specified for VIP/eVIP 10.0.1.1']);
    // an IPv6 address's own VMAC: not implemented, located
    const v6 = load('vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  10.0.0.1\n }\n virtual_ipaddress_excluded {\n  fd00::1 use_vmac\n }\n}\n');
    expect(msgs(v6)).toEqual(['8:11: (VI_1) use_vmac for the IPv6 address fd00::1 is not implemented in halo (--allow-unimplemented to run without it)']);
  });

  it('a bad name is ignored (the default is used); one name for two instances is an error', () => {
    const bad = load(vi('VI_1', 51, ' use_vmac this-name-is-far-too-long\n'));
    expect(bad.model!.vrrpInstances[0].vmac?.name).toBe('vrrp.51');
    expect(bad.diagnostics.map((d) => d.message)).toContain("VMAC interface name 'this-name-is-far-too-long' too long or invalid characters - ignoring");
    const twice = load(vi('VI_1', 51, ' use_vmac vm\n') + vi('VI_2', 52, ' use_vmac vm\n'));
    expect(twice.diagnostics.map((d) => d.message)).toContain('(VI_2) VRRP instance VI_1 is already using vm');
  });
});

describe('enable_dbus and dbus_service_name (enable_dbus_handler, dbus_service_name_handler)', () => {
  const vi = 'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  10.0.0.51\n }\n}\n';
  const g = (lines: string) => load(`global_defs {\n${lines}}\n${vi}`);

  it('acted on: D-Bus on, the name kept; absent: off and the default name', () => {
    const r = g(' enable_dbus\n dbus_service_name org.example.Lb1\n');
    expect(r.diagnostics).toEqual([]);
    expect(r.model!.globalDefs).toMatchObject({ enableDbus: true, dbusServiceName: 'org.example.Lb1' });
    expect(g('').model!.globalDefs.enableDbus).toBeUndefined();
  });

  it('a name missing is warned about and ignored, as keepalived', () => {
    const r = g(' enable_dbus\n dbus_service_name\n');
    expect(r.diagnostics.map((d) => `${d.severity}: ${d.message}`)).toEqual(['warning: dbus_service_name missing - ignoring']);
    expect(r.model!.globalDefs.dbusServiceName).toBeUndefined();
  });
});
