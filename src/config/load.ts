/**
 * The config front end's public entry: keepalived.conf → { model, diagnostics }.
 *
 * `model` is null when any error was found (with `strict`, warnings count as errors).
 * Diagnostics are sorted by place so the user reads them top to bottom.
 */
import { readFileSync } from 'node:fs';
import { buildModel } from './build';
import { hostVrfTables } from './host-vrfs';
import { missingInterfaces } from './interfaces-check';
import type { Diagnostic, Model } from './model';
import type { AccountFiles } from './script-user';
import { parseStatements } from './parse';
import { restructure } from './structure';
import { KEEPALIVED_SCHEMA } from './structure-schema';
import { errnoName, preprocess } from './preprocess';

export interface LoadResult {
  model: Model | null;
  diagnostics: Diagnostic[];
}

export interface LoadOptions {
  /** Treat warnings as errors (`halo check --strict`). */
  strict?: boolean;
  /** Accept features halo does not implement, each with a warning (`--allow-unimplemented`). */
  allowUnimplemented?: boolean;
  /** /etc/passwd and /etc/group contents for script users (tests); default: this machine's. */
  accounts?: AccountFiles;
  /** keepalived's `-i/--config-id` for `@ID` lines and `${_INSTANCE}`; default: the short host name. */
  configId?: string;
  /** keepalived's `-e/--all-config`: a missing include file is an error, not a warning. */
  allConfig?: boolean;
  /**
   * The host's interface names (`halo run` and its reloads): without dynamic_interfaces a name
   * the VRRP side uses that is not among them refuses the config, as keepalived. Unset: not checked.
   */
  interfaces?: string[];
  /**
   * The VRF devices and their tables (IFLA_VRF_TABLE), for routes' `vrf NAME`; 'host': this
   * namespace's, read when a route first names one. Unset: not looked up.
   */
  vrfTables?: Record<string, number> | 'host';
}

export function loadConfig(path: string, opts: LoadOptions = {}): LoadResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return {
      model: null,
      diagnostics: [{ severity: 'error', message: `cannot read config file: ${errnoName(err)}`, location: { file: path, line: 0, col: 0 } }],
    };
  }
  return parseConfigText(text, path, opts);
}

/** Parse `text` as if it were the file `fileName` (includes resolve against its directory). */
export function parseConfigText(text: string, fileName: string, opts: LoadOptions = {}): LoadResult {
  const pre = preprocess(text, fileName, { configId: opts.configId, allConfig: opts.allConfig });
  const parsed = parseStatements(pre.text, pre.sources);
  let diagnostics = [...pre.diagnostics, ...parsed.diagnostics];
  let model: Model | null = null;
  if (parsed.statements) {
    // Blocks belong to keywords as keepalived's tables say, not as braces alone say.
    const shaped = restructure(parsed.statements, KEEPALIVED_SCHEMA, pre.sources);
    diagnostics.push(...shaped.diagnostics);
    const built = buildModel(shaped.statements, pre.sources, fileName, { allowUnimplemented: opts.allowUnimplemented, accounts: opts.accounts, vrfTables: vrfLookup(opts.vrfTables), interfaces: opts.interfaces });
    diagnostics.push(...built.diagnostics);
    model = built.model;
    if (model && opts.interfaces) {
      const present = new Set(opts.interfaces);
      diagnostics.push(...missingInterfaces(model, (n) => present.has(n)));
    }
  }
  if (opts.strict) diagnostics = diagnostics.map((d) => (d.severity === 'warning' && !d.unimplemented ? { ...d, severity: 'error' as const } : d));
  if (diagnostics.some((d) => d.severity === 'error')) model = null;
  return { model, diagnostics: sortDiagnostics(diagnostics) };
}

function vrfLookup(v: LoadOptions['vrfTables']): (() => Record<string, number>) | undefined {
  if (v === 'host') return hostVrfTables();
  return v ? () => v : undefined;
}

function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  // Files in the order they were first mentioned, then by place; stable for equal places.
  const fileRank = new Map<string, number>();
  for (const d of ds) if (!fileRank.has(d.location.file)) fileRank.set(d.location.file, fileRank.size);
  return ds
    .map((d, i) => ({ d, i, f: fileRank.get(d.location.file) ?? 0 }))
    .sort((a, b) => a.f - b.f || a.d.location.line - b.d.location.line || a.d.location.col - b.d.location.col || a.i - b.i)
    .map((x) => x.d);
}
