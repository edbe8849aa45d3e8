/** The thread of loadConfigOffThread (config-loader.ts): loads the config it is given and posts the result. */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { loadConfig, type LoadOptions } from '../config/load';

if (!isMainThread && parentPort && workerData?.path) {
  parentPort.postMessage(loadConfig(workerData.path as string, workerData.opts as LoadOptions));
}
