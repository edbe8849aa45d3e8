/**
 * The track-file watch as keepalived's trackers/track_file.c has it: inotify on the file's
 * directory for IN_CLOSE_WRITE | IN_DELETE | IN_MOVE only. A real file in a temporary directory:
 * a write in place is seen when its writer closes the file, never at its truncation; a chmod is
 * not a change; a delete or a move away is 'gone', a move in is 'written'.
 */
import { chmodSync, closeSync, mkdtempSync, openSync, renameSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileWatcher, fileChangeOf, type FileChange } from '../../src/check/file-probe';

let dir: string;
let w: FileWatcher;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'halo-fw-'));
  w = new FileWatcher();
});
afterEach(() => {
  w.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Collects every change of `path` as it comes. */
function follow(path: string): FileChange[] {
  const seen: FileChange[] = [];
  const next = (): void => void w.changed(path).then((c) => { seen.push(c); next(); });
  next();
  return seen;
}

/** Until `pred` holds or 5 s pass; then once more round the loop so late events arrive too. */
async function settle(pred: () => boolean): Promise<void> {
  const end = Date.now() + 5000;
  while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 50));
}

test('the masks keepalived acts on', () => {
  expect(fileChangeOf(0x8)).toBe('written'); // IN_CLOSE_WRITE
  expect(fileChangeOf(0x80)).toBe('written'); // IN_MOVED_TO
  expect(fileChangeOf(0x200)).toBe('gone'); // IN_DELETE
  expect(fileChangeOf(0x40)).toBe('gone'); // IN_MOVED_FROM
  expect(fileChangeOf(0x2)).toBeNull(); // IN_MODIFY
  expect(fileChangeOf(0x4)).toBeNull(); // IN_ATTRIB
  expect(fileChangeOf(0x40000000 | 0x200)).toBeNull(); // a directory
});

test('a write in place is one change, when the writer closes the file; a chmod is none', async () => {
  const f = join(dir, 'weight');
  writeFileSync(f, '5\n');
  const seen = follow(f);
  const fd = openSync(f, 'w'); // truncated: IN_MODIFY only
  chmodSync(f, 0o600); // IN_ATTRIB
  writeSync(fd, '7\n');
  // a marker file's close tells that every event before it has been delivered
  const marker = follow(join(dir, 'marker'));
  writeFileSync(join(dir, 'marker'), '');
  await settle(() => marker.length > 0);
  expect(seen).toEqual([]);
  closeSync(fd);
  await settle(() => seen.length > 0);
  expect(seen).toEqual(['written']);
});

test('deleted or moved away: gone; moved in: written', async () => {
  const f = join(dir, 'weight');
  writeFileSync(f, '5\n');
  const seen = follow(f);
  unlinkSync(f);
  await settle(() => seen.length >= 1);
  writeFileSync(join(dir, 'new'), '3\n');
  renameSync(join(dir, 'new'), f);
  await settle(() => seen.length >= 2);
  renameSync(f, join(dir, 'away'));
  await settle(() => seen.length >= 3);
  expect(seen).toEqual(['gone', 'written', 'gone']);
});
