/**
 * signalTree: SIGKILL of a director's processes is "kill -9 of all at once": a supervisor that
 * reacts to its child's death (halo's does, within microseconds) never gets to act. Killed one
 * by one, deepest first, halo's supervisor could release the VIPs in between (seen in
 * vrrp-halo.netns.test.ts's cleanup test on a loaded machine); the race is narrow, so this test
 * catches a regression only sometimes, and pins the outcome every time.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { alive, descendants, signalTree } from '../../src/lab/procs';
import { waitFor } from '../../src/lab/netns';

/** Wait for `pred` (bounded): fails the test when it stays false. */
async function until(pred: () => boolean, ms = 30_000): Promise<void> {
  if (!(await waitFor(pred, ms, 10))) throw new Error(`timed out after ${ms} ms`);
}

describe('signalTree', () => {
  it('SIGKILL stops every process before killing any: the supervisor never sees its worker die', async () => {
    let out = '';
    const SUPERVISOR = join(__dirname, '..', '..', 'native', 'build', 'Release', 'halo_supervisor');
    const parent = spawn(SUPERVISOR, ['--', process.execPath, '-e', 'setInterval(() => {}, 1000)'], { stdio: ['ignore', 'pipe', 'pipe'] });
    parent.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise((r) => parent.once('exit', r));
    await until(() => descendants(parent.pid!).length === 1);
    const pids = [parent.pid!, ...descendants(parent.pid!)];
    signalTree(pids, 'SIGKILL');
    await exited;
    await until(() => !alive(pids[1]));
    // the supervisor logs a worker's death before anything else it does about it
    expect(out).not.toContain('killed by');
  }, 60_000);
});
