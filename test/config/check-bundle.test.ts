/**
 * `halo check`'s bundle (dist/cli/check.bundle.js and its V8 code cache, made by
 * deploy/bundle-worker.js, loaded by src/cli/main.ts): in a fresh process started with
 * CHECK_V8_FLAGS (as bin/halo starts it) the cache is accepted, and the bundle prints exactly
 * what dist/cli/check.js prints, with the same status, on the examples, a generated config,
 * broken configs, --dump and --keywords.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECK_V8_FLAGS } from '../../src/cli/check';

const ROOT = join(__dirname, '..', '..');
const DIST = join(ROOT, 'dist');
const BUNDLE = join(DIST, 'cli', 'check.bundle.js');
const EXAMPLES = join(ROOT, 'deploy', 'examples');

interface Run { status: number; stdout: string; stderr: string; rejected?: boolean }

/** check's main on `args` in a fresh Node, from the bundle (with its cache) or from check.js. */
function inChild(from: 'bundle' | 'files', args: string[]): Run {
  const code = `
    const fs = require('fs');
    const out = { stdout: '', stderr: '' };
    let rejected;
    let mod;
    if (${JSON.stringify(from)} === 'bundle') {
      const w = require(${JSON.stringify(join(DIST, 'daemon', 'worker-start.js'))});
      const src = fs.readFileSync(${JSON.stringify(BUNDLE)}, 'utf8');
      const cache = w.codeCacheFor(src, fs.readFileSync(${JSON.stringify(`${BUNDLE}.v8cache`)}));
      const r = w.runBundle(${JSON.stringify(BUNDLE)}, src, cache);
      rejected = !cache || r.script.cachedDataRejected;
      mod = r.exports;
    } else mod = require(${JSON.stringify(join(DIST, 'cli', 'check.js'))});
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (s) => ((out.stdout += s), true);
    process.stderr.write = (s) => ((out.stderr += s), true);
    mod.main(JSON.parse(process.argv[1])).then((status) => write(JSON.stringify({ status, ...out, rejected })));`;
  const r = spawnSync(process.execPath, [...CHECK_V8_FLAGS, '-e', code, JSON.stringify(args)], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`child (${from}) failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Run;
}

describe('the halo check bundle', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hcfg-bundle-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is built, with a code cache that V8 accepts under CHECK_V8_FLAGS', () => {
    expect(existsSync(BUNDLE)).toBe(true);
    expect(inChild('bundle', ['--help']).rejected).toBe(false);
  });

  it('prints what check.js prints, with the same status', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { generateConfig } = require('../bench/parse/generate') as { generateConfig: (lines: number, ifname: string) => string };
    writeFileSync(join(dir, 'big.conf'), generateConfig(3000, 'lo'));
    writeFileSync(join(dir, 'bad.conf'), 'vrrp_instance VI_1 {\n  priority 999\n  virtual_ipaddress {\n    300.1.1.1\n  }\n}\n}\nvirtual_server 10.0.0.1 80 {\n real_server x 80 {\n }\n');
    writeFileSync(join(dir, 'slips.conf'), 'a } b\n');
    const cases: string[][] = [
      ...readdirSync(EXAMPLES).filter((f) => f.endsWith('.conf')).sort().map((f) => ['-f', join(EXAMPLES, f)]),
      ['-f', join(dir, 'big.conf')], ['-f', join(dir, 'big.conf'), '--dump'], ['-f', join(dir, 'bad.conf')],
      ['-f', join(dir, 'bad.conf'), '--strict'], ['-f', join(dir, 'slips.conf')], ['-f', join(dir, 'none.conf')], ['--keywords', '--json'],
    ];
    for (const args of cases) {
      const { rejected, ...bundled } = inChild('bundle', args);
      expect(rejected).toBe(false);
      expect({ args, ...bundled }).toEqual({ args, ...inChild('files', args) });
    }
  });
});
