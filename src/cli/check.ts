/**
 * `halo check -f FILE [--strict] [--allow-unimplemented] [--dump]`: validate a keepalived.conf.
 * Exit 0 valid (warnings on stderr), 1 invalid (including any use of a feature halo does not
 * implement, unless --allow-unimplemented), 2 usage error or unreadable file.
 * `halo check --keywords [--json|--markdown]`: the keyword registry with halo's status of each.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { loadConfig } from '../config/load';
import { formatDiagnostic } from '../config/model';
import { summarize } from '../config/summary';
import { keywordRows, keywordsMarkdown, keywordsText } from '../config/keywords';

/**
 * The V8 flags bin/halo and the Debian package's /usr/sbin/halo start `halo check` with.
 * A 1 MB young generation (V8's smallest): a 100,000-line check allocates ~95 MB but keeps
 * ~40 MB at most (the statement tree while the model is built, then the model), and on this
 * machine's VM each 4 KB page touched for the first time costs ~15 us of kernel time (a page
 * fault: 100 MB touched once is ~0.4 s of system CPU, twice keepalived -t's whole run). A small
 * young generation reuses its few pages for the garbage, so only what survives touches new
 * memory; its scavenges copy that, and cost less than the faults they save. Measured on a
 * 100,000-line config (test/bench/parse, CPU from wait4, A/B in the same rounds, 15 each,
 * machine busy, load 3.5-3.9 on 2 CPUs): bin/halo check 0.82x the CPU of the 128 MB young
 * generation used before (which never collected, so every byte allocated was a fresh page:
 * system CPU 373 -> 231 ms); without the code cache, 1 MB 0.78x, 2 and 4 MB 0.83x. A small
 * config gains more: deploy/examples/standby.conf, 11 runs each, 243 vs 464 ms (the 128 MB
 * young generation cost ~160 ms of system CPU to set up, 4,094 page faults vs 3,211).
 * --single-threaded: V8's compiler and GC helper threads, for a run this short, cost more CPU in
 * hand-offs than they take off the main thread (measured on this 2-CPU machine while busy, A/B
 * over 9 runs each: 11-15% less CPU; wall time was not measured on a quiet machine).
 */
export const CHECK_V8_FLAGS = ['--max-semi-space-size=1', '--single-threaded'];

const USAGE = 'usage: halo check -f FILE [-i CONFIG_ID] [-e] [--strict] [--allow-unimplemented] [--dump]\n       halo check --keywords [--json|--markdown]\n';

interface Args {
  file: string;
  strict: boolean;
  dump: boolean;
  configId?: string;
  allConfig: boolean;
  allowUnimplemented: boolean;
}

type Listing = { keywords: 'text' | 'json' | 'markdown' };

function parseArgs(argv: string[]): Args | Listing | string {
  let file: string | null = null;
  let strict = false;
  let dump = false;
  let configId: string | undefined;
  let allConfig = false;
  let allowUnimplemented = false;
  let keywords: Listing['keywords'] | null = null;
  let format: 'json' | 'markdown' | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-f' || a === '--config-file' || a === '--use-file') {
      const v = argv[++i];
      if (v === undefined) return `option '${a}' needs a file name`;
      file = v;
    } else if (a.startsWith('--config-file=') || a.startsWith('--use-file=')) file = a.slice(a.indexOf('=') + 1);
    else if (a === '-i' || a === '--config-id') {
      const v = argv[++i];
      if (v === undefined) return `option '${a}' needs a config id`;
      configId = v;
    } else if (a.startsWith('--config-id=')) configId = a.slice(a.indexOf('=') + 1);
    else if (a === '-e' || a === '--all-config') allConfig = true;
    else if (a === '--strict') strict = true;
    else if (a === '--dump') dump = true;
    else if (a === '--allow-unimplemented') allowUnimplemented = true;
    else if (a === '--keywords') keywords = 'text';
    else if (a === '--json') format = 'json';
    else if (a === '--markdown') format = 'markdown';
    else if (a === '-h' || a === '--help') return '';
    else return `unknown option '${a}'`;
  }
  if (keywords !== null) {
    if (file !== null) return '--keywords takes no config file';
    return { keywords: format ?? 'text' };
  }
  if (format !== null) return `--${format} goes with --keywords`;
  if (file === null) return 'no config file given (-f FILE)';
  return { file, strict, dump, configId, allConfig, allowUnimplemented };
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    if (args === '') {
      process.stdout.write(USAGE);
      return 0;
    }
    process.stderr.write(`halo check: ${args}\n${USAGE}`);
    return 2;
  }
  if ('keywords' in args) {
    if (args.keywords === 'json') process.stdout.write(JSON.stringify(keywordRows(), null, 2) + '\n');
    else process.stdout.write(args.keywords === 'markdown' ? keywordsMarkdown() : keywordsText());
    return 0;
  }
  try {
    accessSync(args.file, constants.R_OK);
    if (statSync(args.file).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    process.stderr.write(`halo check: cannot read ${args.file}: ${code}\n`);
    return 2;
  }
  const { model, diagnostics } = loadConfig(args.file, { strict: args.strict, configId: args.configId, allConfig: args.allConfig, allowUnimplemented: args.allowUnimplemented });
  for (const d of diagnostics) process.stderr.write(formatDiagnostic(d) + '\n');
  if (model === null) {
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    process.stderr.write(`halo check: ${args.file}: ${errors} error${errors === 1 ? '' : 's'}\n`);
    return 1;
  }
  process.stdout.write(args.dump ? JSON.stringify(model, null, 2) + '\n' : summarize(model));
  return 0;
}
