/**
 * `halo check` end to end through the built CLI (node dist/cli/main.js check ...): exit codes,
 * where messages go, and that no stack trace reaches the user.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load';

const ROOT = join(__dirname, '..', '..');
// Built from the current sources into a directory of its own beside dist/ (the same depth, so the
// CLI's paths relative to itself still resolve): a tsc into dist/ would leave the build's bundles
// older than the files beside them, which sends every later tier's workers back to loading files
// one by one (worker-start.ts treats such a bundle as stale).
const OUT = join(ROOT, 'dist-check-cli');
const MAIN = join(OUT, 'cli', 'main.js');
const EXAMPLES = join(ROOT, 'deploy', 'examples');

function halo(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, 'check', ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;

beforeAll(() => {
  // Build once; tsc still emits when someone else's file has a type error, so only the output matters.
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.json'), '--outDir', OUT], { stdio: 'pipe' });
  } catch {
    // reported below if the files we need are missing
  }
  expect(existsSync(join(OUT, 'cli', 'check.js'))).toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'hcfg-cli-'));
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('halo check', () => {
  it('exit 0 and a summary for the thesis master', () => {
    const r = halo('-f', join(EXAMPLES, 'master.conf'));
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('VI_E: MASTER on eth0, VRID 51, priority 150');
    expect(r.stdout).toContain('VIPs: 192.168.1.200/32 192.168.1.202/32');
    expect(r.stdout).toContain('VG1: VI_E VI_I');
    expect(r.stdout).toContain('UDP 192.168.1.200:53 rr NAT');
    expect(r.stdout).toContain('-> 10.0.100.7:53 weight 1 NAT');
    expect(r.stdout).toContain('TCP_CHECK 10.0.100.7:53 every 3s timeout 3s retry 1');
  });

  it('--dump prints the model as JSON, the same loadConfig returns', () => {
    const file = join(EXAMPLES, 'sync-group.conf');
    const r = halo('-f', file, '--dump');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(loadConfig(file).model);
  });

  it('warnings go to stderr and keep exit 0; --strict makes them fatal', () => {
    const file = write('warn.conf', 'global_defs {\n router_idd x\n}\n');
    const r = halo('-f', file);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(`${file}:2:2: warning: unknown keyword 'router_idd' in global_defs\n`);
    const s = halo('--strict', '-f', file);
    expect(s.status).toBe(1);
    expect(s.stderr).toContain(`${file}:2:2: error: unknown keyword 'router_idd' in global_defs`);
    expect(s.stdout).toBe('');
  });

  it('exit 1 with every error located, and no stack trace', () => {
    const file = write('bad.conf', 'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 0\n priority 300\n}\n}\n');
    const r = halo('--strict', '-f', file);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `${file}:1:1: error: (VI_1) the virtual router id must be set\n${file}:1:1: error: (VI_1) No VIP specified; at least one is sensible\n` +
        `${file}:3:20: error: (VI_1): VRID '0' not valid - must be between 1 & 255\n${file}:4:11: error: (VI_1) Priority not valid! must be between 1 & 255. Using default 100\n` +
        `${file}:6:1: error: Extra '}' found\nhalo check: ${file}: 5 errors\n`,
    );
    const r2 = halo('-f', write('bad2.conf', 'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 0\n priority 300\n}\n'));
    expect(r2.status).toBe(1);
    expect(r2.stderr).toMatch(/bad2\.conf:1:1: error: \(VI_1\) the virtual router id must be set\n[\s\S]*bad2\.conf:3:20: warning: \(VI_1\): VRID '0' not valid - must be between 1 & 255\n.*bad2\.conf:4:11: warning: \(VI_1\) Priority not valid! must be between 1 & 255\. Using default 100\n/);
    expect(r.stderr + r2.stderr).not.toMatch(/\n\s+at /);
  });

  it('a feature halo does not implement: check and run refuse it, located; --allow-unimplemented runs past it', () => {
    const file = write('encap.conf', 'static_routes {\n 10.2.0.0/16 encap mpls 200 via 10.0.0.254 dev eth0\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n');
    const msg = `${file}:2:14: error: static_routes: 'encap' (lightweight tunnel encapsulation) is not implemented in halo (--allow-unimplemented to run without it)\n`;
    const r = halo('-f', file);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`${msg}halo check: ${file}: 1 error\n`);
    const allowed = halo('--allow-unimplemented', '-f', file);
    expect(allowed.status).toBe(0);
    expect(allowed.stderr).toContain("is not implemented in halo; ignored (--allow-unimplemented)");
    // halo run refuses before it takes the pid file or starts anything.
    const pid = join(dir, 'run.pid');
    const run = spawnSync(process.execPath, [MAIN, 'run', '-f', file, '--pid-file', pid], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`${msg}halo run: ${file}: 1 error; not starting\n`);
    expect(existsSync(pid)).toBe(false);
  });

  it('--keywords lists the registry as text, JSON and markdown', () => {
    const text = halo('--keywords');
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^global_defs +enable_dbus +acted on +keepalived 2\.2\.7's D-Bus/m);
    expect(text.stdout).toMatch(/^global_defs +process_name +no effect /m);
    const rows = JSON.parse(halo('--keywords', '--json').stdout) as { section: string; keyword: string; status: string }[];
    expect(rows.find((r) => r.section === 'global_defs' && r.keyword === 'process_name')?.status).toBe('no-effect');
    expect(halo('--keywords', '--markdown').stdout).toContain('| `TCP_CHECK` | acted on |');
    expect(halo('--keywords', '-f', 'x').status).toBe(2);
  });

  it('exit 2 for usage errors and unreadable files', () => {
    expect(halo().status).toBe(2);
    expect(halo('-f').status).toBe(2);
    expect(halo('--frobnicate', '-f', join(EXAMPLES, 'master.conf')).status).toBe(2);
    const missing = halo('-f', join(dir, 'nope.conf'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe(`halo check: cannot read ${join(dir, 'nope.conf')}: ENOENT\n`);
    expect(halo('-f', dir).status).toBe(2);
  });
});

describe('halo check --keywords into a reader that stops early', () => {
  it('ends quietly (nothing on stderr, no EPIPE trace), as `| head` expects', () => {
    // `head -c 1` closes the pipe after one byte, long before the table's ~100 KB are written
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${MAIN}" check --keywords | head -c 1 >/dev/null`], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).not.toContain('EPIPE');
    expect(r.stderr).toBe('');
  });
});
