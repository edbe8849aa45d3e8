/**
 * What a test needs from the machine (root, a tool, a kernel feature), checked in one place.
 *
 * The rule (README.md, Tests): under CI (`CI` set to anything but "" / "0" / "false") a missing
 * prerequisite is a failing test whose message names what is missing and how to get it; outside
 * CI the block is skipped, visibly — a warning names it, and the run's skip count (the reporter
 * in test/support/no-skip-reporter.js) fails `bash test/run-all.sh` all the same.
 *
 *   const d = describeNeeding(root, tool('keepalived'));
 *   d('VRRP with keepalived', () => { beforeAll(...); it(...); });
 *
 * Keep every hook of a file inside the guarded block: a top-level beforeAll would run (and fail
 * for another reason) before the failing prerequisite test could say what is missing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Returns null when present, else what is missing and how to get it. */
export type Prerequisite = () => string | null;

export const underCi = (): boolean => !['', '0', 'false'].includes((process.env.CI ?? '').trim().toLowerCase());

export const root: Prerequisite = () =>
  process.getuid?.() === 0 ? null : `root (uid 0; this process runs as uid ${process.getuid?.()}: run the tier with sudo)`;

/** A command on PATH; `pkg` is the Debian package that provides it (deploy/install-deps.sh installs it). */
export const tool = (cmd: string, pkg = cmd): Prerequisite => () =>
  spawnSync('sh', ['-c', `command -v '${cmd}'`], { stdio: 'ignore' }).status === 0
    ? null
    : `${cmd} on PATH (apt-get install -y ${pkg}, or bash deploy/install-deps.sh test)`;

/** A file the tests read (e.g. the shared fixtures). */
export const file = (path: string, what: string): Prerequisite => () => (existsSync(path) ? null : `${what} (${path})`);

/** Unprivileged user + network namespaces (`unshare -rn`), for tests that need their own interfaces without root. */
export const userNetns: Prerequisite = () =>
  spawnSync('unshare', ['-rn', 'true'], { stdio: 'ignore', timeout: 10_000 }).status === 0
    ? null
    : 'user and network namespaces (`unshare -rn true` failed: sysctl kernel.unprivileged_userns_clone=1, or run as root)';

/** The descriptions of every missing prerequisite (empty when all are present). */
export function missing(...needs: Prerequisite[]): string[] {
  return needs.map((n) => n()).filter((m): m is string => m !== null);
}

type Describe = (name: string, fn: () => void) => void;

/**
 * `describe` when every prerequisite is present. Otherwise, under CI: a block of one failing test
 * naming what is missing; outside CI: `describe.skip`, announced on stderr.
 */
export function describeNeeding(...needs: Prerequisite[]): Describe {
  const lacking = missing(...needs);
  if (lacking.length === 0) return describe;
  const what = `missing prerequisite${lacking.length > 1 ? 's' : ''}: ${lacking.join('; ')}`;
  if (underCi()) {
    return (name) =>
      describe(name, () => {
        it('has its prerequisites', () => {
          throw new Error(`${what} (under CI a missing prerequisite is a failure, not a skip)`);
        });
      });
  }
  return (name, fn) => {
    process.stderr.write(`SKIPPED "${name}": ${what} (outside CI; under CI=true this fails, and test/run-all.sh fails on any skip)\n`);
    describe.skip(name, fn);
  };
}

/** IPVS in the running kernel (the VM tier): `modprobe ip_vs` where needed, then /proc/net/ip_vs. */
export const ipvsKernel: Prerequisite = () => {
  if (!existsSync('/proc/net/ip_vs')) spawnSync('modprobe', ['ip_vs'], { stdio: 'ignore', timeout: 10_000 });
  return existsSync('/proc/net/ip_vs')
    ? null
    : 'IPVS in the running kernel (/proc/net/ip_vs; this kernel has no CONFIG_IP_VS: run the tier with test/vm/run-tier.sh, which boots a VM)';
};

/** A kernel module (ipvlan, vrf: the VM tier's kernel has them, this host's may not): `modprobe` where needed, then /sys/module. */
export const kernelModule = (name: string): Prerequisite => () => {
  if (!existsSync(`/sys/module/${name}`)) spawnSync('modprobe', [name], { stdio: 'ignore', timeout: 10_000 });
  return existsSync(`/sys/module/${name}`)
    ? null
    : `the ${name} module in the running kernel (/sys/module/${name}; run the tier with test/vm/run-tier.sh, which boots a VM with it)`;
};
