/**
 * What keepalived 2.2.7's parent decides before it forks (core/main.c, keepalived_main;
 * core/namespaces.c; core/pidfile.c): `net_namespace NAME` (run in /var/run/netns/NAME) and
 * `instance NAME`, and from them the names of its pid files. `halo run` needs both before it takes
 * its pid file and starts the supervisor, so it reads them from the config's statements alone
 * (preprocessed, includes and `@ID` lines as the worker reads them; no model is built, which
 * would cost the start-up a second full config load). The worker's full load reports the same
 * keywords' warnings.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { GlobalDefs } from '../config/model';
import { parseStatements } from '../config/parse';
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
  const pre = preprocess(text, file, { configId: opts.configId, allConfig: opts.allConfig });
  const parsed = parseStatements(pre.text, pre.sources);
  for (const s of parsed.statements ?? []) {
    const name = s.args[0]?.value;
    if (name === undefined) continue;
    if (s.keyword.value === 'net_namespace') id.netNamespace ??= name;
    else if (s.keyword.value === 'instance') id.instanceName ??= name;
  }
  return id;
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
