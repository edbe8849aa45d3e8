'use strict';
/**
 * Start-up tracer for `halo run`, preloaded into every halo process with
 * NODE_OPTIONS="--require test/bench/startup/trace.js" (the supervisor's fork inherits it).
 * Writes one JSON line per process to $HALO_TRACE_DIR/<pid>.json when the process has reached
 * its first VRRP state (or exits): epoch times of process start, end of Node's bootstrap, the
 * inclusive load time of every npm package and of halo's own modules, and the start/end of the
 * worker's start-up steps (config load, link monitor, control socket, LVS start, VRRP start),
 * by wrapping those functions as their modules load. Nothing in halo is changed.
 * The worker loads its modules as one bundle (dist/daemon/worker-start.js, when the build made
 * it), where the per-module wraps cannot reach: then the steps are the bundle's compile (from its
 * V8 code cache, accepted or rejected), its top-level run, the `run` message to the supervisor
 * and its `go` answer; the engines' start is what follows until the first state.
 */
const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const dir = process.env.HALO_TRACE_DIR;
const epoch = () => performance.timeOrigin + performance.now();
const rec = { pid: process.pid, argv: process.argv.slice(1, 3), start: performance.timeOrigin, bootstrapped: epoch(), packages: {}, steps: [] };
let depth = 0;
let written = false;

function write() {
  if (written || !dir) return;
  written = true;
  rec.end = epoch();
  fs.writeFileSync(path.join(dir, `${process.pid}.json`), `${JSON.stringify(rec)}\n`);
}

function step(name, fn) {
  return function traced(...args) {
    const s = { name, t0: epoch() };
    rec.steps.push(s);
    const r = fn.apply(this, args);
    if (r && typeof r.then === 'function') return r.finally(() => (s.t1 = epoch()));
    s.t1 = epoch();
    return r;
  };
}

// functions whose duration is a start-up step, by compiled module path suffix
const WRAP = {
  'config/load.js': (m) => (m.loadConfig = step('config load', m.loadConfig)),
  'net/links.js': (m) => (m.createLinkMonitor = step('link monitor', m.createLinkMonitor)),
  'daemon/control.js': (m) => (m.startControlServer = step('control socket', m.startControlServer)),
  'daemon/lvs-engine.js': (m) => (m.KernelLvsEngine.prototype.start = step('LVS start (IPVS table, first reconcile)', m.KernelLvsEngine.prototype.start)),
  'daemon/vrrp-engine.js': (m) => (m.VrrpEngine.prototype.start = step('VRRP start', m.VrrpEngine.prototype.start)),
};

const load = Module._load;
Module._load = function tracedLoad(request, parent, isMain) {
  const resolved = (() => { try { return Module._resolveFilename(request, parent, isMain); } catch { return request; } })();
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(resolved);
  const inOwn = !pkg && resolved.includes('/dist/');
  const fromOwn = !parent || !/node_modules/.test(parent.filename || '');
  const fresh = !Module._cache[resolved];
  const top = depth === 0;
  const t0 = performance.now();
  depth++;
  let out;
  try {
    out = load.apply(this, arguments);
  } finally {
    depth--;
  }
  const dt = performance.now() - t0;
  if (fresh && pkg && fromOwn) rec.packages[pkg[1]] = (rec.packages[pkg[1]] || 0) + dt;
  if (fresh && top && path.isAbsolute(resolved)) rec.steps.push({ name: `load ${path.relative(path.resolve(__dirname, '../../..'), resolved)}`, t0: performance.timeOrigin + t0, t1: epoch() });
  if (fresh && inOwn) for (const [suffix, wrap] of Object.entries(WRAP)) if (resolved.endsWith(suffix)) wrap(out);
  return out;
};

// the first VRRP state this process logs ends its trace
const w = process.stdout.write.bind(process.stdout);
process.stdout.write = function (chunk, ...rest) {
  if (!rec.firstState && /Entering (MASTER|BACKUP|FAULT) STATE/.test(String(chunk))) {
    rec.firstState = epoch();
    write();
  }
  return w(chunk, ...rest);
};
process.on('exit', write);

// the bundle: vm.Script (the compile, from the code cache) and the top-level function it returns
const vm = require('node:vm');
const Script = vm.Script;
vm.Script = class TracedScript extends Script {
  constructor(code, opts) {
    const t0 = epoch();
    super(code, opts);
    const name = opts && typeof opts === 'object' && opts.filename ? path.basename(opts.filename) : 'script';
    rec.steps.push({ name: `compile ${name} (${opts && opts.cachedData ? `code cache ${this.cachedDataRejected ? 'REJECTED' : 'accepted'}` : 'no code cache'})`, t0, t1: epoch() });
    this.tracedName = name;
  }
  runInThisContext(...a) {
    const fn = super.runInThisContext(...a);
    const name = this.tracedName;
    return typeof fn !== 'function' ? fn : function tracedTop(...b) {
      const s = { name: `run ${name}'s top level`, t0: epoch() };
      rec.steps.push(s);
      try { return fn.apply(this, b); } finally { s.t1 = epoch(); }
    };
  }
};
// the handshake with the supervisor: the worker's first message (`run`), the supervisor's `go`
if (typeof process.send === 'function') {
  const send = process.send.bind(process);
  process.send = function (m, ...rest) {
    if (!rec.sent) { rec.sent = epoch(); rec.steps.push({ name: 'first message to the supervisor', t0: rec.sent, t1: rec.sent }); }
    return send(m, ...rest);
  };
  process.once('message', () => { const t = epoch(); rec.steps.push({ name: "supervisor's answer received", t0: t, t1: t }); });
}

