/**
 * Loading the config for a reload without stalling the VRRP side: reading, parsing and
 * building a 100,000-line keepalived.conf takes far longer than a 10 ms advert interval, so it
 * runs in a worker thread (config-loader-thread.ts) and the event loop keeps sending adverts
 * meanwhile (keepalived issues #2159 and #349: VIPs switching on reload). The model is plain
 * JSON, so it crosses the thread boundary by structured clone, in parts taken one per turn of
 * the loop (result-chunks.ts): taken whole, the 100,000-line model held the loop 140-150 ms on
 * an idle host, and past Master_Down_Interval at advert_int 0.1 with the other core busy.
 * node:worker_threads loads on the first reload, not with the worker (~2 ms of CPU before its
 * first VRRP state, issue 15).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, LoadOptions, LoadResult } from '../config/load';
import { ResultAssembler, type ResultPart } from './result-chunks';

/** The compiled thread entry; under ts-jest (no compiled file next to us) we load in-thread. */
export const THREAD_ENTRY = join(__dirname, 'config-loader-thread.js');

export function loadConfigOffThread(path: string, opts: LoadOptions = {}): Promise<LoadResult> {
  if (!existsSync(THREAD_ENTRY)) return Promise.resolve(loadConfig(path, opts));
  const { Worker, MessageChannel, receiveMessageOnPort } = require('node:worker_threads') as typeof import('node:worker_threads');
  return new Promise((resolve, reject) => {
    const { port1, port2 } = new MessageChannel();
    const w = new Worker(THREAD_ENTRY, { workerData: { path, opts, port: port2 }, transferList: [port2] });
    let announced = false;
    const fail = (e: Error) => {
      port1.close();
      reject(e);
    };
    w.once('message', (count: number) => {
      announced = true;
      const parts = new ResultAssembler();
      let taken = 0;
      const take = () => {
        const got = receiveMessageOnPort(port1);
        if (!got) return fail(new Error(`config loader thread: ${taken} of ${count} parts of the result arrived`));
        taken++;
        try {
          if (!parts.add(got.message as ResultPart)) return void setImmediate(take);
        } catch (e) {
          return fail(e as Error);
        }
        port1.close();
        resolve(parts.result!);
      };
      take();
    });
    w.once('error', fail);
    w.once('exit', (code) => {
      if (code !== 0) fail(new Error(`config loader thread exited with status ${code}`));
      // its last message comes before its exit; a turn later, none is none
      else if (!announced) setImmediate(() => announced || fail(new Error('config loader thread exited without a result')));
    });
  });
}
