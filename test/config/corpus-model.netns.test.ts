/**
 * The real-world corpus, VRRP side: for every config both keepalived 2.2.7 and halo start,
 * keepalived runs it (VRRP only, `-P`) in a throw-away namespace holding the interfaces the
 * config names and dumps what it parsed; the instances halo builds must be the same: names,
 * VRIDs, priorities, interfaces, versions, VIPs. (The checker side needs IPVS and runs in the
 * kernel VM: corpus-model.vm.test.ts.) halo's side is what it runs under --allow-unimplemented.
 *
 * Files where halo still builds something else are in KNOWN_MODEL_DIFFERENT with the reason;
 * the list is a ratchet, as in corpus-oracle.test.ts.
 */
import { loadConfig } from '../../src/config/load';
import { CORPUS_DIR, corpusFiles, corpusPath, keepalivedVerdict } from '../support/corpus';
import { describeNeeding, file, root, tool } from '../support/prerequisites';
import { keepalivedDump, missingInterfaces } from '../support/keepalived-dump';
import { diffRunning, fromModel, interfacesOf, parseVrrpDump, vrrpNeedsIpvs } from '../support/running-config';
import { mapLimit } from '../support/pool';

/**
 * keepalived dumps in flight at once (each in its own namespaces, nothing shared but the
 * corpus file it reads): 141 s one at a time in the last CI run, most of it keepalived's start
 * and stop.
 */
const DUMPS_AT_ONCE = 4;

const describeNs = describeNeeding(root, tool('keepalived'), file(CORPUS_DIR, 'the real-world corpus (../shared/corpus/realworld)'));

/** file → why halo's instances differ from keepalived's (to be fixed; remove when they agree). */
const KNOWN_MODEL_DIFFERENT: Record<string, string> = {};

describeNs('real-world corpus: the VRRP instances halo builds are the ones keepalived runs', () => {
  const results: { file: string; diffs: string[]; note: string }[] = [];
  const needIpvs: string[] = [];

  beforeAll(async () => {
    // which files to compare (halo's model and keepalived -t: quick, in order), then keepalived's
    // dumps, DUMPS_AT_ONCE at a time: each runs in its own network and mount namespace, and most
    // of its time is keepalived starting and stopping
    const jobs: { file: string; path: string; model: NonNullable<ReturnType<typeof loadConfig>['model']>; interfaces: string[] }[] = [];
    for (const file of corpusFiles()) {
      const path = corpusPath(file);
      const halo = loadConfig(path, { allowUnimplemented: true });
      if (halo.model === null || halo.model.vrrpInstances.length === 0) continue;
      const ka = keepalivedVerdict(path);
      if (!ka.starts) continue;
      if (vrrpNeedsIpvs(halo.model)) {
        // keepalived's VRRP process starts the LVS sync daemon: IPVS, so the VM tier compares these.
        needIpvs.push(file);
        continue;
      }
      jobs.push({ file, path, model: halo.model, interfaces: [...interfacesOf(halo.model), ...missingInterfaces(ka.output)] });
    }
    results.push(...(await mapLimit(jobs, DUMPS_AT_ONCE, async ({ file, path, model, interfaces }, n) => {
      const dump = await keepalivedDump({ file: path, side: 'vrrp', interfaces, ns: `${process.env.HALO_NETNS_TAG ?? ''}preproc-cm${n}` });
      if (!dump.dumped) {
        const tail = dump.text.split('\n').filter((l) => l.trim() !== '').slice(-4).join(' | ');
        return { file, diffs: [`keepalived did not run it (exit ${dump.exit}): ${tail}`], note: '' };
      }
      const theirs = { instances: parseVrrpDump(dump.text), virtualServers: [] };
      return { file, diffs: diffRunning(fromModel(model), theirs, { vrrp: true, lvs: false }), note: '' };
    })));
  }, 900_000);

  it('compares a meaningful number of files', () => {
    expect(results.length).toBeGreaterThan(80);
  });

  it('no instance differs except on the known list, and every file on the list still differs', () => {
    const differing = results.filter((r) => r.diffs.length > 0);
    console.log(
      `corpus VRRP models: ${results.length - differing.length}/${results.length} files run the same instances in halo and keepalived ` +
        `(${needIpvs.length} more need IPVS for the LVS sync daemon: compared in the VM tier)`,
    );
    const report = [
      ...differing.filter((r) => !(r.file in KNOWN_MODEL_DIFFERENT)).map((r) => `${r.file}:\n    ${r.diffs.join('\n    ')}`),
      ...results.filter((r) => r.file in KNOWN_MODEL_DIFFERENT && r.diffs.length === 0).map((r) => `${r.file}: now agrees (remove it from KNOWN_MODEL_DIFFERENT)`),
      ...Object.keys(KNOWN_MODEL_DIFFERENT).filter((f) => !results.some((r) => r.file === f)).map((f) => `${f}: no longer compared (halo or keepalived refuses it): remove it from KNOWN_MODEL_DIFFERENT`),
    ];
    expect(report).toEqual([]);
  });
});
