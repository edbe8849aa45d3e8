'use strict';
/**
 * What the benchmarks share: starting halo or Debian's keepalived as a director inside a
 * namespace (own config, pid files, socket and log under `dir`), stopping it by PID, and
 * reading the CPU time and RSS of its whole process tree from /proc.
 */
const fs = require('node:fs');
const path = require('node:path');
const { descendants, signalTree } = require('../../dist/lab/procs.js');

const HALO = path.resolve(__dirname, '..', '..', 'dist', 'cli', 'main.js');
let seq = 0;

/**
 * The director's process; `.conf`, `.logFile` and `.exited` are added (`haloMain`: another build's
 * dist/cli/main.js). `kind`: 'keepalived', 'halo' (node dist/cli/main.js run) or 'halo-bin' (bin/halo run).
 */
function startDirector(topo, dir, host, kind, text, extra = [], haloMain = HALO) {
  const id = `${host}-${kind}-${++seq}`;
  const conf = path.join(dir, `${id}.conf`);
  fs.writeFileSync(conf, text);
  const logFile = path.join(dir, `${id}.log`);
  const log = fs.openSync(logFile, 'a');
  // 'halo-bin': the `halo` command operators run (bin/halo: the C supervisor, then one Node worker)
  const argv = kind === 'halo-bin'
    ? [path.join(path.dirname(haloMain), '..', '..', 'bin', 'halo'), 'run', '-f', conf, '--pid-file', path.join(dir, `${id}.pid`), '--control-socket', path.join(dir, `${id}.sock`), ...extra]
    : kind === 'halo'
    ? [process.execPath, haloMain, 'run', '-f', conf, '--pid-file', path.join(dir, `${id}.pid`), '--control-socket', path.join(dir, `${id}.sock`), ...extra]
    : ['keepalived', '-n', '-l', '-f', conf, '-p', path.join(dir, `${id}.pid`), '-r', path.join(dir, `${id}-v.pid`), '-c', path.join(dir, `${id}-c.pid`), '-b', path.join(dir, `${id}-b.pid`), ...extra];
  const p = topo.spawn(host, argv, { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  p.conf = conf;
  p.logFile = logFile;
  p.exited = new Promise((r) => p.once('exit', r));
  return p;
}

const pidsOf = (p) => [p.pid, ...descendants(p.pid)];

function signalAll(p, sig) {
  signalTree(pidsOf(p), sig);
}

async function stopDirector(p) {
  signalAll(p, 'SIGTERM');
  await Promise.race([p.exited, new Promise((r) => setTimeout(r, 5000))]);
  signalAll(p, 'SIGKILL');
}

/** utime + stime of the processes, in clock ticks (USER_HZ = 100). */
function cpuTicks(pids) {
  return pids.reduce((a, pid) => {
    try {
      const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return a + Number(f[11]) + Number(f[12]);
    } catch { return a; }
  }, 0);
}

function rssMb(pids) {
  return pids.reduce((a, pid) => {
    try { return a + Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]); } catch { return a; }
  }, 0) / 1024;
}

/**
 * Time the processes' main threads (the ones that run the protocol: keepalived's VRRP process,
 * halo's event loop) spent runnable but waiting for a CPU, ms (schedstat's run delay): what a
 * figure taken while the host was short of CPU carries.
 */
function runDelayMs(pids) {
  let ns = 0;
  for (const pid of pids) {
    try { ns += Number(fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]); } catch { /* gone */ }
  }
  return ns / 1e6;
}

/**
 * tcpdump on `host`'s eth0 into `file` (written packet by packet), armed (it said "listening
 * on") before this resolves; `stop()` lets the last packets land first.
 */
async function capture(topo, host, file, filter) {
  const { waitFor } = require('../../dist/lab/netns.js');
  const p = topo.spawn(host, ['tcpdump', '-U', '-n', '-i', 'eth0', '-w', file, filter], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr.on('data', (c) => { err += c; });
  if (!(await waitFor(() => err.includes('listening on'), 15000, 10))) {
    p.kill('SIGTERM');
    throw new Error(`tcpdump not listening: ${err}`);
  }
  return { file, stop: async () => { await new Promise((r) => setTimeout(r, 500)); p.kill('SIGTERM'); await new Promise((r) => p.once('exit', r)); } };
}

module.exports = { HALO, startDirector, stopDirector, signalAll, pidsOf, cpuTicks, rssMb, runDelayMs, capture };
