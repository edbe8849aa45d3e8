/**
 * Which block belongs to which keyword, as keepalived 2.2.7 reads it (src/config/structure.ts).
 * Each case is also run through `keepalived -t`: the keywords it calls unknown and the braces it
 * calls unexpected, line by line, must be the ones halo names.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load';
import type { Model } from '../../src/config/model';

import { describeNeeding, tool } from '../support/prerequisites';

const describeKa = describeNeeding(tool('keepalived'));

const VS_HEAD = 'virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind NAT\n';

interface Case {
  name: string;
  text: string;
  check: (m: Model) => void;
}

const CASES: Case[] = [
  {
    name: "a misspelt checker ends its real_server early; what followed lands in the virtual_server",
    text: VS_HEAD + ' real_server 10.0.1.1 80 {\n  weight 2\n  SMTP_CHEKC {\n   connect_timeout 3\n  }\n  TCP_CHECK {\n   connect_timeout 4\n  }\n }\n real_server 10.0.1.2 80 {\n  weight 3\n }\n}\n',
    check: (m) => {
      expect(m.virtualServers.map((v) => v.realServers.map((r) => [r.address, r.weight, r.checkers.length]))).toEqual([[['10.0.1.1', 2, 0]]]);
    },
  },
  {
    name: 'an unknown block at the top level: what is inside is read at the top level',
    text: 'wrapper {\nglobal_defs {\n router_id inner\n}\n}\n',
    check: (m) => expect(m.globalDefs.routerId).toBe('inner'),
  },
  {
    name: 'a plain keyword with a block: the block\'s } closes the instance',
    text: 'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  10.0.0.1\n }\n advert_int 2 {\n }\n priority 77\n}\n',
    check: (m) => {
      expect(m.vrrpInstances[0].advertIntMs).toBe(2000);
      expect(m.vrrpInstances[0].priority).toBe(100);
    },
  },
  {
    name: 'a value block keyword with its brace on the next line, and a sub-level one',
    text: 'vrrp_instance VI_1\n{\n interface eth0\n virtual_router_id 51\n authentication\n {\n  auth_type PASS\n  auth_pass secret\n }\n virtual_ipaddress\n {\n  10.0.0.1\n  10.0.0.2\n }\n}\n',
    check: (m) => {
      expect(m.vrrpInstances[0].virtualIpAddresses.map((v) => v.address)).toEqual(['10.0.0.1', '10.0.0.2']);
      expect(m.vrrpInstances[0].authPass).toBe('secret');
    },
  },
  {
    name: "a sub-level keyword without its '{': the lines after it are its block, and its '}' ends the instance too",
    text: 'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  10.0.0.1\n }\n authentication\n  auth_type PASS\n  auth_pass pw1\n  priority 66\n }\n priority 77\n}\n',
    check: (m) => {
      expect(m.vrrpInstances[0].authPass).toBe('pw1');
      expect(m.vrrpInstances[0].priority).toBe(100);
    },
  },
  {
    name: "a value block without its '{' ends at a '}' that ends the instance too",
    text: 'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress\n  10.0.0.1\n  10.0.0.2\n }\n priority 77\n}\n',
    check: (m) => {
      expect(m.vrrpInstances[0].virtualIpAddresses.map((v) => v.address)).toEqual(['10.0.0.1', '10.0.0.2']);
      expect(m.vrrpInstances[0].priority).toBe(100);
    },
  },
];

/** "(Line 3) Unknown keyword 'x'" and "(Line 3) Unexpected '{' - ignoring" → "3 unknown x" / "3 unexpected {". */
function keepalivedStructure(stderr: string): string[] {
  const out = new Set<string>();
  for (const m of stderr.matchAll(/^\((?:.*: )?Line (\d+)\) (Unknown keyword '(.*)'|Unexpected '\{' - ignoring|Missing '\{' at beginning of configuration block)$/gm)) {
    out.add(m[3] !== undefined ? `${m[1]} unknown ${m[3]}` : m[2].startsWith('Missing') ? `${m[1]} missing {` : `${m[1]} unexpected {`);
  }
  // keepalived reports a '}' with no block open both as "Extra '}' found" and as an unknown keyword; halo says the first.
  for (const m of stderr.matchAll(/^\((?:.*: )?Line (\d+)\) Extra '\}' found$/gm)) out.delete(`${m[1]} unknown }`);
  return [...out].sort();
}

function haloStructure(file: string): string[] {
  const out = new Set<string>();
  for (const d of loadConfig(file, { allowUnimplemented: true }).diagnostics) {
    const u = /^unknown keyword '(.*)'/.exec(d.message);
    if (u) out.add(`${d.location.line} unknown ${u[1]}`);
    if (d.message === "Unexpected '{' - ignoring") out.add(`${d.location.line} unexpected {`);
    if (d.message === "Missing '{' at beginning of configuration block") out.add(`${d.location.line} missing {`);
  }
  return [...out].sort();
}

function write(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('blocks belong to keywords as keepalived 2.2.7 reads them', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'preproc-structure-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(CASES.map((c, i) => [c.name, c, i] as const))('%s', (_n, c, i) => {
    const r = loadConfig(write(dir, `case${i}.conf`, c.text), { allowUnimplemented: true });
    if (!r.model) throw new Error(r.diagnostics.map((d) => `${d.location.line}:${d.location.col} ${d.message}`).join('\n'));
    c.check(r.model);
  });

  it('a config keepalived reads as the braces say is left as the grammar read it', () => {
    const r = loadConfig(write(dir, 'plain.conf', VS_HEAD + ' real_server 10.0.1.1 80 {\n  TCP_CHECK {\n   connect_timeout 3\n  }\n }\n}\n'));
    expect(r.diagnostics).toEqual([]);
    expect(r.model?.virtualServers[0].realServers[0].checkers.map((c) => c.kind)).toEqual(['TCP_CHECK']);
  });
});

describeKa('the same cases through keepalived -t: the keywords and braces it complains about are the ones halo names', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'preproc-structure-ka-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(CASES.map((c, i) => [c.name, c, i] as const))('%s', (_n, c, i) => {
    const file = write(dir, `case${i}.conf`, c.text);
    // -P / -C: only the process that reads these sections (the other skips them by counting braces).
    const only = c.text.includes('virtual_server') ? (c.text.includes('vrrp_instance') ? [] : ['-C']) : ['-P'];
    const ka = spawnSync('keepalived', ['-t', ...only, '-f', file], { encoding: 'utf8', timeout: 20_000 });
    expect(ka.error).toBeUndefined();
    expect(haloStructure(file)).toEqual(keepalivedStructure(ka.stderr));
  });
});
