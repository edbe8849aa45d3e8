#!/usr/bin/env node
/**
 * `halo` entry point: dispatches to one module per sub-command (src/cli/<name>.ts, each
 * exporting `main(argv): Promise<number>`), and guarantees that no stack trace reaches the
 * user: anything unexpected becomes one line on stderr and exit code 70 (EX_SOFTWARE).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

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
  const mod = require(modulePath(command)) as { main: CommandMain };
  return mod.main(rest);
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
