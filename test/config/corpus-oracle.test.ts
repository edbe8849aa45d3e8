/**
 * The real-world corpus (../shared/corpus/realworld: 134 keepalived.conf files people run)
 * through `keepalived -t` (Debian's 2.2.7, the oracle, run here, now) and halo's config front
 * end. keepalived -t exits 1 or 2 when it would not start, 0, 5 or 6 when it starts (5/6: it
 * warned, including about interfaces and script users this machine lacks).
 *
 * Two questions: does halo's leniency match keepalived's (halo under --allow-unimplemented
 * starts exactly what keepalived starts), and does halo fail closed (a config it refuses by
 * default while keepalived starts it is refused only for "not implemented in halo" features)?
 *
 * Files on which halo still disagrees are listed in KNOWN_DIFFERENT with the reason; the list is
 * a ratchet: a file that starts agreeing must leave the list, a new disagreement fails with a
 * per-file diff naming both verdicts and their first messages.
 */
import { CORPUS_DIR, corpusFiles, corpusPath, haloVerdict, keepalivedVerdict, type Verdict } from '../support/corpus';
import { describeNeeding, file, tool } from '../support/prerequisites';
import { KNOWN_DIFFERENT } from './corpus-known';

const describeKa = describeNeeding(tool('keepalived'), file(CORPUS_DIR, 'the real-world corpus (../shared/corpus/realworld)'));


function describeVerdict(v: Verdict): string {
  const ka = `keepalived ${v.keepalived.starts ? 'starts' : 'refuses'} (-t exit ${v.keepalived.exit}: ${v.keepalived.first})`;
  const h = v.haloLenient;
  const halo = `halo --allow-unimplemented ${h.starts ? 'starts' : 'refuses'}${h.first ? ` (${h.first})` : ''}`;
  return `${v.file}\n    ${ka}\n    ${halo}`;
}

describeKa('real-world corpus: halo starts what keepalived 2.2.7 starts, and refuses what it refuses', () => {
  const verdicts: Verdict[] = [];
  beforeAll(() => {
    for (const file of corpusFiles()) {
      const path = corpusPath(file);
      verdicts.push({ file, keepalived: keepalivedVerdict(path), halo: haloVerdict(path), haloLenient: haloVerdict(path, { allowUnimplemented: true }) });
    }
  }, 300_000);

  it('reads the whole corpus', () => {
    expect(verdicts.length).toBeGreaterThanOrEqual(134);
    // keepalived's own verdicts are stable: 132 of 134 start (../shared/corpus/README.md).
    expect(verdicts.filter((v) => v.keepalived.starts).length).toBe(132);
  });

  it('leniency: halo (--allow-unimplemented) starts what keepalived starts, except the known list, and every file on the list still differs', () => {
    const differing = verdicts.filter((v) => v.keepalived.starts !== v.haloLenient.starts);
    const started = verdicts.filter((v) => v.keepalived.starts);
    const failClosed = started.filter((v) => !v.halo.starts && v.haloLenient.starts);
    console.log(
      `corpus: keepalived starts ${started.length}/${verdicts.length}; of those halo starts ${started.filter((v) => v.halo.starts).length} as it is, ` +
        `${started.filter((v) => v.haloLenient.starts).length} with --allow-unimplemented (${failClosed.length} refused only for features halo does not implement); ` +
        `verdicts agree (--allow-unimplemented) on ${verdicts.length - differing.length}/${verdicts.length}`,
    );
    const unexpected = differing.filter((v) => !(v.file in KNOWN_DIFFERENT));
    const fixed = verdicts.filter((v) => v.file in KNOWN_DIFFERENT && v.keepalived.starts === v.haloLenient.starts);
    const report = [
      ...unexpected.map((v) => `verdicts differ:\n  ${describeVerdict(v)}`),
      ...fixed.map((v) => `now agrees (remove it from KNOWN_DIFFERENT):\n  ${describeVerdict(v)}`),
    ];
    expect(report).toEqual([]);
  });

  it('fail closed: where halo refuses what keepalived starts but would run it with --allow-unimplemented, every error is a "not implemented in halo" one', () => {
    const wrong = verdicts
      .filter((v) => v.keepalived.starts && !v.halo.starts && v.haloLenient.starts && v.halo.notImplemented !== v.halo.errors)
      .map((v) => `${v.file}: ${v.halo.errors - v.halo.notImplemented} other error(s), first: ${v.halo.first}`);
    expect(wrong).toEqual([]);
  });

  it('every file keepalived refuses, halo refuses too, with a located error', () => {
    for (const v of verdicts.filter((x) => !x.keepalived.starts)) {
      for (const h of [v.halo, v.haloLenient]) {
        expect(`${v.file}: ${h.starts ? 'halo starts' : 'halo refuses'}`).toBe(`${v.file}: halo refuses`);
        expect(h.first).toMatch(/^\d{3}-[^:]+:\d+:\d+: error: /);
      }
    }
  });
});
