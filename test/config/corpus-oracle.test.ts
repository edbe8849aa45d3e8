/**
 * The real-world corpus (../shared/corpus/realworld: 134 keepalived.conf files people run)
 * through `keepalived -t` (Debian's 2.2.7, the oracle, run here, now) and halo's config front
 * end: the verdicts (starts / refuses) must agree. keepalived -t exits 1 or 2 when it would not
 * start, 0, 5 or 6 when it starts (5/6: it warned, including about interfaces and script users
 * this machine lacks).
 *
 * Files on which halo still disagrees are listed in KNOWN_DIFFERENT with the reason; the list is
 * a ratchet: a file that starts agreeing must leave the list, a new disagreement fails with a
 * per-file diff naming both verdicts and their first messages.
 */
import { CORPUS_DIR, corpusFiles, corpusPath, haloVerdict, keepalivedVerdict, type Verdict } from '../support/corpus';
import { describeNeeding, file, tool } from '../support/prerequisites';

const describeKa = describeNeeding(tool('keepalived'), file(CORPUS_DIR, 'the real-world corpus (../shared/corpus/realworld)'));

/**
 * Where halo refuses what keepalived starts (value-level leniency keepalived has and halo not
 * yet: the keyword registry's work), by file, with halo's first error.
 */
const KNOWN_DIFFERENT: Record<string, string> = {
  '001-shell-keepalived.conf': 'sync group naming a missing instance (keepalived drops the member)',
  '005-dpvs-keepalived.conf': "lb_kind FNAT (keepalived: unknown routing method, ignored)",
  '006-docker-keepalived-reload-keepalived.conf': 'persistence_timeout 0 (keepalived ignores the value)',
  '009-dns-doodle-keepalived.conf': 'quorum 0 (keepalived ignores the value)',
  '014-keydb-multi-master-issues-keepalived.conf': 'placeholder VIP (keepalived skips an invalid VIP)',
  '019-elb-test-vhost1.conf': "lb_kind FNAT (keepalived: unknown routing method, ignored)",
  '021-keepalived_dot_conf-keepalived.conf': 'persistence_timeout 0 (keepalived ignores the value)',
  '022-AutoInstallShell-keepalived_test.conf': 'duplicate vrrp_instance name',
  '023-haproxy-keepalived.conf': 'vrrp_strict with authentication (keepalived drops the authentication)',
  '033-python_script-keepalived.conf': 'persistence_timeout 0 (keepalived ignores the value)',
  '035-keepalived_conf-keepalived.conf': "priority '100,...' (keepalived reads the number and ignores the rest)",
  '036-temp-script-keepalived.conf': 'vrrp_strict with authentication (keepalived drops the authentication)',
  '041-HAProxy_and_Keepalived-keepalived.conf': 'unicast_src_ip with a /24',
  '051-scripts-keepalived_timor.conf': 'placeholder VIP (keepalived skips an invalid VIP)',
  '055-x-script-keepalived.conf': 'vrrp_strict with authentication (keepalived drops the authentication)',
  '059-CloudNative-Kubernetes-HA-keepalived.conf': 'priority placeholder (keepalived ignores an invalid priority)',
  '062-mysql_keepalived-keepalived.conf': "state 'BACKUP|MASTER' (keepalived: unknown state, defaulting to BACKUP)",
  '083-keepalived-hcloud-keepalived.conf': 'placeholder VIP (keepalived skips an invalid VIP)',
  '085-load-balancing-cyberark-keepalived-master.conf': 'unicast_src_ip with a /24',
  '092-procluster-keepalived.conf': 'empty vrrp_sync_group (keepalived drops the group)',
  '093-keepalived-keepalived.conf.backup.conf': 'prose among the VIPs (keepalived skips an invalid VIP)',
  '095-sysop-toolkit-keepalived.conf': 'unicast_src_ip placeholder',
  '101-PXCToolkit-keepalived.conf': 'virtual_router_id placeholder',
  '102-IngressKeepalived-keepalived_master.conf': 'placeholder VIP (keepalived skips an invalid VIP)',
  '108-redis-keepalived-keepalived.conf': "state backup (keepalived: unknown state, defaulting to BACKUP)",
  '113-keepalived_postgres-tomcat-keepalived.conf-secon.conf': 'placeholder VIP (keepalived skips an invalid VIP)',
  '121-linux-keepalived.conf': "state SLAVE (keepalived: unknown state, defaulting to BACKUP)",
  '133-VRRP-keepalived.conf': 'priority placeholder (keepalived ignores an invalid priority)',
};

function describeVerdict(v: Verdict): string {
  const ka = `keepalived ${v.keepalived.starts ? 'starts' : 'refuses'} (-t exit ${v.keepalived.exit}: ${v.keepalived.first})`;
  const halo = `halo ${v.halo.starts ? 'starts' : 'refuses'}${v.halo.first ? ` (${v.halo.first})` : ''}`;
  return `${v.file}\n    ${ka}\n    ${halo}`;
}

describeKa('real-world corpus: halo starts what keepalived 2.2.7 starts, and refuses what it refuses', () => {
  const verdicts: Verdict[] = [];
  beforeAll(() => {
    for (const file of corpusFiles()) {
      const path = corpusPath(file);
      verdicts.push({ file, keepalived: keepalivedVerdict(path), halo: haloVerdict(path) });
    }
  }, 300_000);

  it('reads the whole corpus', () => {
    expect(verdicts.length).toBeGreaterThanOrEqual(134);
    // keepalived's own verdicts are stable: 132 of 134 start (../shared/corpus/README.md).
    expect(verdicts.filter((v) => v.keepalived.starts).length).toBe(132);
  });

  it('no verdict differs except the known list, and every file on the list still differs', () => {
    const differing = verdicts.filter((v) => v.keepalived.starts !== v.halo.starts);
    const started = verdicts.filter((v) => v.keepalived.starts);
    console.log(
      `corpus: keepalived starts ${started.length}/${verdicts.length}; halo starts ${started.filter((v) => v.halo.starts).length} of those; ` +
        `verdicts agree on ${verdicts.length - differing.length}/${verdicts.length}`,
    );
    const unexpected = differing.filter((v) => !(v.file in KNOWN_DIFFERENT));
    const fixed = verdicts.filter((v) => v.file in KNOWN_DIFFERENT && v.keepalived.starts === v.halo.starts);
    const report = [
      ...unexpected.map((v) => `verdicts differ:\n  ${describeVerdict(v)}`),
      ...fixed.map((v) => `now agrees (remove it from KNOWN_DIFFERENT):\n  ${describeVerdict(v)}`),
    ];
    expect(report).toEqual([]);
  });

  it('every file keepalived refuses, halo refuses too, with a located error', () => {
    for (const v of verdicts.filter((x) => !x.keepalived.starts)) {
      expect(`${v.file}: ${v.halo.starts ? 'halo starts' : 'halo refuses'}`).toBe(`${v.file}: halo refuses`);
      expect(v.halo.first).toMatch(/^\d{3}-[^:]+:\d+:\d+: error: /);
    }
  });
});
