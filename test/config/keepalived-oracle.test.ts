/**
 * Debian's keepalived as the oracle: `keepalived -t` and `halo check --strict` (whose warnings
 * are errors, as every keepalived config complaint fails -t) must agree on valid and invalid
 * configs, and keepalived must accept the shipped examples. keepalived -t refuses interfaces
 * that do not exist, so each run happens in a fresh user + network namespace (`unshare -rn`, no
 * root needed) holding a veth pair named eth0/eth1, the names the configs use: every case asserts
 * on every machine, whatever interfaces the host has.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfigText } from '../../src/config/load';
import { describeNeeding, tool, userNetns } from '../support/prerequisites';

const describeKa = describeNeeding(tool('keepalived'), userNetns);

const VI = (body: string, name = 'VI_1', vrid = 51, vip = '10.0.0.1') =>
  `vrrp_instance ${name} {\n interface eth0\n virtual_router_id ${vrid}\n${body} virtual_ipaddress {\n  ${vip}\n }\n}\n`;
const VS = (body: string, rs = '') =>
  `virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind NAT\n${body} real_server 10.0.1.1 80 {\n${rs} }\n}\n`;

/** [name, config, both accept?] */
const CASES: [string, string, boolean][] = [
  ['minimal instance', VI(''), true],
  ['vrid 0', VI('').replace('id 51', 'id 0'), false],
  ['priority 300', VI(' priority 300\n'), false],
  ['v2 fractional advert_int', VI(' advert_int 1.5\n'), false],
  ['v3 centisecond advert_int', VI(' version 3\n advert_int 0.25\n'), true],
  ['unknown keyword', VI(' bogus\n'), false],
  ['nopreempt with state MASTER', VI(' state MASTER\n nopreempt\n'), false],
  ['VRID reused on one interface', VI('') + VI('', 'VI_2', 51, '10.0.0.2'), false],
  ['same VRID, IPv4 and IPv6', VI('') + VI('', 'VI_6', 51, 'fd00::1'), true],
  ['sync group with unknown member', VI('') + 'vrrp_sync_group G {\n group {\n  VI_1 VI_X\n }\n}\n', false],
  ['duplicate instance name', VI('') + VI('', 'VI_1', 52, '10.0.0.2'), false],
  ['bad VIP', VI('', 'VI_1', 51, '10.0.0.300'), false],
  ['auth_pass over 8 chars', VI(' authentication {\n  auth_type PASS\n  auth_pass 123456789\n }\n'), false],
  ['parameters', '$V=77\n' + VI('').replace('id 51', 'id $V'), true],
  ['virtual server with TCP_CHECK', VS('', '  TCP_CHECK {\n   connect_timeout 3\n  }\n'), true],
  ['unknown scheduler', VS('').replace('rr', 'nope'), false],
  ['unknown forwarding method', VS('').replace('lb_kind NAT', 'lb_kind MASQ'), false],
  ['no protocol', VS('').replace(' protocol TCP\n', ''), false],
  ['persistence_timeout without value', VS(' persistence_timeout\n'), true],
  ['DR port mismatch', VS('').replace('NAT', 'DR').replace('10.0.1.1 80', '10.0.1.1 8080'), false],
  ['delay_loop 0', VS(' delay_loop 0\n'), false],
  ['virtual server without real servers', 'virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind NAT\n}\n', false],
  ['no VIPs', 'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n}\n', false],
  ['PASS without a password', VI(' authentication {\n  auth_type PASS\n }\n'), false],
  ['authentication with VRRPv3', VI(' version 3\n authentication {\n  auth_type PASS\n  auth_pass x\n }\n'), false],
  ['one-member sync group', VI('') + 'vrrp_sync_group G {\n group {\n  VI_1\n }\n}\n', false],
  ['two-member sync group', VI('') + VI('', 'VI_2', 52, '10.0.0.2') + 'vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n}\n', true],
  ['unknown track_script', VI(' track_script {\n  nope\n }\n'), false],
  ['mixed VIP families', VI(' virtual_ipaddress {\n  fd00::1\n }\n'), false],
  ['scope on an IPv6 VIP', VI('', 'VI_6', 51, 'fd00::1/64 scope site'), false],
  ['label on an IPv6 VIP', VI('', 'VI_6', 51, 'fd00::1/64 label eth0:6'), false],
  ['scope global on an IPv6 VIP', VI('', 'VI_6', 51, 'fd00::1/64 scope global'), true],
  ['broadcast on an IPv6 VIP', VI('', 'VI_6', 51, 'fe80::1/64\n  fd00::1/64 brd fd00::ff'), false],
  ['priority 255 with nopreempt', VI(' priority 255\n nopreempt\n'), false],
  ['vrrp_script without script', 'vrrp_script chk {\n interval 2\n}\n', false],
  ['brace block after a plain keyword', VI(' priority 90\n { }\n'), false],
  ['unicast_src_ip without peers', VI(' unicast_src_ip 10.0.0.5\n'), false],
  ['notify script without script security', VI(' notify_master /bin/true\n'), false],
  ['notify script with script security', 'global_defs {\n enable_script_security\n script_user root\n}\n' + VI(' notify_master /bin/true\n'), true],
  ['hashed with rr', VS(' hashed\n'), false],
  ['sh-port with sh', VS(' sh-port\n').replace('lb_algo rr', 'lb_algo sh'), true],
  ['mh-fallback with mh', VS(' mh-fallback\n').replace('lb_algo rr', 'lb_algo mh'), true],
  ['virtual_server flags with stray arguments', VS(' alpha TUN\n omega x\n ha_suspend 2\n'), true],
  ['real_server alpha with a bad argument', VS('', '  alpha x\n'), false],
  ['real_server lvs_method', VS('', '  lvs_method NAT\n'), true],
  ['real_server lb_kind (not an alias there)', VS('', '  lb_kind NAT\n'), false],
  ['lvs_sync_daemon_interface (deprecated)', VI(' lvs_sync_daemon_interface eth0\n'), false],
  ['global vrrp_version 3', 'global_defs {\n router_id x\n vrrp_version 3\n}\n', true],
  ['global vrrp_version 4', 'global_defs {\n vrrp_version 4\n}\n', false],
  ['bad mcast group', 'global_defs {\n vrrp_mcast_group4 300.1.1.1\n}\n', false],
  ['extra closing brace', VI('') + '}\n', false],
  ['unicast_src_ip and peers written ADDR/LEN', VI(' unicast_src_ip 192.168.0.91/24\n unicast_peer {\n  10.0.0.2/24\n }\n'), true],
  ['priority from a $NAME definition', '$P=90\n' + VI(' priority $P\n'), true],
  ['lthreshold above uthreshold', VS('', '  uthreshold 10\n  lthreshold 20\n'), true],
  ['real server weight 70000', VS('', '  weight 70000\n'), true],
  ['missing closing brace', VI('').slice(0, -2), false],
];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hcfg-oracle-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The namespace every `keepalived -t` runs in: eth0 and eth1, a veth pair (multicast-capable), up. */
const NETNS_SETUP = 'ip link add eth0 type veth peer name eth1 && ip link set eth0 up && ip link set eth1 up';

/** `keepalived -t -f FILE` in its namespace: exit status and everything it printed. */
function keepalivedTest(file: string): { status: number | null; said: string } {
  const r = spawnSync('unshare', ['-rn', 'sh', '-c', `${NETNS_SETUP} || exit 99; exec keepalived -t -f "$1"`, 'sh', file], { encoding: 'utf8', timeout: 20_000 });
  if (r.status === 99 || r.error) throw new Error(`could not prepare the namespace for keepalived -t: ${r.error?.message ?? r.stderr}`);
  return { status: r.status, said: `${r.stdout}${r.stderr}` };
}

function keepalivedAccepts(file: string): boolean {
  return keepalivedTest(file).status === 0;
}

describeKa('halo check --strict agrees with keepalived -t', () => {
  it.each(CASES)('%s', (name, text, valid) => {
    const file = join(dir, `${name.replace(/\W+/g, '_')}.conf`);
    writeFileSync(file, text);
    expect({ keepalived: keepalivedAccepts(file), halo: loadConfig(file, { strict: true, allowUnimplemented: true }).model !== null }).toEqual({ keepalived: valid, halo: valid });
  });

  it.each(['master.conf', 'standby.conf', 'sync-group.conf'])('keepalived -t accepts deploy/examples/%s', (name) => {
    const text = readFileSync(join(__dirname, '..', '..', 'deploy', 'examples', name), 'utf8');
    const file = join(dir, name);
    writeFileSync(file, text);
    expect(keepalivedAccepts(file)).toBe(true);
    expect(loadConfig(file, { strict: true }).diagnostics).toEqual([]);
  });
});

describeKa('differential: random edits of the thesis master', () => {
  const SAMPLES = 80;
  const WORDS = ['{', '}', '0', '-1', '256', '65536', '1.5', 'x', '"q"', 'priority', 'virtual_router_id', 'nopreempt', 'state',
    'BACKUP', 'MASTER', '10.0.0.1', '10.0.0.256', 'lb_algo', 'wrr', 'lb_kind', 'DR', 'TUN', 'persistence_timeout', 'weight',
    'advert_int', '3', 'auth_type', 'AH', 'delay_loop', 'connect_port', 'retry', 'protocol', 'SCTP', 'quorum', '2'];

  it(`${SAMPLES} seeded edits: keepalived -t and halo check --strict accept or reject alike`, () => {
    const base = readFileSync(join(__dirname, '..', '..', 'deploy', 'examples', 'master.conf'), 'utf8');
    let seed = 0x0dd5eed;
    const rnd = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 4294967296;
    };
    const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
    const disagreements: string[] = [];
    let rejected = 0;
    for (let i = 0; i < SAMPLES; i++) {
      const lines = base.split('\n');
      const li = Math.floor(rnd() * lines.length);
      // keepalived -t also checks that interfaces exist on this machine; halo check is static.
      if (lines[li].includes('interface')) continue;
      const op = Math.floor(rnd() * 3);
      if (op === 0) {
        const w = lines[li].split(/(\s+)/);
        w[Math.floor(rnd() * w.length)] = pick(WORDS);
        lines[li] = w.join('');
      } else if (op === 1) lines.splice(li, 1);
      else lines.splice(li, 0, ` ${pick(WORDS)} ${pick(WORDS)}`);
      const text = lines.join('\n');
      const file = join(dir, 'edit.conf');
      writeFileSync(file, text);
      const ka = keepalivedAccepts(file);
      const halo = parseConfigText(text, file, { strict: true, allowUnimplemented: true }).model !== null;
      if (!ka) rejected++;
      if (ka !== halo) disagreements.push(`edit ${i} line ${li + 1} '${lines[li]}': keepalived ${ka ? 'accepts' : 'rejects'}, halo ${halo ? 'accepts' : 'rejects'}`);
    }
    expect(disagreements).toEqual([]);
    expect(rejected).toBeGreaterThan(10);
  }, 120_000);
});

/**
 * Where keepalived warns and carries on, halo warns in keepalived's words and carries on:
 * keepalived -t prints the same message (and exits 5, "config errors, but it runs"), and
 * halo check accepts the config (without --strict) with that warning.
 */
const LENIENT: [string, string, string][] = [
  ['state backup', VI(' state backup\n'), "(VI_1) unknown state 'backup', defaulting to BACKUP"],
  ['state SLAVE', VI(' state SLAVE\n'), "(VI_1) unknown state 'SLAVE', defaulting to BACKUP"],
  ['priority 300', VI(' priority 300\n'), '(VI_1) Priority not valid! must be between 1 & 255. Using default 100'],
  ['priority with an undefined conditional word', VI(' priority @nfs1\n'), '(VI_1) Priority not valid! must be between 1 & 255. Using default 100'],
  ['advert_int 0', VI(' advert_int 0\n'), '(VI_1) Advert interval (0) not valid! Must be > 0 - ignoring'],
  ['vrrp_strict with authentication', 'global_defs {\n vrrp_strict\n}\n' + VI(' accept\n authentication {\n  auth_type PASS\n  auth_pass abc\n }\n'), '(VI_1) Strict mode does not support authentication. Ignoring.'],
  ['empty sync group', VI('') + 'vrrp_sync_group G {\n group {\n }\n}\n', 'Sync group G has no virtual router(s). removing'],
  ['sync group naming a missing instance', VI('') + VI('', 'VI_2', 52, '10.0.0.2') + 'vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n  VI_X\n }\n}\n', "Virtual router VI_X specified in sync group G doesn't exist - ignoring"],
  ['sync group of missing instances only', VI('') + 'vrrp_sync_group G {\n group {\n  VI_X\n }\n}\n', 'Sync group G, no matching virtual router found in group declaration - removing'],
  ['vrrp_garp_interval 0', 'global_defs {\n vrrp_garp_interval 0\n}\n' + VI(''), "vrrp_garp_interval '0' is invalid"],
  ['persistence_timeout 0', VS(' persistence_timeout 0\n'), 'persistence_timeout invalid'],
  ['quorum 0', VS(' quorum 0\n'), 'Quorum 0 must be in [1, 4294967295]. Setting to 1.'],
  ['delay_loop 0', VS(' delay_loop 0\n'), "virtual server delay loop '0' invalid - ignoring"],
  ['uthreshold -1', VS('', '  uthreshold -1\n'), "Invalid real_server uthreshold '-1' - ignoring"],
  ['a placeholder VIP', VI('', 'VI_1', 51, '__VIRTUAL_IP__'), 'VRRP parsed invalid IP __VIRTUAL_IP__. skipping IP...'],
  ['a VIP prefix of 33', VI('', 'VI_1', 51, '10.0.0.1/33'), 'Invalid address prefix len 33 for address 10.0.0.1/33 - using 32'],
  ['a malformed unicast_src_ip', VI(' unicast_src_ip X.X.X.X\n unicast_peer {\n  10.0.0.3\n }\n'), 'Configuration error: VRRP instance[VI_1] malformed src address[X.X.X.X]. Skipping...'],
  ['a malformed unicast peer', VI(' unicast_peer {\n  Y.Y.Y.Y\n  10.0.0.3\n }\n'), 'Configuration error: VRRP instance[VI_1] malformed unicast peer address[Y.Y.Y.Y]. Skipping...'],
  ['an unknown scheduler', VS('').replace('lb_algo rr', 'lb_algo conhash'), "Invalid lvs_scheduler 'conhash' - ignoring"],
  ['an unknown forwarding method', VS('').replace('lb_kind NAT', 'lb_kind FNAT'), 'PARSER : unknown [FNAT] routing method for virtual server.'],
  ['a duplicate instance', VI('') + VI('', 'VI_1', 52, '10.0.0.2'), 'vrrp instance VI_1 already defined'],
];

describeKa('leniency: keepalived warns and carries on, and so does halo, in its words', () => {
  it.each(LENIENT)('%s', (name, text, message) => {
    const file = join(dir, `lenient_${name.replace(/\W+/g, '_')}.conf`);
    writeFileSync(file, text);
    const { status, said } = keepalivedTest(file);
    const halo = loadConfig(file);
    expect({ keepalivedRuns: status === 5 || status === 6, keepalivedSays: said.includes(message) }).toEqual({ keepalivedRuns: true, keepalivedSays: true });
    expect({ haloRuns: halo.model !== null, haloSays: halo.diagnostics.filter((d) => d.severity === 'warning').map((d) => d.message) })
      .toEqual({ haloRuns: true, haloSays: expect.arrayContaining([message]) });
  });
});
