import { instance, load, messages } from './helpers';

/** Each message with its place; the config around the faulty line is otherwise valid. */
describe('errors and warnings name their place', () => {
  it.each([
    ['virtual_router_id 0', "3:20: warning: (VI_1): VRID '0' not valid - must be between 1 & 255"],
    ['virtual_router_id 256', "3:20: warning: (VI_1): VRID '256' not valid - must be between 1 & 255"],
    ['virtual_router_id x1', "3:20: warning: (VI_1): VRID 'x1' not valid - must be between 1 & 255"],
  ])('vrid: %s (keepalived warns, then its VRRP process stops: no VRID)', (line, expected) => {
    expect(messages(instance('', 'VI_1', `interface eth0\n ${line}`))).toEqual(['1:1: error: (VI_1) the virtual router id must be set', expected]);
  });

  it('a missing vrid and interface', () => {
    expect(messages('vrrp_instance VI_1 {\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n')).toEqual([
      '1:1: error: (VI_1) no interface given',
      '1:1: error: (VI_1) the virtual router id must be set',
    ]);
  });

  it.each([
    ['priority 0', '7:10: warning: (VI_1) Priority not valid! must be between 1 & 255. Using default 100'],
    ['priority 256', '7:10: warning: (VI_1) Priority not valid! must be between 1 & 255. Using default 100'],
    ['priority', "7:1: error: 'priority' needs a number"],
    ['state LEADER', "7:7: warning: (VI_1) unknown state 'LEADER', defaulting to BACKUP"],
    ['state backup', "7:7: warning: (VI_1) unknown state 'backup', defaulting to BACKUP"],
    ['advert_int 0', '7:12: warning: (VI_1) Advert interval (0) not valid! Must be > 0 - ignoring'],
    ['advert_int 1s', '7:12: warning: (VI_1) Advert interval (1s) not valid! Must be > 0 - ignoring'],
    ['version 4', '7:9: warning: version: 4 is out of range 2-3 - ignoring'],
    ['preempt_delay 1001', '7:15: warning: preempt_delay: 1001 is out of range 0-1000 seconds - ignoring'],
    ['mcast_src_ip 10.0.0.256', '7:14: warning: Configuration error: VRRP instance[VI_1] malformed src address[10.0.0.256]. Skipping...'],
    ['authentication {\n auth_type MD5\n}', "8:12: error: auth_type: 'MD5' is not PASS or AH"],
    // the block alone makes the instance "unicast configured": with no peer left, keepalived falls back to multicast (deprecated)
    ['unicast_peer {\n 10.0.0.300\n}\nunicast_peer {\n 10.0.0.7\n}', '8:2: warning: Configuration error: VRRP instance[VI_1] malformed unicast peer address[10.0.0.300]. Skipping...'],
    ['track_interface {\n eth1 weight 300\n}', '8:14: warning: track_interface weight: 300 is out of range -254-254 - ignoring'],
    ['virtual_ipaddress {\n 10.0.0.2/33\n}', '8:2: warning: Invalid address prefix len 33 for address 10.0.0.2/33 - using 32'],
    ['virtual_ipaddress {\n 10.0.0.2 scope galaxy\n}', "8:17: warning: Invalid scope 'galaxy' specified for 10.0.0.2 - ignoring"],
    ['virtual_ipaddress {\n 10.0.0.2 dev\n}', "8:11: error: virtual_ipaddress: 'dev' needs a value"],
    ['virtual_ipaddress {\n fe80::x\n}', '8:2: warning: VRRP parsed invalid IP fe80::x. skipping IP...'],
    ['virtual_ipaddress {\n __VIRTUAL_IP__\n}', '8:2: warning: VRRP parsed invalid IP __VIRTUAL_IP__. skipping IP...'],
    ['nopreempt_typo', "7:1: warning: unknown keyword 'nopreempt_typo' in vrrp_instance VI_1"],
    ['vrf red', "7:1: warning: (VI_1) Cannot specify VRF interface and interface - ignoring"],
    ['unicast_src_ip 10.0.0.5/24\nunicast_peer {\n 10.0.0.6/24\n}', ''],
    ['virtual_ipaddress {\n 10.0.0.2 frob\n}', "8:11: warning: virtual_ipaddress: unknown option 'frob'"],
    ['authentication {\n auth_type PASS\n auth_pass 123456789\n}', '9:12: warning: Truncating auth_pass to 8 characters'],
  ])('instance: %s', (extra, expected) => {
    expect(messages(instance(extra))).toEqual(expected ? [expected] : []);
  });

  it('nopreempt with state MASTER is cleared with a warning, as keepalived does', () => {
    const text = instance('state MASTER\npriority 150\nnopreempt');
    expect(messages(text)).toEqual(['1:1: warning: (VI_1) Warning - nopreempt will not work with initial state MASTER - clearing']);
    expect(load(text).model?.vrrpInstances[0].nopreempt).toBe(false);
  });

  it('a duplicate instance name, and a VRID reused on one interface', () => {
    const text = instance('', 'VI_1') + instance('', 'VI_1', 'interface eth0\n virtual_router_id 52') + instance('', 'VI_2');
    expect(messages(text)).toEqual([
      '9:15: warning: vrrp instance VI_1 already defined',
      '19:20: error: (VI_2) virtual_router_id 51 is already used on eth0 by VI_1 (/nonexistent/halo-test/keepalived.conf:3:20)',
    ]);
  });

  it('the same VRID on two interfaces is fine', () => {
    expect(messages(instance('', 'VI_1') + instance('', 'VI_2', 'interface eth1\n virtual_router_id 51'))).toEqual([]);
  });

  it('a sync group naming an unknown instance, or one already grouped', () => {
    const text = instance('', 'VI_1') + 'vrrp_sync_group G1 {\n group {\n  VI_1 VI_9\n }\n}\nvrrp_sync_group G2 {\n group {\n  VI_1\n }\n}\n';
    expect(messages(text)).toEqual([
      '11:3: warning: Sync group G1 has only 1 virtual router(s) - this probably isn\'t what you want',
      "11:8: warning: Virtual router VI_9 specified in sync group G1 doesn't exist - ignoring",
      '14:1: warning: Sync group G2, no matching virtual router found in group declaration - removing',
      "16:3: error: vrrp_sync_group G2: vrrp_instance 'VI_1' is already in sync group G1",
    ]);
  });

  it('track_script naming an unknown vrrp_script is warned and dropped', () => {
    const r = load(instance('track_script {\n chk_none\n}'));
    expect(r.diagnostics.map((d) => `${d.location.line}:${d.location.col}: ${d.message}`)).toEqual([
      "8:2: (VI_1) track_script 'chk_none' is not a defined vrrp_script; ignored",
    ]);
    expect(r.model?.vrrpInstances[0].trackScripts).toEqual([]);
  });

  it.each([
    ['lb_algo fastest', "2:10: warning: Invalid lvs_scheduler 'fastest' - ignoring"],
    ['lvs_sched', "2:2: error: 'lvs_sched' needs a scheduler"],
    ['lb_kind MASQ', '2:10: warning: PARSER : unknown [MASQ] routing method for virtual server.'],
    // keepalived compares the method case-sensitively: 'dr' is unknown and the service stays NAT
    ['lb_kind dr', '2:10: warning: PARSER : unknown [dr] routing method for virtual server.'],
    ['protocol ICMP', "2:11: error: protocol: unknown protocol 'ICMP' (TCP, UDP or SCTP)"],
    ['delay_loop 0', "2:13: warning: virtual server delay loop '0' invalid - ignoring"],
    ['quorum 0', '2:9: warning: Quorum 0 must be in [1, 4294967295]. Setting to 1.'],
    ['persistence_timeout 0', '2:22: warning: persistence_timeout invalid'],
    ['persistence_granularity 255.0.255.0', "2:26: error: persistence_granularity: '255.0.255.0' is not a netmask"],
    ['sorry_server 10.0.0.9 70000', '2:15: warning: Invalid sorry server IP address 10.0.0.9 - skipping'],
    ['real_server 10.0.1.1 80 {\n weight -1\n}', '3:9: warning: Real server weight -1 is outside range 0-2147483647'],
    ['real_server 10.0.1.1 80 {\n uthreshold -1\n}', "3:13: warning: Invalid real_server uthreshold '-1' - ignoring"],
    ['real_server 10.0.1.1 99999 {\n}', '2:23: warning: real_server port: 99999 is out of range 0-65535 - ignoring'],
    ['real_server 10.0.1 80 {\n}', "2:14: error: real_server: '10.0.1' is not a valid IP address"],
    ['real_server 10.0.1.1 80 {\n TCP_CHECK {\n  connect_port 0x50\n }\n}', "4:16: warning: connect_port port: '0x50' is not an integer - ignoring"],
    ['real_server 10.0.1.1 80 {\n TCP_CHECK {\n  connect_timeout -1\n }\n}', "4:19: warning: connect_timeout: '-1' is not a number of seconds - ignoring"],
    ['real_server 10.0.1.1 80 {\n BFD_CHECK {\n  name x\n }\n}', '3:2: warning: (10.0.1.1:80) BFD_CHECK - BFD x not configured'],
    ['real_server 10.0.1.1 53 {\n DNS_CHECK {\n  bind_if averyveryverylongname\n }\n}', '4:11: warning: Interface name averyveryverylongname is too long - ignoring'],
    ['real_server 10.0.1.1 80 {\n HTTP_GET {\n  url {\n   path /\n   status_code 200-299 600\n  }\n }\n}', "6:24: error: Invalid HTTP_GET status code '600'"],
    ['real_server 10.0.1.1 80 {\n HTTP_GET {\n  url {\n   path /\n   digest 12ab\n  }\n }\n}', "6:11: error: digest '12ab' character length should be 32 rather than 4"],
    ['real_server 10.0.1.1 80 {\n HTTP_GET {\n  http_protocol 2.0\n  url {\n   path /\n  }\n }\n}', '4:17: error: Invalid http_protocol version 2.0'],
    ['real_server 10.0.1.1 80 {\n MISC_CHECK {\n  misc_timeout 3\n }\n}', '3:2: warning: No script path has been specified for MISC_CHECKER - skipping'],
    ['bogus 1', "2:2: warning: unknown keyword 'bogus' in virtual_server 10.0.0.1 80"],
  ])('virtual_server: %s', (line, expected) => {
    const rest = ' protocol TCP\n lb_algo rr\n lb_kind NAT\n real_server 10.9.9.9 80 {\n }\n';
    expect(messages(`virtual_server 10.0.0.1 80 {\n ${line}\n${rest}}\n`)).toEqual([expected]);
  });

  it('virtual_server addresses and groups', () => {
    const body = '{\n protocol TCP\n lb_algo rr\n lb_kind DR\n real_server 10.9.9.9 80 {\n }\n}\n';
    expect(messages(`virtual_server 10.0.0.300 80 ${body}`)).toEqual(['1:16: warning: Invalid virtual server IP address/port 10.0.0.300/80 - skipping']);
    expect(messages(`virtual_server group NOPE ${body}`)).toEqual(['1:22: warning: Virtual server group NOPE specified but not configured - ignoring virtual server [NOPE]:0']);
    // keepalived has no duplicate check: it keeps every copy, each with its own checkers (the
    // second IPVS add fails with EEXIST, which it takes as done: src/ipvs/shared-services.ts)
    const twice = `virtual_server 10.0.0.1 80 ${body}virtual_server 10.0.0.1 80 ${body}`;
    expect(messages(twice)).toEqual([]);
    const copies = load(twice).model?.virtualServers ?? [];
    expect(copies.map((v) => v.copy)).toEqual([undefined, 2]);
    expect(copies.map((v) => v.location.line)).toEqual([1, 8]);
    const other = body.replace('10.9.9.9', '10.9.9.8').replace('real_server 10.9.9.8 80 {\n }', 'real_server 10.9.9.8 80 {\n TCP_CHECK {\n }\n }');
    const differing = load(`virtual_server 10.0.0.1 80 ${body}virtual_server 10.0.0.1 80 ${other}virtual_server 10.0.0.1 80 ${other}`);
    expect(differing.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(differing.model?.virtualServers.map((v) => [v.copy, v.realServers.map((r) => r.address), v.realServers.flatMap((r) => r.checkers.map((c) => c.copy))])).toEqual([
      [undefined, ['10.9.9.9'], []],
      [2, ['10.9.9.8'], [2]],
      [3, ['10.9.9.8'], [3]],
    ]);
    expect(messages(`virtual_server fwmark 0 ${body}`)).toEqual(['1:23: warning: virtual_server: 0 is out of range 1-4294967295 - ignoring']);
  });

  it("keepalived's virtual_server corrections, each with its warning", () => {
    expect(messages('virtual_server 10.0.0.1 80 {\n}\n')).toEqual(['1:1: warning: Virtual server [10.0.0.1]:none:80 has no real servers - ignoring']);
    expect(load('virtual_server 10.0.0.1 80 {\n}\n').model?.virtualServers).toEqual([]);
    const bare = load('virtual_server 10.0.0.1 80 {\n real_server 10.0.1.1 80 {\n }\n}\n');
    expect(bare.diagnostics.map((d) => `${d.location.line}:${d.location.col}: ${d.message}`)).toEqual([
      '1:1: Virtual server [10.0.0.1]:none:80: no protocol set - defaulting to UDP',
      "1:1: Virtual server [10.0.0.1]:none:80: no scheduler set, setting default 'wlc'",
      '1:1: Virtual server [10.0.0.1]:none:80: no forwarding method set, setting default NAT',
    ]);
    expect(bare.model?.virtualServers[0].protocol).toBe('UDP');
    const vs = (lines: string) => `virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n ${lines}\n}\n`;
    expect(messages(vs('lb_kind DR\n real_server 10.0.1.1 8080 {\n  TCP_CHECK {\n  }\n }'))).toEqual([
      "5:2: warning: WARNING - virtual server [10.0.0.1]:tcp:80 and real server [10.0.1.1]:tcp:8080 ports don't match - resetting",
    ]);
    const dr = load(vs('lb_kind DR\n real_server 10.0.1.1 8080 {\n  TCP_CHECK {\n  }\n }')).model!.virtualServers[0].realServers[0];
    expect([dr.port, dr.checkers[0].kind === 'TCP_CHECK' && dr.checkers[0].connectPort]).toEqual([80, 80]);
    expect(messages(vs('lb_kind NAT\n real_server 10.0.1.1 80 {\n }\n real_server 10.0.1.1 80 {\n }'))).toEqual([
      '7:2: warning: VS [10.0.0.1]:tcp:80: real server [10.0.1.1]:tcp:80 is duplicated - removing second rs',
    ]);
    expect(messages(vs('lb_kind NAT\n quorum 5\n hysteresis 9\n real_server 10.0.1.1 80 {\n  weight 3\n }'))).toEqual([
      '1:1: warning: Warning - quorum 5 for [10.0.0.1]:tcp:80 exceeds total weight of real servers 3, reducing quorum to 3',
      '1:1: warning: Virtual server [10.0.0.1]:tcp:80: hysteresis 9 >= quorum 3; setting hysteresis to 2',
    ]);
    expect(messages(vs('lb_kind NAT\n hashed\n real_server 10.0.1.1 80 {\n }'))).toEqual(['5:2: warning: hashed only applies to sh scheduler - ignoring']);
    expect(messages(vs('lb_kind NAT\n ops\n real_server 10.0.1.1 80 {\n }'))).toEqual([
      '1:1: warning: Virtual server [10.0.0.1]:tcp:80: one packet scheduling requires UDP - resetting',
    ]);
  });

  it('BFD_CHECK names a bfd_instance (defined anywhere in the file); an unknown keyword in it is warned', () => {
    const text = 'virtual_server 10.0.0.1 80 {\n real_server 10.0.1.1 80 {\n  BFD_CHECK {\n   name bfd1\n   weight 3\n  }\n }\n}\n'
      + 'bfd_instance bfd1 {\n neighbor_ip 10.0.1.1\n}\n';
    const r = load(text);
    expect(r.model?.virtualServers[0].realServers[0].checkers).toEqual([{ kind: 'BFD_CHECK', name: 'bfd1', alpha: false, location: expect.any(Object) }]);
    expect(r.diagnostics.map((d) => d.message)).toContain("unknown keyword 'weight' in BFD_CHECK");
  });

  it('SMTP_CHECK: the 2.2.7 form and the deprecated host blocks, one checker per host', () => {
    const r = load('virtual_server 10.0.0.1 25 {\n protocol TCP\n real_server 10.0.1.1 25 {\n  SMTP_CHECK {\n   helo_name lb.example\n   retry 2\n'
      + '   host {\n    connect_ip 10.0.1.7\n    connect_port 2525\n   }\n   host {\n    connect_timeout 9\n   }\n  }\n  SMTP_CHECK {\n   connect_port 587\n  }\n }\n}\n');
    const cs = r.model!.virtualServers[0].realServers[0].checkers.map((c) => c.kind === 'SMTP_CHECK' && [c.connectIp, c.connectPort, c.heloName, c.retry, c.connectTimeoutMs]);
    expect(cs).toEqual([['10.0.1.7', 2525, 'lb.example', 2, 5000], ['10.0.1.1', 25, 'lb.example', 2, 9000], ['10.0.1.1', 587, 'smtpchecker.keepalived.org', 1, 5000]]);
    expect(r.diagnostics.map((d) => d.message)).toContain('The SMTP_CHECK host block is deprecated. Please define additional checkers.');
  });

  it('unknown top-level and global_defs keywords are warnings; --strict makes them errors', () => {
    const text = 'global_defs {\n router_idd lb1\n notification_email {\n  a@b\n }\n}\nvrrp_instanse VI_1 {\n}\n';
    // As keepalived 2.2.7 -t: an unknown keyword takes no block, so its '{' is unexpected and its '}' is one too many.
    expect(messages(text)).toEqual([
      "2:2: warning: unknown keyword 'router_idd' in global_defs",
      "7:1: warning: unknown keyword 'vrrp_instanse'",
      "7:20: warning: Unexpected '{' - ignoring",
      "8:1: warning: unknown keyword '}'",
    ]);
    expect(load(text).model).not.toBeNull();
    expect(messages(text, true)).toEqual([
      "2:2: error: unknown keyword 'router_idd' in global_defs",
      "7:1: error: unknown keyword 'vrrp_instanse'",
      "7:20: error: Unexpected '{' - ignoring",
      "8:1: error: unknown keyword '}'",
    ]);
    expect(load(text, true).model).toBeNull();
  });

  it('global_defs values are checked', () => {
    expect(messages('global_defs {\n vrrp_version 4\n vrrp_mcast_group4 ff02::12\n lvs_flush_on_stop SOME\n lvs_sync_daemon eth0 VI_X\n}\n')).toEqual([
      '2:15: warning: vrrp_version: 4 is out of range 2-3 - ignoring',
      "3:20: error: vrrp_mcast_group4: 'ff02::12' is not an IPv4 address",
      "4:20: error: lvs_flush_on_stop: 'SOME' is not VS or ALL",
      '5:2: warning: Unable to find vrrp instance VI_X for lvs_syncd - clearing lvs_syncd config',
    ]);
  });

  it("keepalived's instance and script corrections, each with its warning", () => {
    expect(messages(instance('virtual_ipaddress {\n fd00::1\n}'))).toEqual(['8:2: warning: (VI_1): address family must match VRRP instance [fd00::1] - ignoring']);
    expect(load(instance('virtual_ipaddress {\n fd00::1\n}')).model?.vrrpInstances[0].virtualIpAddresses.map((v) => v.address)).toEqual(['10.0.0.1']);
    expect(messages('vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n}\n')).toEqual(['1:1: warning: (VI_1) No VIP specified; at least one is sensible']);
    const noPass = instance('authentication {\n auth_type PASS\n}');
    expect(messages(noPass)).toEqual(['7:1: warning: (VI_1) Authentication specified but no password given. Ignoring']);
    expect(load(noPass).model?.vrrpInstances[0].authType).toBe('NONE');
    expect(messages(instance('version 3\nauthentication {\n auth_type PASS\n auth_pass x\n}'))).toEqual(['8:1: warning: (VI_1) VRRP version 3 does not support authentication. Ignoring.']);
    // auth_type AH (keepalived 2.2.7 -t on the same text gives the same three lines)
    const ah = (body: string) => instance(`${body}authentication {\n auth_type AH\n auth_pass secret1\n}`);
    expect(messages(ah('state MASTER\npriority 100\n'))).toEqual(['1:1: warning: (VI_1) Initial state master is incompatible with AH authentication - clearing']);
    expect(load(ah('state MASTER\npriority 100\n')).model?.vrrpInstances[0]).toMatchObject({ initialState: 'BACKUP', authType: 'AH', authPass: 'secret1' });
    expect(messages(ah('state MASTER\npriority 255\n'))).toEqual([]);
    expect(messages(instance('authentication {\n auth_type AH\n}'))).toEqual(['7:1: warning: (VI_1) Authentication specified but no password given. Ignoring']);
    expect(messages(ah('version 3\n'))).toEqual(['8:1: warning: (VI_1) VRRP version 3 does not support authentication. Ignoring.']);
    expect(messages(instance('priority 255\nnopreempt'))).toEqual(['1:1: warning: (VI_1) nopreempt is incompatible with priority 255 - resetting nopreempt']);
    expect(messages(instance('state MASTER\npriority 100\npreempt_delay 5'))).toEqual(['1:1: warning: (VI_1) Warning - preempt delay will not work with initial state MASTER - clearing']);
    expect(messages('vrrp_script chk {\n interval 2\n}\n')).toEqual(['1:1: warning: No script set for vrrp_script chk - removing']);
  });

  it("a brace block after a keyword that takes none: ignored, and its '}' closes the section around it (keepalived 2.2.7 -t)", () => {
    expect(messages(instance('priority 90\n{ }'))).toEqual(["8:1: warning: Unexpected '{' - ignoring", "9:1: warning: unknown keyword '}'"]);
    expect(load(instance('priority 90\n{ }')).model?.vrrpInstances[0].priority).toBe(90);
    // In a value block a '{' is one more value and the first '}' ends the block.
    const nested = messages(instance('virtual_ipaddress {\n 10.0.0.2 {\n }\n}'));
    expect(nested).toContain("11:1: warning: unknown keyword '}'");
    expect(nested).toContain('8:11: warning: VRRP parsed invalid IP {. skipping IP...');
  });

  it('unicast_src_ip without unicast peers', () => {
    expect(messages(instance('unicast_src_ip 10.0.0.5'))).toEqual([
      '1:1: warning: (VI_1) A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration.',
    ]);
  });

  it('scripts without enable_script_security, as keepalived reports it', () => {
    const sv = 'SECURITY VIOLATION - scripts are being executed but script_security not enabled.';
    expect(messages('vrrp_script chk {\n script /bin/true\n}\n')).toEqual([`1:1: warning: ${sv}`]);
    expect(messages(instance('notify_master /bin/up'))).toEqual([`1:1: warning: ${sv}`]);
    expect(messages('global_defs {\n enable_script_security\n script_user root\n}\n' + instance('notify_master /bin/up'))).toEqual([]);
  });

  it('every error is reported, not just the first', () => {
    const text = 'static_routes {\n 10.2.0.0/16 encap mpls 200 via 10.0.0.254 dev eth0\n}\n' + instance('priority 0\nadvert_int x\nmcast_src_ip') + 'virtual_server 10.0.0.1 80 {\n protocol ICMP\n persistence_granularity 1.2.3.4\n}\n';
    expect(messages(text).filter((m) => m.includes('error:'))).toHaveLength(4);
  });
});
