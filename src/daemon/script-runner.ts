/**
 * Runs each tracked vrrp_script every `interval` (keepalived's vrrp_script semantics): exit
 * status 0 is success, anything else — including a timeout after `timeout` — is failure.
 * A script is never started again while its previous run is still going. Results go to a
 * callback; rise/fall and weights are the pure core's business (src/vrrp/track-script.ts).
 */
import { execFile } from 'node:child_process';
import type { VrrpScript } from '../config/model';
import type { Logger } from './logger';
import { asUser, scriptInsecurity } from './notify';

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
      if (this.scriptSecurity) {
        const why = scriptInsecurity(s.script[0]);
        if (why) {
          this.log.warning(`SECURITY VIOLATION - ${why}; disabling vrrp_script ${s.name}`);
          continue;
        }
      }
      this.runOnce(s);
      this.timers.push(setInterval(() => this.runOnce(s), s.intervalMs));
    }
  }

  private runOnce(s: VrrpScript): void {
    if (this.stopped || this.running.has(s.name)) return;
    this.running.add(s.name);
    const [file, ...args] = s.script;
    execFile(file, args, { timeout: s.timeoutMs ?? s.intervalMs, ...asUser(s.runAs) }, (err) => {
      this.running.delete(s.name);
      if (!this.stopped) this.onResult(s.name, !err);
    });
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
  }
}
