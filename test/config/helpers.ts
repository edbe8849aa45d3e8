import { parseConfigText, type LoadResult } from '../../src/config/load';
import { formatDiagnostic, type Model } from '../../src/config/model';

export const FILE = '/nonexistent/halo-test/keepalived.conf';

/** A machine with root and nobody, and no keepalived_script user (Debian's default). */
export const ACCOUNTS = {
  passwd: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
  group: 'root:x:0:\nnogroup:x:65534:\n',
};

export function load(text: string, strict = false, allowUnimplemented = false): LoadResult {
  return parseConfigText(text, FILE, { strict, allowUnimplemented, accounts: ACCOUNTS });
}

/** Diagnostics as `LINE:COL: severity: message` (file dropped: always FILE here). */
export function messages(text: string, strict = false): string[] {
  return load(text, strict).diagnostics.map((d) => formatDiagnostic(d).slice(FILE.length + 1));
}

/** The model of a valid config; `allowUnimplemented` to read features halo refuses to run. */
export function model(text: string, allowUnimplemented = false): Model {
  const r = load(text, false, allowUnimplemented);
  if (!r.model) throw new Error(`expected a model, got:\n${r.diagnostics.map(formatDiagnostic).join('\n')}`);
  return r.model;
}

/** A minimal valid instance body, to test one keyword at a time. */
export function instance(extra = '', name = 'VI_1', head = 'interface eth0\n virtual_router_id 51'): string {
  return `vrrp_instance ${name} {\n ${head}\n virtual_ipaddress {\n  10.0.0.1\n }\n${extra}\n}\n`;
}
