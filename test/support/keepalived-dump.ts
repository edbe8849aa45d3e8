/**
 * Run Debian's keepalived 2.2.7 on a config in a throw-away network namespace and return its
 * own dump of what it parsed (`keepalived -d`): the VRRP side (`-P`) or the checker side (`-C`,
 * needs IPVS: the kernel VM). Needs root.
 *
 * The interfaces the config names are created in the namespace first (veth pairs: this
 * kernel has no dummy driver), so keepalived does not stop on a missing interface. keepalived
 * runs in its own mount namespace with an empty /run (no systemd or D-Bus socket to reach) and
 * with `script_user nobody` in a global_defs read before the config, so notify and track
 * scripts of someone else's config cannot touch this machine; its TMPDIR is this run's own
 * directory, so nothing it writes there is shared. It is stopped as soon as the dump
 * has begun: keepalived handles SIGTERM in its event loop, after the dump is written whole.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface DumpOptions {
  /** The config file (absolute path). */
  file: string;
  side: 'vrrp' | 'check';
  /** Interface names to create (names the kernel cannot take are skipped). */
  interfaces: string[];
  /** Network namespace name to create (and delete). */
  ns: string;
  configId?: string;
  /** Give up waiting for the dump after this long. */
  timeoutMs?: number;
}

export interface DumpResult {
  /** keepalived's whole output (log lines with the dump). */
  text: string;
  /** Whether the dump appeared (else keepalived stopped or timed out first: see text). */
  dumped: boolean;
  /** keepalived's exit code or signal. */
  exit: string;
}

/**
 * The section each side's dump always reaches (the VRRP side lists the interfaces, lo at least;
 * the checker side is only run on configs with virtual servers). Seeing it means the dump has
 * begun; SIGTERM then waits until it is complete.
 */
const DUMP_SEEN: Record<DumpOptions['side'], RegExp> = {
  vrrp: /------< Interfaces >------/,
  check: /------< LVS Topology >------/,
};

/**
 * What follows the whole dump. The checker process dumps, then registers its checkers and logs
 * this (check_api.c register_checkers_thread, Debian's build has BFD); a SIGTERM sent at the
 * dump's first line can cut a long dump short (keepalived's parent kills a child that is slow to
 * stop: seen under emulation on a loaded machine, the checkers missing from the dump).
 */
const DUMP_DONE: Record<DumpOptions['side'], RegExp> = {
  vrrp: DUMP_SEEN.vrrp,
  check: /Activating BFD healthchecker/,
};

const IFNAME = /^[A-Za-z0-9_.@-]{1,15}$/;

function ip(args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim() || r.error?.message}`);
}

/** Interface names keepalived says it lacks ("interface eth1 for vrrp_instance VI_1 doesn't exist"). */
export function missingInterfaces(log: string): string[] {
  const out = new Set<string>();
  for (const m of log.matchAll(/interface (\S+) (?:for [^\n]* )?doesn't exist/g)) out.add(m[1]);
  for (const m of log.matchAll(/track_interface (\S+) doesn't exist/g)) out.add(m[1]);
  return [...out];
}

export async function keepalivedDump(o: DumpOptions): Promise<DumpResult> {
  const dir = mkdtempSync(join(tmpdir(), 'preproc-kd-'));
  const wrapper = join(dir, 'keepalived.conf');
  writeFileSync(wrapper, `global_defs {\n  script_user nobody\n}\ninclude ${o.file}\n`);
  spawnSync('ip', ['netns', 'del', o.ns], { stdio: 'ignore' });
  ip(['netns', 'add', o.ns]);
  try {
    ip(['-n', o.ns, 'link', 'set', 'lo', 'up']);
    let n = 0;
    for (const name of [...new Set(o.interfaces)]) {
      if (!IFNAME.test(name) || name === 'lo') continue;
      const peer = `kdp${n++}`;
      ip(['-n', o.ns, 'link', 'add', name, 'type', 'veth', 'peer', 'name', peer]);
      ip(['-n', o.ns, 'link', 'set', name, 'up']);
      ip(['-n', o.ns, 'link', 'set', peer, 'up']);
    }
    const flags = ['-n', '-l', '-d', o.side === 'vrrp' ? '-P' : '-C', '-f', wrapper, '-p', '/run/k.pid', '-r', '/run/v.pid', '-c', '/run/c.pid'];
    if (o.configId !== undefined) flags.push('-i', o.configId);
    const script = `mount -t tmpfs none /run && exec keepalived ${flags.map((f) => `'${f.replace(/'/g, `'\\''`)}'`).join(' ')}`;
    const child = spawn('ip', ['netns', 'exec', o.ns, 'unshare', '-m', '--propagation', 'private', 'sh', '-c', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      // keepalived's set_tmp_dir: any file it writes in its tmp dir (keepalived.data, .stats, .json) goes to this run's own
      env: { ...process.env, TMPDIR: dir },
    });
    let text = '';
    let dumped = false;
    const timeoutMs = o.timeoutMs ?? 30_000;
    const exit = await new Promise<string>((resolve) => {
      let stopAt: NodeJS.Timeout | null = null;
      const stop = (): void => {
        if (stopAt !== null) return;
        try {
          process.kill(child.pid as number, 'SIGTERM');
        } catch {
          // already gone
        }
        // keepalived stops within a second or two; a wedged one is killed with its group.
        stopAt = setTimeout(() => {
          try {
            process.kill(-(child.pid as number), 'SIGKILL');
          } catch {
            // already gone
          }
        }, 15_000);
      };
      const onData = (b: Buffer): void => {
        text += b.toString('utf8');
        if (!dumped && DUMP_SEEN[o.side].test(text)) dumped = true;
        if (dumped && DUMP_DONE[o.side].test(text)) stop();
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      const giveUp = setTimeout(stop, timeoutMs);
      child.on('close', (code, signal) => {
        clearTimeout(giveUp);
        if (stopAt !== null) clearTimeout(stopAt);
        resolve(signal ?? String(code));
      });
    });
    return { text, dumped, exit };
  } finally {
    spawnSync('ip', ['netns', 'del', o.ns], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
}
