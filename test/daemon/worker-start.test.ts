/**
 * The worker's loader (src/daemon/worker-start.ts): a CommonJS bundle run the way Node runs a
 * module (exports, a require resolving next to the file, __filename/__dirname), with V8's code
 * cache when it fits, and the same result when it does not. The real bundle is checked too when
 * the build made it (deploy/bundle-worker.js): it exports the worker's main and runWorker.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { BUILD_ID_MARK, bundleDigest, bundleIsCurrent, codeCacheFile, codeCacheFor, runBundle, takeCodeCacheWhenReady } from '../../src/daemon/worker-start';

const source = "const { twice } = require('./dep');\nexports.value = twice(21);\nexports.where = [__filename, __dirname];\nexports.self = require.main === module;\n";

describe('worker-start runBundle', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ft-wstart-'));
    writeFileSync(join(dir, 'dep.js'), 'module.exports = { twice: (n) => 2 * n };\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));


  it('runs the file as a CommonJS module: exports, require next to the file, __filename, __dirname', () => {
    const file = join(dir, 'bundle.js');
    const { exports } = runBundle(file, source) as unknown as { exports: { value: number; where: string[]; self: boolean } };
    expect(exports.value).toBe(42);
    expect(exports.where).toEqual([file, dir]);
    // not the process's main module: the worker's own `require.main === module` start stays off
    expect(exports.self).toBe(false);
  });

  it('a bundle older than the worker.js beside it (a bare tsc after the build) is not current, nor a missing one', () => {
    const bundle = join(dir, 'w.bundle.js');
    const worker = join(dir, 'w.js');
    writeFileSync(bundle, '');
    writeFileSync(worker, '');
    utimesSync(bundle, 1000, 1000);
    utimesSync(worker, 2000, 2000);
    expect(bundleIsCurrent(bundle, worker)).toBe(false);
    utimesSync(bundle, 3000, 3000);
    expect(bundleIsCurrent(bundle, worker)).toBe(true);
    expect(bundleIsCurrent(join(dir, 'none.js'), worker)).toBe(false);
  });

  it('a code cache is used only for the bundle it was made from (its SHA-256 heads the file)', () => {
    const data = Buffer.from('v8 data');
    const file = codeCacheFile(source, data);
    expect(codeCacheFor(source, file)?.toString()).toBe('v8 data');
    // same length, other content: V8 alone would not notice
    expect(codeCacheFor(source.replace('21', '12'), file)).toBeUndefined();
    expect(codeCacheFor(source, file.subarray(0, 32))).toBeUndefined();
  });

  it("a built bundle's last line carries its SHA-256: read, not computed (the worker never loads node:crypto for it)", () => {
    const digest = createHash('sha256').update(source).digest('hex');
    const built = `${source}${BUILD_ID_MARK}${digest}`;
    expect(bundleDigest(built).toString('hex')).toBe(digest);
    expect(bundleDigest(source).toString('hex')).toBe(digest);
    const file = codeCacheFile(built, Buffer.from('v8 data'));
    expect(codeCacheFor(built, file)?.toString()).toBe('v8 data');
    // another build: another last line
    expect(codeCacheFor(`${source}${BUILD_ID_MARK}${'0'.repeat(64)}`, file)).toBeUndefined();
    // and the real build wrote it
    expect(readFileSync(join(__dirname, '..', '..', 'dist', 'daemon', 'worker.bundle.js'), 'utf8')).toMatch(/\n\/\/# halo-bundle-sha256=[0-9a-f]{64}$/);
  });
});

/** Node in a child process (a fresh isolate: nothing compiled yet), loading through dist/. */
function childLoad(bundle: string): { rejected: boolean; value: number } {
  const ws = join(__dirname, '../../dist/daemon/worker-start.js');
  const code = `const w = require(${JSON.stringify(ws)}); const fs = require('fs'); const src = fs.readFileSync(${JSON.stringify(bundle)}, 'utf8');
    const c = fs.existsSync(${JSON.stringify(bundle)} + '.v8cache') ? w.codeCacheFor(src, fs.readFileSync(${JSON.stringify(bundle)} + '.v8cache')) : undefined;
    const r = w.runBundle(${JSON.stringify(bundle)}, src, c);
    if (!c) fs.writeFileSync(${JSON.stringify(bundle)} + '.v8cache', w.codeCacheFile(src, r.script.createCachedData()));
    process.stdout.write(JSON.stringify({ rejected: !c || r.script.cachedDataRejected, value: r.exports.value }));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', code], { encoding: 'utf8' })) as { rejected: boolean; value: number };
}

describe('worker-start code cache in a fresh process', () => {
  it('first run compiles and writes the cache, the next one is served from it, same result', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ft-wcache-'));
    try {
      writeFileSync(join(dir, 'dep.js'), 'module.exports = { twice: (n) => 2 * n };\n');
      const bundle = join(dir, 'bundle.js');
      writeFileSync(bundle, `${source}function big() { return [${Array.from({ length: 200 }, (_, i) => i).join(',')}]; }\nexports.big = big;\n`);
      expect(childLoad(bundle)).toEqual({ rejected: true, value: 42 });
      expect(childLoad(bundle)).toEqual({ rejected: false, value: 42 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the build's training start (MAKE_CODE_CACHE_ENV)", () => {
  it('once the worker is ready: the logger warmed, the cache of what ran written for this bundle, then the worker stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ft-wtrain-'));
    try {
      writeFileSync(join(dir, 'dep.js'), 'module.exports = { twice: (n) => 2 * n };\n');
      const bundle = join(dir, 'bundle.js');
      const text = `${source}let go; exports.ready = new Promise((r) => (go = r)); exports.go = () => go();\nexports.warmed = 0; exports.warmLogging = () => { exports.warmed++; };\n`;
      writeFileSync(bundle, text);
      const loaded = runBundle(bundle, text) as unknown as Parameters<typeof takeCodeCacheWhenReady>[2] & { exports: { go(): void; warmed: number } };
      let stopped = 0;
      const stoppedNow = new Promise<void>((res) => takeCodeCacheWhenReady(`${bundle}.v8cache`, text, loaded, () => { stopped++; res(); }));
      await new Promise((r) => setTimeout(r, 400));
      // not before ready
      expect(existsSync(`${bundle}.v8cache`)).toBe(false);
      loaded.exports.go();
      await stoppedNow;
      expect(stopped).toBe(1);
      expect(loaded.exports.warmed).toBe(1);
      const file = readFileSync(`${bundle}.v8cache`);
      expect(codeCacheFor(text, file)).toBeDefined();
      // a fresh Node accepts it for this bundle
      expect(childLoad(bundle)).toEqual({ rejected: false, value: 42 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const built = join(__dirname, '../../dist/daemon/worker.bundle.js');
describe('the built worker bundle (dist/daemon/worker.bundle.js)', () => {
  it('exists after npm run build, and exports the worker main and runWorker', () => {
    expect(existsSync(built)).toBe(true);
    const { exports } = runBundle(built, readFileSync(built, 'utf8'));
    expect(typeof exports.main).toBe('function');
    expect(typeof exports.runWorker).toBe('function');
    // the build's training start waits on it (worker-start.ts takeCodeCacheWhenReady)
    expect(typeof exports.ready.then).toBe('function');
  });
});
