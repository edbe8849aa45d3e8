/**
 * Mixed address families and the other group-service checks, halo beside keepalived 2.2.7: for
 * each config, keepalived's checker process (`-C`, in a throw-away namespace) logs what its
 * parser, link_vsg_to_vs and validate_check_config say before it starts IPVS; halo's warnings
 * for the same config must be the same lines. link_vsg_to_vs logs with
 * log_message, which `keepalived -t` never shows, so the checker process is run for real (on this
 * kernel it stops at "Initializing ipvs"; with IPVS it is stopped once it dumps its config).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load';
import { keepalivedDump } from '../support/keepalived-dump';
import { describeNeeding, root, tool } from '../support/prerequisites';

const describeRoot = describeNeeding(root, tool('keepalived'), tool('unshare', 'util-linux'));

const vsg = (name: string, entries: string): string => `virtual_server_group ${name} {\n${entries}}\n`;
const vs = (name: string, body: string): string => `virtual_server group ${name} {\n${body}}\n`;
const rs = (addr: string, port = ''): string => ` real_server ${addr} ${port} {\n }\n`;

/** name → config (virtual servers only: the checker process reads nothing else). */
const CASES: Record<string, string> = {
  'IPv6 group, IPv4 real servers (corpus file 005)': vsg('V6', ' 2001:db8::1 80\n') + vs('V6', ' protocol TCP\n lb_algo rr\n lb_kind DR\n' + rs('10.0.1.2', '80') + rs('10.0.1.3', '80')) +
    vsg('V4', ' 10.0.0.1 80\n') + vs('V4', ' protocol TCP\n lb_algo rr\n lb_kind DR\n' + rs('10.0.1.2', '80')),
  'IPv4 group, an IPv6 real server and then an IPv4 one': vsg('V4', ' 10.0.0.1 80\n') + vs('V4', ' protocol TCP\n lb_algo rr\n lb_kind NAT\n' + rs('2001:db8::2', '80') + rs('10.0.1.2', '80')),
  'both families in the group': vsg('B', ' 10.0.0.1 80\n 2001:db8::1 80\n') + vs('B', ' protocol TCP\n lb_algo rr\n lb_kind NAT\n' + rs('10.0.1.2', '80')) +
    vs('B', ' protocol UDP\n lb_algo rr\n lb_kind TUN\n' + rs('10.0.1.2') + rs('2001:db8::2')),
  'fwmarks with and without a family': vsg('F', ' fwmark 7\n fwmark 8 ipx\n') + vs('F', ' lb_algo rr\n lb_kind TUN\n' + rs('2001:db8::2') + rs('10.0.1.2')) +
    vsg('F6', ' fwmark 9 inet6\n') + vs('F6', ' protocol TCP\n lb_algo rr\n lb_kind DR\n ha_suspend\n' + rs('10.0.1.2', '80') + rs('2001:db8::3', '80')),
  'removed groups': vsg('M', ' 10.0.0.1 80\n 2001:db8::1 80\n fwmark 3\n') + vs('M', ' lb_algo rr\n lb_kind TUN\n' + rs('10.0.1.2')) +
    'virtual_server_group E {\n}\n' + vs('E', ' lb_algo rr\n' + rs('10.0.1.2')) + vs('NONE', ' lb_algo rr\n' + rs('10.0.1.2')),
  'group services sharing a group, no protocol, ports': vsg('G', ' 10.0.0.1 53\n 10.0.0.10-12 54\n') + vs('G', ' lb_algo rr\n lb_kind DR\n' + rs('10.0.1.2', '8053')) +
    vs('G', ' protocol TCP\n lb_algo rr\n' + rs('10.0.1.3', '53') + rs('2001:db8::3', '53')),
  'member numbers after a service dropped when linking': vsg('N', ' 10.0.0.1 53\n') + vs('N', ' protocol TCP\n lb_algo rr\n lb_kind NAT\n' + rs('2001:db8::2', '53')) +
    vs('N', ' protocol TCP\n lb_algo rr\n lb_kind NAT\n') + vs('N', ' protocol UDP\n lb_algo rr\n' + rs('10.0.1.3', '53')),
  'ranges whose end is not past their start, or too large': vsg('R', ' 10.0.0.5-5 80\n 10.0.0.5-3 81\n 10.0.0.1-300 82\n 10.0.0.1-2 83\n') +
    vs('R', ' protocol TCP\n lb_algo rr\n lb_kind DR\n' + rs('10.0.1.2', '80')) +
    vsg('R6', ' 2001:db8::a-a 80\n 2001:db8::a-9 80\n 2001:db8::a-10000 80\n 2001:db8::a-b 80\n') + vs('R6', ' protocol TCP\n lb_algo rr\n lb_kind DR\n' + rs('2001:db8::2', '80')),
};

/**
 * keepalived's checker lines before it starts IPVS (or dumps), without time stamps and file/line
 * prefixes. The parent's own start-up lines are left out: they may come before or after the
 * child's, as the two processes write to the same pipe.
 */
function checkerLines(log: string): string[] {
  const lines = log.split('\n').map((l) => l.replace(/^\w{3} \w{3} +\d+ [\d:]+ \d{4}: /, ''));
  const to = lines.findIndex((l) => l.startsWith('Initializing ipvs') || l.startsWith('------<'));
  const parent = /^(Starting Keepalived|Running on|Command line|\s|Opening file|Configuration file|NOTICE:|Starting Healthcheck child process)/;
  return lines.slice(0, to < 0 ? undefined : to).filter((l) => l.trim() !== '' && !parent.test(l)).map((l) => l.replace(/^\([^)]*: Line \d+\) /, ''));
}

/** A service with nothing to say about it, so keepalived always goes on to IPVS. */
const PLAIN = 'virtual_server 10.9.9.9 80 {\n protocol TCP\n lb_algo rr\n lb_kind NAT\n real_server 10.9.9.10 80 {\n }\n}\n';

describeRoot('virtual_server group families and checks: halo says what keepalived says', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvs-vsg-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(Object.entries(CASES))('%s', async (name, conf) => {
    const path = join(dir, `${name.replace(/\W+/g, '-')}.conf`);
    writeFileSync(path, conf + PLAIN);
    const ns = `${process.env.HALO_NETNS_TAG ?? ''}lvsg${Object.keys(CASES).indexOf(name)}`;
    const ka = await keepalivedDump({ file: path, side: 'check', interfaces: [], ns, timeoutMs: 60_000 });
    const theirs = checkerLines(ka.text);
        expect(ka.text).toMatch(/Initializing ipvs|------< LVS Topology >------/);
    const ours = loadConfig(path).diagnostics.map((d) => d.message);
    // halo lists its diagnostics by place in the file, keepalived by phase (parse, link, validate).
    expect([...ours].sort()).toEqual([...theirs].sort());
    // Not vacuous: every case has something keepalived says about its group services.
    expect(theirs.length).toBeGreaterThan(0);
  }, 90_000);
});
