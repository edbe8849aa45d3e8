/**
 * The corpus files `keepalived -t` accepts and halo refuses (corpus-known.ts) are ones
 * keepalived 2.2.7 itself will not run: started for real in a namespace with the interfaces the
 * file names, its VRRP process stops with a configuration error and the parent terminates with
 * exit 2 ("exited with permanent error CONFIG. Terminating"). So halo refusing them is
 * keepalived's outcome, found earlier; if keepalived ever ran one, this fails.
 */
import { readFileSync } from 'node:fs';
import { CORPUS_DIR, corpusPath } from '../support/corpus';
import { keepalivedDump } from '../support/keepalived-dump';
import { describeNeeding, file, root, tool } from '../support/prerequisites';
import { loadConfig } from '../../src/config/load';
import { KNOWN_DIFFERENT } from './corpus-known';

jest.setTimeout(120_000);

const describeNs = describeNeeding(root, tool('keepalived'), file(CORPUS_DIR, 'the real-world corpus (../shared/corpus/realworld)'));

describeNs('corpus files keepalived -t accepts but keepalived 2.2.7 does not run', () => {
  const files = Object.keys(KNOWN_DIFFERENT);

  it('the list is not empty', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s: keepalived terminates at start with a configuration error; halo refuses it', async (name) => {
    const path = corpusPath(name);
    const interfaces = [...readFileSync(path, 'utf8').matchAll(/^\s*interface\s+(\S+)/gm)].map((m) => m[1]);
    const tag = process.env.HALO_NETNS_TAG ?? '';
    const run = await keepalivedDump({ file: path, side: 'vrrp', interfaces, ns: `${tag}corpus-run`, timeoutMs: 30_000 });
    expect({ dumped: run.dumped, exit: run.exit }).toEqual({ dumped: false, exit: '2' });
    expect(run.text).toMatch(/exited with permanent error CONFIG\. Terminating/);
    expect(loadConfig(path, { allowUnimplemented: true }).model).toBeNull();
  });
});
