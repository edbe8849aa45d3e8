/**
 * Runs each tracked vrrp_script every `interval` (keepalived's vrrp_script semantics): exit
 * status 0 is success, anything else — including a timeout after `timeout` — is failure.
 * A script is never started again while its previous run is still going. Results go to a
 * callback; rise/fall and weights are the pure core's business (src/vrrp/track-script.ts).
 */
/** node:child_process, loaded on first use: with it the worker's start loaded node:dgram and ~6 ms of CPU (host) before its first VRRP state (issue 15). */
const childProcess = () => require('node:child_process') as typeof import('node:child_process');
import type { VrrpScript } from '../config/model';
import type { Logger } from './logger';
import { asUser, secureScript } from './notify';

export class ScriptRunner {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<string>();
  private stopped = false;

  constructor(
    private readonly scripts: VrrpScript[],
    private readonly scriptSecurity: boolean,
    private readonly log: Pick<Logger, 'warning'>,
    private readonly onResult: (name: string, ok: boolean) => void,
  ) {}

  start(): void {
    for (const s of this.scripts) {
      let argv = s.script;
      if (this.scriptSecurity) {
        const ok = secureScript(s.script[0], s.runAs);
        if ('error' in ok) {
          this.log.warning(`${ok.error}; disabling vrrp_script ${s.name}`);
          continue;
        }
        argv = [ok.file, ...s.script.slice(1)];
      }
      this.runOnce(s, argv);
      this.timers.push(setInterval(() => this.runOnce(s, argv), s.intervalMs));
    }
  }

  private runOnce(s: VrrpScript, argv: string[]): void {
    if (this.stopped || this.running.has(s.name)) return;
    this.running.add(s.name);
    const [file, ...args] = argv;
    childProcess().execFile(file, args, { timeout: s.timeoutMs ?? s.intervalMs, ...asUser(s.runAs) }, (err) => {
      this.running.delete(s.name);
      if (!this.stopped) this.onResult(s.name, !err);
    });
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
  }
}
