/**
 * What keepalived 2.2.7's parent decides before it forks (core/main.c, keepalived_main;
 * core/namespaces.c; core/pidfile.c): `net_namespace NAME` (run in /var/run/netns/NAME) and
 * `instance NAME`, and from them the names of its pid files. `halo run` needs both before it takes
 * its pid file and starts the supervisor, so it reads them from the config's root-level lines
 * alone (preprocessed, includes and `@ID` lines as the worker reads them): one pass of the lexer's
 * scan counting braces as the token stream repairs them, with no tokens, statement tree or model
 * built, which would cost the start-up a second config load (about 250 ms of CPU for 100,000
 * lines; test/bench/startup/identity.js). The worker's full load reports the same keywords' warnings.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { GlobalDefs } from '../config/model';
import { MAX_BLOCK_DEPTH, scan } from '../config/lexer';
import { preprocess } from '../config/preprocess';

export interface ProcessIdentity {
  netNamespace: string | null;
  instanceName: string | null;
}

/** Where `ip netns add` puts its namespaces, and keepalived opens them (/var/run/netns, through the /var/run link on Debian). */
export const NETNS_DIR = '/run/netns';

/** The root-level `net_namespace` / `instance` of a config (the first of each with a name), or none when unreadable. */
export function readProcessIdentity(file: string, opts: { configId?: string; allConfig?: boolean } = {}): ProcessIdentity {
  const id: ProcessIdentity = { netNamespace: null, instanceName: null };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return id; // the worker reports it
  }
  return identityOf(preprocess(text, file, { configId: opts.configId, allConfig: opts.allConfig }).text);
}

/**
 * The identity in preprocessed text: the first argument of the first root-level `net_namespace`
 * and `instance` statements, as parseStatements' tree has them, without building it. A statement
 * is the words of one line up to a newline or brace; braces nest as the token stream repairs them
 * (lexer.ts tokenize: a `{` not after words or a newline is ignored, so is a `}` closing nothing,
 * and nesting past MAX_BLOCK_DEPTH refuses the whole config, which then names nothing; so does
 * a root line ended by a `}` closing nothing and followed by anything but a `{`, which the parse
 * cannot read).
 * test/daemon/process-identity.test.ts holds it to the statement tree over the corpus and mutations.
 */
export function identityOf(text: string): ProcessIdentity {
  const id: ProcessIdentity = { netNamespace: null, instanceName: null };
  let depth = 0;
  let refused = false;
  /** Words ended by an ignored `}`: the statement tree has no reading unless a `{` follows. */
  let dangling = false;
  /** What the token stream last passed on: a `{` is taken only after words or a newline. */
  let last: 'none' | 'words' | 'nl' | 'brace' = 'none';
  /** How many words of the current statement were read before this one (-1: none yet). */
  let words = -1;
  let keyword: 'net_namespace' | 'instance' | null = null;
  scan(text, (t) => {
    switch (t.type) {
      case 'nl':
        if (words >= 0) last = 'nl';
        words = -1;
        return;
      case 'lbrace':
        words = -1;
        if (last !== 'words' && last !== 'nl') return;
        if (depth === MAX_BLOCK_DEPTH) refused = true;
        depth++;
        dangling = false;
        last = 'brace';
        return;
      case 'rbrace':
        if (depth === 0) {
          if (words >= 0) dangling = true;
          words = -1;
          return;
        }
        words = -1;
        depth--;
        last = 'brace';
        return;
      case 'string':
      case 'word': {
        let value: string;
        if (t.type === 'string') {
          if (t.text.length < 2 || !t.text.endsWith('"')) return; // an unmatched quote is dropped
          value = t.text.slice(1, -1);
        } else value = t.text.indexOf('\\') < 0 ? t.text : t.text.replace(/\\([#!])/g, '$1');
        if (words < 0 && dangling) refused = true;
        last = 'words';
        words++;
        if (depth !== 0) return;
        if (words === 0) keyword = value === 'net_namespace' || value === 'instance' ? value : null;
        else if (words === 1 && keyword === 'net_namespace') id.netNamespace ??= value;
        else if (words === 1 && keyword === 'instance') id.instanceName ??= value;
        return;
      }
      default:
        return;
    }
  });
  return refused || dangling ? { netNamespace: null, instanceName: null } : id;
}

/**
 * The pid file or control socket path: a path given explicitly is kept (keepalived: `-p` wins);
 * the default one moves into a directory named after the namespace and takes the instance name,
 * as keepalived's /run/keepalived/NAMESPACE/keepalived_INSTANCE.pid.
 */
export function runtimePath(path: string, defaultPath: string, id: ProcessIdentity): string {
  if (path !== defaultPath) return path;
  const dir = id.netNamespace !== null ? join(dirname(path), id.netNamespace) : dirname(path);
  const base = path.slice(dirname(path).length + 1);
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : base;
  const ext = dot > 0 ? base.slice(dot) : '';
  return join(dir, `${stem}${id.instanceName !== null ? `_${id.instanceName}` : ''}${ext}`);
}

/**
 * The pid directories a daemon with a namespace or instance name removes at exit when empty,
 * innermost first: keepalived 2.2.7 removes /run/keepalived/NS (clear_namespaces) and then
 * /run/keepalived (remove_pid_dir) whenever either name is set; halo's are under /run/halo.
 */
export function pidDirectories(defaultPath: string, id: ProcessIdentity): string[] {
  if (id.netNamespace === null && id.instanceName === null) return [];
  const top = dirname(defaultPath);
  return id.netNamespace !== null ? [join(top, id.netNamespace), top] : [top];
}

/** keepalived's log lines when the command line overrides the config's namespace. */
export function namespaceOverride(config: string | null, commandLine: string | null): { namespace: string | null; log: string | null } {
  if (commandLine === null) return { namespace: config, log: null };
  return { namespace: commandLine, log: config !== null ? `Overriding config net_namespace '${config}' with command line namespace '${commandLine}'` : null };
}

/** Why the namespace cannot be entered (keepalived's lines), or null. */
export function namespaceMissing(name: string, exists: (p: string) => boolean = existsSync): string[] | null {
  const path = join(NETNS_DIR, name);
  return exists(path) ? null : [`Failed to open ${path}`, `Unable to set network namespace ${name} - exiting`];
}

/**
 * A reload that changes these is refused as a whole, the running config kept (keepalived's
 * reload_config: "Cannot change ... at a reload - please restart keepalived").
 */
type FixedAtStart = Pick<GlobalDefs, 'netNamespace' | 'instanceName' | 'disableLocalIgmp' | 'netNamespaceIpvs'>;

export function unsupportedReloadChanges(running: FixedAtStart, next: FixedAtStart, commandLineNamespace: string | null = null): string[] {
  const out: string[] = [];
  // -s/--namespace overrides the config at a reload too
  if (commandLineNamespace === null && running.netNamespace !== next.netNamespace) out.push('Cannot change network namespace at a reload - please restart halo');
  if (running.netNamespaceIpvs !== next.netNamespaceIpvs) out.push('Cannot change IPVS network namespace at a reload - please restart halo');
  if (running.instanceName !== next.instanceName) out.push('Cannot change instance name at a reload - please restart halo');
  if (running.disableLocalIgmp !== next.disableLocalIgmp) out.push('Cannot change disable_local_igmp at a reload - please restart halo');
  return out;
}
