/**
 * The real-world corpus, checker side (needs IPVS: the kernel VM tier): for every config with
 * virtual servers that both keepalived 2.2.7 and halo (under --allow-unimplemented) start,
 * keepalived runs it checkers-only (`-C`) in a throw-away namespace and dumps what it parsed;
 * the virtual servers halo builds must be the same: keys, schedulers, forwarding methods,
 * persistence, real servers, weights and checker types. Configs whose VRRP process needs IPVS
 * too (an LVS sync daemon) have their VRRP side compared here as well.
 *
 * Files where halo still builds something else are in KNOWN_LVS_DIFFERENT with the reason; the
 * list is a ratchet, as in corpus-oracle.test.ts.
 */
import { loadConfig } from '../../src/config/load';
import { CORPUS_DIR, corpusFiles, corpusPath, keepalivedVerdict } from '../support/corpus';
import { describeNeeding, file, ipvsKernel, root, tool } from '../support/prerequisites';
import { keepalivedDump, missingInterfaces } from '../support/keepalived-dump';
import { diffRunning, fromModel, interfacesOf, parseCheckDump, parseVrrpDump, vrrpNeedsIpvs } from '../support/running-config';
import { mapLimit } from '../support/pool';

/**
 * keepalived dumps in flight at once (each in its own namespaces, nothing shared but the
 * corpus file it reads): 154 s one at a time in the last CI run. Two, not more: the VM has one
 * emulated vCPU, so only the waits overlap.
 */
const DUMPS_AT_ONCE = 2;

const describeVm = describeNeeding(root, ipvsKernel, tool('keepalived'), file(CORPUS_DIR, 'the real-world corpus (../shared/corpus/realworld)'));

/** file → why halo's virtual servers differ from keepalived's (to be fixed; remove when they agree). */
const KNOWN_LVS_DIFFERENT: Record<string, string> = {};

describeVm('real-world corpus: the virtual servers halo builds are the ones keepalived runs', () => {
  const results: { file: string; diffs: string[] }[] = [];

  beforeAll(async () => {
    // which files and sides to compare (halo's model and keepalived -t: quick, in order), then
    // keepalived's dumps, DUMPS_AT_ONCE at a time: each runs in its own network and mount
    // namespace, and much of its time is keepalived starting and stopping
    const jobs: { file: string; path: string; model: NonNullable<ReturnType<typeof loadConfig>['model']>; sides: ('check' | 'vrrp')[]; interfaces: string[] }[] = [];
    for (const file of corpusFiles()) {
      const path = corpusPath(file);
      const halo = loadConfig(path, { allowUnimplemented: true });
      if (halo.model === null) continue;
      const sides = (['check', 'vrrp'] as const).filter((side) => (side === 'check' ? halo.model!.virtualServers.length > 0 : vrrpNeedsIpvs(halo.model!)));
      if (sides.length === 0) continue;
      const ka = keepalivedVerdict(path);
      if (!ka.starts) continue;
      jobs.push({ file, path, model: halo.model, sides, interfaces: [...interfacesOf(halo.model), ...missingInterfaces(ka.output)] });
    }
    results.push(...(await mapLimit(jobs, DUMPS_AT_ONCE, async ({ file, path, model, sides, interfaces }, n) => {
      const diffs: string[] = [];
      for (const side of sides) {
        const dump = await keepalivedDump({ file: path, side, interfaces, ns: `${process.env.HALO_NETNS_TAG ?? ''}preproc-cl${n}${side[0]}`, timeoutMs: 120_000 });
        if (!dump.dumped) {
          const tail = dump.text.split('\n').filter((l) => l.trim() !== '').slice(-4).join(' | ');
          diffs.push(`keepalived -${side === 'vrrp' ? 'P' : 'C'} did not run it (exit ${dump.exit}): ${tail}`);
          continue;
        }
        const theirs = side === 'check' ? { instances: [], virtualServers: parseCheckDump(dump.text) } : { instances: parseVrrpDump(dump.text), virtualServers: [] };
        diffs.push(...diffRunning(fromModel(model), theirs, { vrrp: side === 'vrrp', lvs: side === 'check' }));
      }
      return { file, diffs };
    })));
  }, 1_200_000);

  it('compares a meaningful number of files', () => {
    expect(results.length).toBeGreaterThan(20);
  });

  it('no virtual server differs except on the known list, and every file on the list still differs', () => {
    const differing = results.filter((r) => r.diffs.length > 0);
    console.log(`corpus models in the VM: ${results.length - differing.length}/${results.length} files run the same virtual servers (and, with an LVS sync daemon, instances) in halo and keepalived`);
    const report = [
      ...differing.filter((r) => !(r.file in KNOWN_LVS_DIFFERENT)).map((r) => `${r.file}:\n    ${r.diffs.join('\n    ')}`),
      ...results.filter((r) => r.file in KNOWN_LVS_DIFFERENT && r.diffs.length === 0).map((r) => `${r.file}: now agrees (remove it from KNOWN_LVS_DIFFERENT)`),
      ...Object.keys(KNOWN_LVS_DIFFERENT).filter((f) => !results.some((r) => r.file === f)).map((f) => `${f}: no longer compared (halo or keepalived refuses it): remove it from KNOWN_LVS_DIFFERENT`),
    ];
    expect(report).toEqual([]);
  });
});
