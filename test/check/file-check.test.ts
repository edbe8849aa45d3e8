/**
 * FILE_CHECK: keepalived's track_file semantics (value × weight moves the real server's
 * weight, INT_MIN or — with weight 0 — any non-zero value is a fault, reverse negates), the
 * strtol reading of the file, and the engine watching a real file: the desired IPVS table
 * follows each write.
 */
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileStatus, IPVS_WEIGHT_FAULT } from '../../src/check/file-rule';
import { parseTrackValue, initTrackFile } from '../../src/check/file-probe';
import { HealthChecker } from '../../src/check/health-checker';
import { checkProber } from '../../src/check/prober';
import { collectTargets } from '../../src/check/targets';
import { buildDesired } from '../../src/ipvs/desired';
import { load } from '../config/helpers';

test('status: value × weight, reverse, weight 0', () => {
  expect(fileStatus(5, 2, false)).toBe(10);
  expect(fileStatus(5, 2, true)).toBe(-10);
  expect(fileStatus(-3000000000, 1, false)).toBe(IPVS_WEIGHT_FAULT);
  expect(fileStatus(0, 0, false)).toBe(0);
  expect(fileStatus(1, 0, false)).toBe(IPVS_WEIGHT_FAULT);
  expect(fileStatus(0, 0, true)).toBe(IPVS_WEIGHT_FAULT);
});

test('strtol(…, 0)', () => {
  expect(parseTrackValue('  42\n')).toBe(42);
  expect(parseTrackValue('-7 trailing')).toBe(-7);
  expect(parseTrackValue('0x10')).toBe(16);
  expect(parseTrackValue('010')).toBe(8);
  expect(parseTrackValue('junk')).toBe(0);
  expect(parseTrackValue('')).toBe(0);
});

describe('the engine on a real file', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'checkers-file-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('track_file block, init_file, weights and faults follow the file', async () => {
    const f = join(dir, 'state');
    const text = `track_file app {\n file ${f}\n weight 0\n init_file 0\n}\ntrack_file load {\n file ${join(dir, 'load')}\n weight 1\n}\n`
      + 'virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind NAT\n'
      + ' real_server 10.0.1.1 80 {\n  weight 10\n  FILE_CHECK {\n   track_file app\n  }\n }\n'
      + ' real_server 10.0.1.2 80 {\n  weight 10\n  FILE_CHECK {\n   track_file load\n   weight 2 reverse\n  }\n }\n}\n';
    const r = load(text);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const m = r.model!;
    writeFileSync(join(dir, 'load'), '1\n');
    const prober = checkProber({ trackFiles: m.trackFiles });
    expect(readFileSync(f, 'utf8')).toBe('0\n'); // init_file created it
    let changes = 0;
    const hc = new HealthChecker({ targets: collectTargets(m.virtualServers, []), prober, log: () => undefined, onChange: () => { changes++; } });
    const table = () => buildDesired({ virtualServers: m.virtualServers, virtualServerGroups: [] }, hc.checkerUp, null, hc.checkerWeight)
      .services[0].destinations.map((d) => `${d.address}=${d.weight}`);
    const until = async (f0: () => boolean) => { for (let i = 0; i < 200 && !f0(); i++) await new Promise((res) => setTimeout(res, 20)); };
    hc.start();
    expect(table()).toEqual(['10.0.1.1=10', '10.0.1.2=8']); // read before the first pool: 10 + 1 × 2 × −1
    writeFileSync(f, '1\n');
    await until(() => changes >= 1);
    expect(table()).toEqual(['10.0.1.2=8']); // weight 0: non-zero is a fault
    writeFileSync(join(dir, 'load'), '-3\n');
    await until(() => changes >= 2);
    expect(table()).toEqual(['10.0.1.2=16']);
    writeFileSync(join(dir, 'load'), '9\n');
    await until(() => changes >= 3);
    expect(table()).toEqual(['10.0.1.2=0']); // 10 − 18 → real_weight clamps to 0
    writeFileSync(f, '0\n');
    await until(() => changes >= 4);
    expect(table()).toEqual(['10.0.1.1=10', '10.0.1.2=0']);
    hc.stop();
  });

  test('init_file overwrite', () => {
    const f = join(dir, 'ow');
    writeFileSync(f, '5\n');
    initTrackFile(f, { value: 0, overwrite: false });
    expect(readFileSync(f, 'utf8')).toBe('5\n');
    initTrackFile(f, { value: 3, overwrite: true });
    expect(readFileSync(f, 'utf8')).toBe('3\n');
  });
});

describe('init_file at start, at a reload and in a preview (track_file.c track_file_end_handler)', () => {
  it('overwrite replaces a regular file at start only; a missing file is created at a reload too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trk-init-'));
    try {
      const f = join(dir, 'v');
      writeFileSync(f, '7\n');
      initTrackFile(f, { value: 3, overwrite: true }, true);
      expect(readFileSync(f, 'utf8')).toBe('7\n');
      initTrackFile(f, { value: 3, overwrite: true });
      expect(readFileSync(f, 'utf8')).toBe('3\n');
      initTrackFile(f, { value: 5, overwrite: false });
      expect(readFileSync(f, 'utf8')).toBe('3\n');
      const g = join(dir, 'new');
      initTrackFile(g, { value: 9, overwrite: false }, true);
      expect(readFileSync(g, 'utf8')).toBe('9\n');
      initTrackFile(dir, { value: 1, overwrite: true }); // not a regular file: left alone
      expect(statSync(dir).isDirectory()).toBe(true);
      // a reload preview makes no file
      checkProber({ trackFiles: [{ name: 't', path: join(dir, 'preview'), weight: 1, reverse: false, init: { value: 1, overwrite: true }, location: { file: 'k', line: 1, col: 1 } }], initFiles: 'none' }).close?.();
      expect(existsSync(join(dir, 'preview'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
