/**
 * The worker's entry as the supervisor execs it. Loading the worker's ~100 modules one file at
 * a time is most of its start-up: resolving and reading each file, then compiling ~1 MB of
 * JavaScript (65 ms of CPU on the host, 11.6 s in the emulated VM). When the build made them
 * (deploy/bundle-worker.js), this loads instead
 *   - dist/daemon/worker.bundle.js: worker.js and everything it imports in one file (the
 *     packages that find a native binary next to themselves stay in node_modules), and
 *   - worker.bundle.js.v8cache: V8's code cache of that file, made with the worker's V8 flags,
 * so V8 deserialises compiled code instead of parsing and compiling it. The build takes the cache
 * from a real start when it can (a worker started with MAKE_CODE_CACHE_ENV in a private network
 * namespace), so that what a start runs (the engines, netlink, the sockets) is in it too, not only
 * what loading the bundle runs: V8 compiles a function when it is first called. A cache that does not
 * fit (another Node, other flags, a changed bundle) is rejected by V8 and the bundle compiles
 * as usual; without a bundle, worker.js is loaded as before. Same behaviour either way.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

export const BUNDLE = join(__dirname, 'worker.bundle.js');
export const CODE_CACHE = `${BUNDLE}.v8cache`;

type WorkerModule = typeof import('./worker');

export interface LoadedBundle {
  exports: WorkerModule;
  script: Script;
}

/** The last line of a bundle deploy/bundle-worker.js made: the SHA-256 of everything before it. */
export const BUILD_ID_MARK = '\n//# halo-bundle-sha256=';

/**
 * The SHA-256 of the bundle `source`: the one the build wrote in its last line (BUILD_ID_MARK),
 * read without hashing (loading node:crypto costs the worker ~2 MB of RSS, issue 15), else
 * computed.
 */
export function bundleDigest(source: string): Buffer {
  const at = source.length - BUILD_ID_MARK.length - 64;
  if (at >= 0 && source.startsWith(BUILD_ID_MARK, at)) {
    const id = Buffer.from(source.slice(at + BUILD_ID_MARK.length), 'hex');
    if (id.length === 32) return id;
  }
  return (require('node:crypto') as typeof import('node:crypto')).createHash('sha256').update(source).digest();
}

/**
 * The code cache file: the SHA-256 of the bundle it was made from, then V8's data. V8 itself
 * checks only the source's length (and its version and flags), so a rebuilt bundle of the same
 * length would otherwise run with another file's compiled code.
 */
export function codeCacheFile(source: string, cachedData: Buffer): Buffer {
  return Buffer.concat([bundleDigest(source), cachedData]);
}

/** V8's data from a code cache file, if it was made from `source` (its build's SHA-256). */
export function codeCacheFor(source: string, file: Buffer): Buffer | undefined {
  if (file.length <= 32) return undefined;
  return bundleDigest(source).equals(file.subarray(0, 32)) ? file.subarray(32) : undefined;
}

/**
 * The `require` of a CommonJS file `file`: this module's own when the file is next to it (the
 * bundle is: the same resolution of its packages and relative paths, and `require.main` is the
 * worker's entry either way), else one made for it. node:module's createRequire is loaded only
 * then: loading node:module costs the worker's start ~5 ms of CPU on the host (issue 15).
 */
function requireFor(file: string): NodeJS.Require {
  if (dirname(file) === __dirname) return require;
  return (require('node:module') as typeof import('node:module')).createRequire(file);
}

/** Compile and run a CommonJS file as Node would, with `cachedData` when given. */
export function runBundle(file: string, source: string, cachedData?: Buffer): LoadedBundle {
  // the same wrapper Node puts around a CommonJS module
  const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n});`, { filename: file, cachedData });
  const mod = { exports: {} as WorkerModule };
  const fn = script.runInThisContext() as (e: unknown, r: NodeJS.Require, m: unknown, f: string, d: string) => void;
  fn.call(mod.exports, mod.exports, requireFor(file), mod, file, dirname(file));
  return { exports: mod.exports, script };
}

/**
 * Whether the bundle is at least as new as the worker.js it was made from: a bare `tsc` (not
 * `npm run build`) rewrites worker.js and leaves an older bundle behind, which must not run.
 */
export function bundleIsCurrent(bundle = BUNDLE, worker = join(__dirname, 'worker.js')): boolean {
  try {
    return statSync(bundle).mtimeMs >= statSync(worker).mtimeMs;
  } catch {
    return false;
  }
}

/**
 * With this variable naming a file, the worker writes its bundle's code cache there once it is
 * ready (the start's functions compiled by then), and stops itself (SIGTERM): the build's
 * training start (deploy/bundle-worker.js). Not passed on to anything the worker starts.
 */
export const MAKE_CODE_CACHE_ENV = 'HALO_MAKE_CODE_CACHE';

/** How long after ready the training start takes the cache: the engines' first immediates have run. */
const TRAINING_SETTLE_MS = 300;

/** The training start's end: the cache written to `file` once the worker is ready, then `stop`. */
export function takeCodeCacheWhenReady(
  file: string, source: string, loaded: Pick<LoadedBundle, 'script'> & { exports: Pick<WorkerModule, 'ready' | 'warmLogging'> },
  stop = () => void process.kill(process.pid, 'SIGTERM'),
): void {
  void loaded.exports.ready.then(() => setTimeout(() => {
    // the logger's other formats (journald, json), which this start did not use
    loaded.exports.warmLogging();
    writeFileSync(file, codeCacheFile(source, loaded.script.createCachedData()));
    stop();
  }, TRAINING_SETTLE_MS));
}

/** The worker module: the bundle (with its code cache when it fits) if built and current, else worker.js. */
export function loadWorker(): WorkerModule {
  let source: string;
  try {
    if (!bundleIsCurrent()) throw new Error('stale or missing bundle');
    source = readFileSync(BUNDLE, 'utf8');
  } catch {
    return require('./worker') as WorkerModule;
  }
  let cache: Buffer | undefined;
  try {
    cache = codeCacheFor(source, readFileSync(CODE_CACHE));
  } catch {
    cache = undefined; // compiled from source
  }
  const loaded = runBundle(BUNDLE, source, cache);
  const training = process.env[MAKE_CODE_CACHE_ENV];
  if (training) {
    delete process.env[MAKE_CODE_CACHE_ENV];
    takeCodeCacheWhenReady(training, source, loaded);
  }
  return loaded.exports;
}

if (require.main === module) loadWorker().main(process.argv.slice(2));
