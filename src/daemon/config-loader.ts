/**
 * Loading the config for a reload without stalling the VRRP side: reading, parsing and
 * building a 100,000-line keepalived.conf takes far longer than a 10 ms advert interval, so it
 * runs in a worker thread (config-loader-thread.ts) and the event loop keeps sending adverts
 * meanwhile (keepalived issues #2159 and #349: VIPs switching on reload). The model is plain
 * JSON, so it crosses the thread boundary by structured clone. node:worker_threads loads on the
 * first reload, not with the worker (~2 ms of CPU before its first VRRP state, issue 15).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, LoadOptions, LoadResult } from '../config/load';

/** The compiled thread entry; under ts-jest (no compiled file next to us) we load in-thread. */
export const THREAD_ENTRY = join(__dirname, 'config-loader-thread.js');

export function loadConfigOffThread(path: string, opts: LoadOptions = {}): Promise<LoadResult> {
  if (!existsSync(THREAD_ENTRY)) return Promise.resolve(loadConfig(path, opts));
  const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
  return new Promise((resolve, reject) => {
    const w = new Worker(THREAD_ENTRY, { workerData: { path, opts } });
    w.once('message', (r: LoadResult) => resolve(r));
    w.once('error', reject);
    w.once('exit', (code) => {
      if (code !== 0) reject(new Error(`config loader thread exited with status ${code}`));
    });
  });
}
