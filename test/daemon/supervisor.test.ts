import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeldInstance, Supervisor } from '../../src/daemon/supervisor';

const log = { error: jest.fn(), warning: jest.fn(), notice: jest.fn(), info: jest.fn() };

/** A real worker process with a scripted life: report MASTER, then die the way `mode` says. */
function workerScript(dir: string): string {
  const p = join(dir, 'worker.js');
  writeFileSync(p, `
    const fs = require('fs');
    const [mode, counter] = process.argv.slice(2);
    const n = fs.existsSync(counter) ? Number(fs.readFileSync(counter, 'utf8')) + 1 : 1;
    fs.writeFileSync(counter, String(n));
    // the handler is in place before the report: the supervisor may stop us as soon as it reads it
    process.on('SIGTERM', () => { process.send({ type: 'released', instance: 'VI_1' }, () => process.exit(0)); });
    process.send({ type: 'held', held: { instance: 'VI_1', interface: 'eth0',
      packets: [{ dst: '224.0.0.18', hex: '4500' }], vips: [{ address: '192.168.77.200', prefixLen: 32 }] } });
    process.send({ type: 'ready' });
    if (mode === 'crash' && n === 1) setTimeout(() => process.kill(process.pid, 'SIGKILL'), 50);
    setInterval(() => {}, 1000);
  `);
  return p;
}

async function until(pred: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('supervisor (keepalived parent/child shape)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'halo-sup-'));
    Object.values(log).forEach((f) => f.mockClear());
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('on kill -9 of the worker releases what it held as MASTER, then respawns it', async () => {
    const released: HeldInstance[][] = [];
    const counter = join(dir, 'n');
    const sup = new Supervisor({
      workerPath: workerScript(dir), workerArgs: ['crash', counter], log,
      release: async (h) => {
        released.push(h);
      },
    });
    sup.start();
    await until(() => existsSync(counter) && readFileSync(counter, 'utf8') === '2');
    expect(released).toHaveLength(1);
    expect(released[0]).toEqual([{ instance: 'VI_1', interface: 'eth0', packets: [{ dst: '224.0.0.18', hex: '4500' }], vips: [{ address: '192.168.77.200', prefixLen: 32 }] }]);
    expect(log.error.mock.calls[0][0]).toMatch(/^worker \(pid \d+\) killed by SIGKILL$/);
    expect(log.notice.mock.calls.map((c) => c[0]).join('\n')).toMatch(/released VI_1 for the dead worker: priority 0 advert sent, VIPs removed/);
    // the respawned worker reports MASTER again; stop it gracefully
    await until(() => sup.heldInstances().length === 1);
    sup.stop();
    expect(await sup.done).toBe(0);
    expect(released).toHaveLength(1); // a graceful stop releases nothing on the worker's behalf
  });

  it('graceful stop: the worker releases itself and the supervisor exits 0', async () => {
    const release = jest.fn(async () => undefined);
    const sup = new Supervisor({ workerPath: workerScript(dir), workerArgs: ['stay', join(dir, 'n')], log, release });
    sup.start();
    await until(() => sup.heldInstances().length === 1);
    sup.stop();
    expect(await sup.done).toBe(0);
    expect(release).not.toHaveBeenCalled();
    expect(sup.heldInstances()).toEqual([]);
  });

  it('tells its owner when the worker is ready (run.ts loads the release modules then)', async () => {
    const onReady = jest.fn();
    const sup = new Supervisor({ workerPath: workerScript(dir), workerArgs: ['stay', join(dir, 'n')], log, release: async () => undefined, onReady });
    sup.start();
    await until(() => onReady.mock.calls.length === 1);
    await until(() => sup.heldInstances().length === 1);
    sup.stop();
    expect(await sup.done).toBe(0);
    expect(onReady).toHaveBeenCalledTimes(1);
  });

  it('gives up and exits 1 when the worker dies repeatedly', async () => {
    const p = join(dir, 'die.js');
    writeFileSync(p, 'process.exit(3)');
    const sup = new Supervisor({
      workerPath: p, workerArgs: [], log, release: async () => undefined,
      policy: { maxRestarts: 2, windowMs: 60_000, initialDelayMs: 0, maxDelayMs: 10, stableAfterMs: 10_000 },
    });
    sup.start();
    expect(await sup.done).toBe(1);
    expect(log.error.mock.calls.map((c) => c[0])).toContain('not respawning the worker: worker died 3 times within 60 s');
  });
});
