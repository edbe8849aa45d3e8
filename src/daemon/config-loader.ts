/**
 * Loading the config for a reload without stalling the VRRP side: reading, parsing and
 * building a 100,000-line keepalived.conf takes far longer than a 10 ms advert interval, so it
 * runs in a worker thread and the event loop keeps sending adverts meanwhile (keepalived issues
 * #2159 and #349: VIPs switching on reload). The model is plain JSON, so it crosses the thread
 * boundary by structured clone.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { loadConfig, LoadOptions, LoadResult } from '../config/load';

/** The compiled loader; under ts-jest (no compiled file next to us) we load in-thread. */
const COMPILED = join(__dirname, 'config-loader.js');

export function loadConfigOffThread(path: string, opts: LoadOptions = {}): Promise<LoadResult> {
  if (!existsSync(COMPILED)) return Promise.resolve(loadConfig(path, opts));
  return new Promise((resolve, reject) => {
    const w = new Worker(COMPILED, { workerData: { path, opts } });
    w.once('message', (r: LoadResult) => resolve(r));
    w.once('error', reject);
    w.once('exit', (code) => {
      if (code !== 0) reject(new Error(`config loader thread exited with status ${code}`));
    });
  });
}

if (!isMainThread && parentPort && workerData?.path) {
  parentPort.postMessage(loadConfig(workerData.path as string, workerData.opts as LoadOptions));
}
