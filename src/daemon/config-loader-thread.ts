/**
 * The thread of loadConfigOffThread (config-loader.ts): loads the config it is given and posts
 * the result in parts (result-chunks.ts) on the port it was given, then says how many on its
 * parent port. The parts wait in the port until the worker's loop takes them, one per turn.
 */
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { loadConfig, type LoadOptions } from '../config/load';
import { cutResult } from './result-chunks';

if (!isMainThread && parentPort && workerData?.path && workerData.port) {
  const port = workerData.port as MessagePort;
  const parts = cutResult(loadConfig(workerData.path as string, workerData.opts as LoadOptions));
  for (const p of parts) port.postMessage(p);
  port.close();
  parentPort.postMessage(parts.length);
}
