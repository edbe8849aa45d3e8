#!/usr/bin/env node
/**
 * `halo` entry point: dispatches to one module per sub-command (src/cli/<name>.ts, each
 * exporting `main(argv): Promise<number>`), and guarantees that no stack trace reaches the
 * user: anything unexpected becomes one line on stderr and exit code 70 (EX_SOFTWARE).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleIsCurrent, codeCacheFor, runBundle } from '../daemon/worker-start';

const COMMANDS: Record<string, string> = {
  check: 'validate a keepalived.conf (halo check -f FILE [--strict] [--dump])',
  run: 'run the director daemon (halo run -f FILE)',
  ipvs: 'list the kernel IPVS table as ipvsadm does (halo ipvs -Ln)',
  status: 'show the running daemon\'s VRRP and IPVS state',
  reload: 'reload the running daemon, or preview what a reload would do (halo reload --plan -f FILE)',
  cleanup: 'remove VIPs and IPVS services a config owns (halo cleanup -f FILE)',
  lab: 'build the thesis cluster in namespaces and run a failover drill',
  genhash: "MD5 digest of a web page for HTTP_GET/SSL_GET, as keepalived's genhash (halo genhash -s IP -p PORT -u URL)",
};

export type CommandMain = (argv: string[]) => Promise<number>;

/** A command's module; the Debian package ships the director's commands, not the lab. */
const modulePath = (command: string): string => join(__dirname, `${command}.js`);
const installed = (command: string): boolean => existsSync(modulePath(command));

function usage(): string {
  const lines = Object.entries(COMMANDS)
    .filter(([name]) => installed(name))
    .map(([name, what]) => `  ${name.padEnd(8)} ${what}`);
  return `usage: halo COMMAND [OPTIONS]\n\ncommands:\n${lines.join('\n')}\n`;
}

async function dispatch(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(usage());
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`halo ${require('../../package.json').version}\n`);
    return 0;
  }
  if (!(command in COMMANDS)) {
    process.stderr.write(`halo: unknown command '${command}'\n${usage()}`);
    return 2;
  }
  if (!installed(command)) {
    process.stderr.write(`halo: '${command}' is not part of this installation (it runs from a checkout of halo)\n`);
    return 2;
  }
  return loadCommand(command).main(rest);
}

/** Commands the build also bundles into one file with its V8 code cache (deploy/bundle-worker.js). */
const BUNDLED = new Set(['check']);

/**
 * A command's module. `halo check` loads dist/cli/check.bundle.js (its ~50 files in one, issue
 * 15) with V8's code cache when the build made them and they are current, as the worker does
 * (src/daemon/worker-start.ts: a cache made under other V8 flags, e.g. without bin/halo's
 * CHECK_V8_FLAGS, is rejected by V8 and the bundle compiles as usual); otherwise check.js.
 */
function loadCommand(command: string): { main: CommandMain } {
  const file = modulePath(command);
  if (BUNDLED.has(command)) {
    const bundle = join(__dirname, `${command}.bundle.js`);
    let source: string | null = null;
    try {
      if (bundleIsCurrent(bundle, file)) source = readFileSync(bundle, 'utf8');
    } catch {
      source = null;
    }
    if (source !== null) {
      let cache: Buffer | undefined;
      try {
        cache = codeCacheFor(source, readFileSync(`${bundle}.v8cache`));
      } catch {
        cache = undefined; // compiled from source
      }
      return runBundle(bundle, source, cache).exports as unknown as { main: CommandMain };
    }
  }
  return require(file) as { main: CommandMain };
}

if (require.main === module) {
  // `halo check --keywords | head`: a reader that closes the pipe early ends the output, as for
  // any Unix tool, instead of an unhandled EPIPE stack trace
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  dispatch(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      process.stderr.write(`halo: internal error: ${message}\n`);
      if (process.env.HALO_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
      process.exitCode = 70;
    },
  );
}

export { dispatch };
