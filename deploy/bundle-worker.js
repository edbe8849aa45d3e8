#!/usr/bin/env node
// Build step after tsc (npm run build): the worker's single-file bundle and its V8 code cache,
// which src/daemon/worker-start.ts loads instead of ~100 files (see there for why); and the same
// for `halo check` (dist/cli/check.bundle.js, loaded by src/cli/main.ts: its ~50 files were
// ~30 ms of a check's CPU, issue 15), its cache made with CHECK_V8_FLAGS after checking the
// example configs, so the functions a check runs are in it compiled.
// The worker's cache is first taken after loading the bundle (and running the logger); then, where a
// private network namespace can be made without privileges (unshare -rn, with iproute2), from a
// real start of the worker there on a one-instance VRRP config, so that the functions a start
// runs are in it compiled (start → first VRRP state ~10 % less CPU on the host). That cache is
// kept only if V8 accepts it under the worker's flags; otherwise the first one stays.
//   node deploy/bundle-worker.js [DIST]           bundle DIST/daemon/worker.js (DIST: dist/ by
//                                                 default), then make the cache
//   node deploy/bundle-worker.js --check [DIST]   say whether this Node, with the worker's flags,
//                                                 accepts the cache
// Without esbuild installed (a production install without devDependencies) it says so and
// leaves no bundle: the worker then loads dist/daemon/worker.js as it always could.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const mode = process.argv[2]?.startsWith('--') ? process.argv[2] : undefined;
const dist = path.resolve(process.argv[mode ? 3 : 2] ?? path.join(__dirname, '..', 'dist'));
const entry = path.join(dist, 'daemon', 'worker.js');
const bundle = path.join(dist, 'daemon', 'worker.bundle.js');
const cacheFile = `${bundle}.v8cache`;
const checkEntry = path.join(dist, 'cli', 'check.js');
const checkBundle = path.join(dist, 'cli', 'check.bundle.js');
const checkCache = `${checkBundle}.v8cache`;

/** Run the bundle as the worker would load it (worker-start.js), without starting the worker. */
const start = () => require(path.join(dist, 'daemon', 'worker-start.js'));
function compile(withCache) {
  const source = fs.readFileSync(bundle, 'utf8');
  const cache = withCache && fs.existsSync(cacheFile) ? start().codeCacheFor(source, fs.readFileSync(cacheFile)) : undefined;
  if (withCache && !cache) throw new Error(`${cacheFile} missing or made from another bundle`);
  return { source, ...start().runBundle(bundle, source, cache) };
}

function workerFlags() {
  return require(path.join(dist, 'cli', 'run.js')).WORKER_V8_FLAGS;
}

if (mode === '--make-cache') {
  // runs under the worker's V8 flags: V8 rejects a cache made under other flags
  const { source, script, exports } = compile(false);
  // compiled lazily, so in the cache only once run: the logger (winston) every worker uses
  exports.warmLogging();
  fs.writeFileSync(cacheFile, start().codeCacheFile(source, script.createCachedData()));
  process.exit(0);
}
if (mode === '--make-check-cache') {
  // runs under CHECK_V8_FLAGS (V8 rejects a cache made under other flags); the example configs
  // are checked first so that what a check runs is compiled, and so in the cache
  const source = fs.readFileSync(checkBundle, 'utf8');
  const { script, exports } = start().runBundle(checkBundle, source);
  const examples = path.join(__dirname, 'examples');
  const write = [process.stdout.write, process.stderr.write];
  process.stdout.write = process.stderr.write = () => true;
  (async () => {
    try {
      for (const f of fs.readdirSync(examples).filter((n) => n.endsWith('.conf')).sort()) await exports.main(['-f', path.join(examples, f)]);
    } finally {
      [process.stdout.write, process.stderr.write] = write;
    }
    fs.writeFileSync(checkCache, start().codeCacheFile(source, script.createCachedData()));
    process.exit(0);
  })().catch((e) => {
    process.stderr.write(`bundle-worker: ${e.message}\n`);
    process.exit(1);
  });
  return;
}
if (mode === '--check') {
  const r = spawnSync(process.execPath, [...workerFlags(), __filename, '--check-here', dist], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
if (mode === '--check-here') {
  const { script } = compile(true);
  process.stdout.write(`${path.relative(process.cwd(), cacheFile)}: ${script.cachedDataRejected ? 'rejected' : 'accepted'}\n`);
  process.exit(script.cachedDataRejected ? 1 : 0);
}

/** One VRRP instance on eth0: the training start's config (it becomes BACKUP at once). */
const TRAINING_CONF = `global_defs {
  router_id halo-build
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass build
  }
  virtual_ipaddress {
    192.168.77.200/24
  }
}
`;
const TRAINING_TIMEOUT_MS = 60_000;

/**
 * The code cache of a real start: the worker, from the bundle and its first cache, started in a
 * new user and network namespace (unshare -rn: root there, nothing of the host's network seen or
 * touched) with eth0 as one end of a veth pair, writes its cache once ready (MAKE_CODE_CACHE_ENV)
 * and stops. Returns what the cache file now holds, in words.
 */
function trainCache() {
  const tmp = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'halo-cache-'));
  try {
    const conf = path.join(tmp, 'keepalived.conf');
    fs.writeFileSync(conf, TRAINING_CONF);
    const out = path.join(tmp, 'trained.v8cache');
    const setup = 'ip link set lo up && ip link add eth0 type veth peer name peer0 && ip link set peer0 up && ip link set eth0 up && ip addr add 192.168.77.11/24 dev eth0 && exec "$@"';
    const worker = [process.execPath, ...workerFlags(), path.join(dist, 'daemon', 'worker-start.js'), require(path.join(dist, 'daemon', 'run-start.js')).RUN_ARGS_MARK,
      '-f', conf, '--pid-file', path.join(tmp, 'halo.pid'), '--control-socket', path.join(tmp, 'halo.sock'), '--log-console'];
    const r = spawnSync('unshare', ['-rn', 'sh', '-c', setup, 'sh', ...worker], {
      env: { ...process.env, [start().MAKE_CODE_CACHE_ENV]: out }, timeout: TRAINING_TIMEOUT_MS, encoding: 'utf8',
    });
    if (r.error || r.status !== 0 || !fs.existsSync(out)) {
      const why = r.error ? r.error.message : `status ${r.status}${r.signal ? ` (${r.signal})` : ''}: ${`${r.stderr}`.trim().split('\n').pop() || 'no cache written'}`;
      return `taken after loading: a training start could not run (${why})`;
    }
    const first = `${cacheFile}.load`;
    fs.renameSync(cacheFile, first);
    fs.copyFileSync(out, cacheFile);
    fs.chmodSync(cacheFile, 0o644); // as the first one (the worker wrote it under keepalived's umask)
    const check = spawnSync(process.execPath, [...workerFlags(), __filename, '--check-here', dist], { stdio: 'ignore' });
    if (check.status === 0) {
      fs.rmSync(first);
      return 'taken from a training start';
    }
    fs.renameSync(first, cacheFile);
    return 'taken after loading: V8 rejected the training start\'s cache';
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

let esbuild;
try {
  esbuild = require('esbuild');
} catch {
  for (const f of [bundle, cacheFile, checkBundle, checkCache]) fs.rmSync(f, { force: true });
  process.stderr.write('bundle-worker: esbuild not installed (devDependency): the worker loads dist/daemon/worker.js file by file\n');
  process.exit(0);
}
// These find a native binary (or a .node file) relative to their own file, or are loaded only
// when a config asks for them (SNMP, metrics): they stay in node_modules, required at run time.
const external = ['netlink/dist/raw', 'raw-socket', 'net-snmp', 'prom-client'];
const keepExternal = {
  name: 'keep-external',
  setup(b) {
    b.onResolve({ filter: /^\.\/raw$/ }, (a) => (a.importer.includes(`${path.sep}node_modules${path.sep}netlink${path.sep}`) ? { path: 'netlink/dist/raw', external: true } : undefined));
    b.onResolve({ filter: new RegExp(`^(${external.join('|').replace(/\//g, '\\/')})$`) }, (a) => ({ path: a.path, external: true }));
  },
};
esbuild
  .build({
    entryPoints: [entry],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node18', // the Debian package also runs on Debian 12's nodejs
    format: 'cjs',
    external: ['*.node'],
    minify: true,
    keepNames: true, // class and function names reach logs and errors
    legalComments: 'none',
    plugins: [keepExternal],
    logLevel: 'warning',
  })
  .then(() => {
    // its SHA-256 in its last line: the worker matches the code cache to it without hashing
    const text = fs.readFileSync(bundle, 'utf8').replace(/\n?$/, '');
    const sha = require('node:crypto').createHash('sha256').update(text).digest('hex');
    fs.writeFileSync(bundle, `${text}${start().BUILD_ID_MARK}${sha}`);
    fs.rmSync(cacheFile, { force: true });
    const r = spawnSync(process.execPath, [...workerFlags(), __filename, '--make-cache', dist], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`making the code cache failed (status ${r.status})`);
    const trained = trainCache();
    const kb = (f) => `${Math.round(fs.statSync(f).size / 1024)} KiB`;
    process.stdout.write(`bundle-worker: ${path.relative(process.cwd(), bundle)} (${kb(bundle)}), code cache ${kb(cacheFile)} (${trained})\n`);
    // halo check: everything it imports is JavaScript, so all of it goes into the bundle
    return esbuild.build({
      entryPoints: [checkEntry], outfile: checkBundle, bundle: true, platform: 'node', target: 'node18', format: 'cjs',
      minify: true, keepNames: true, legalComments: 'none', logLevel: 'warning',
    }).then(() => {
      const checkText = fs.readFileSync(checkBundle, 'utf8').replace(/\n?$/, '');
      const checkSha = require('node:crypto').createHash('sha256').update(checkText).digest('hex');
      fs.writeFileSync(checkBundle, `${checkText}${start().BUILD_ID_MARK}${checkSha}`);
      fs.rmSync(checkCache, { force: true });
      const { CHECK_V8_FLAGS } = require(path.join(dist, 'cli', 'check.js'));
      const c = spawnSync(process.execPath, [...CHECK_V8_FLAGS, __filename, '--make-check-cache', dist], { stdio: 'inherit' });
      if (c.status !== 0) throw new Error(`making the check code cache failed (status ${c.status})`);
      process.stdout.write(`bundle-worker: ${path.relative(process.cwd(), checkBundle)} (${kb(checkBundle)}), code cache ${kb(checkCache)}\n`);
    });
  })
  .catch((e) => {
    for (const f of [bundle, cacheFile, checkBundle, checkCache]) fs.rmSync(f, { force: true });
    process.stderr.write(`bundle-worker: ${e.message}\n`);
    process.exit(1);
  });
