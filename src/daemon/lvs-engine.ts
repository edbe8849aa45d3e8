/**
 * The LVS shell: TCP_CHECK results → desired IPVS table → minimal ops → kernel.
 * (Wired in once the reconciler and the IPVS client land; see director.ts.)
 */
import type { VirtualServerStatus } from './status';

export interface LvsEngine {
  start(): Promise<void>;
  stop(): Promise<void>;
  reload(model: import('../config/model').Model): Promise<void>;
  status(): VirtualServerStatus[];
}
