/**
 * Watches where the lab's VIPs live, event-driven: `ip -o monitor address` in each director's
 * namespace reports every add and delete as it happens, with its own timestamp, so "fault → VIP
 * on lb2" is measured to the millisecond without polling.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { Director } from './cluster';

export interface VipEvent {
  at: number; // epoch ms
  director: Director;
  vip: string;
  added: boolean;
}

/**
 * `[2026-11-22T16:40:03.538155] 3: eth0    inet 192.168.1.200/32 scope global eth0` or the same
 * with `Deleted`; the timestamp (local time, as `ip -ts` prints it) is when ip read the event,
 * so a busy watcher process does not skew the measurement.
 */
export function parseMonitorLine(line: string): { vip: string; added: boolean; at: number | null } | null {
  const m = /^(?:\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?\]\s*)?(Deleted\s+)?\d+:\s+\S+\s+inet\s+([\d.]+)\//.exec(line.trim());
  if (!m) return null;
  const at = m[1] ? new Date(m[1]).getTime() + (m[2] ? Number(m[2]) * 1000 : 0) : null;
  return { vip: m[4], added: !m[3], at };
}

export class VipWatch {
  readonly events: VipEvent[] = [];
  private readonly procs: ChildProcess[] = [];
  private readonly waiters: Array<() => void> = [];

  constructor(namespaces: Record<Director, string>, private readonly vips: string[]) {
    for (const [director, ns] of Object.entries(namespaces) as Array<[Director, string]>) {
      const p = spawn('ip', ['netns', 'exec', ns, 'ip', '-ts', '-o', 'monitor', 'address'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let buf = '';
      p.stdout!.setEncoding('utf8');
      p.stdout!.on('data', (chunk: string) => {
        const at = performance.timeOrigin + performance.now();
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const ev = parseMonitorLine(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
          if (ev && this.vips.includes(ev.vip)) this.events.push({ director, vip: ev.vip, added: ev.added, at: ev.at ?? at });
        }
        this.waiters.splice(0).forEach((w) => w());
      });
      this.procs.push(p);
    }
  }

  /** First time after `since` at which `director` had added every VIP (null if not within timeoutMs). */
  async allAddedOn(director: Director, since: number, timeoutMs: number): Promise<number | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const added = new Map<string, number>();
      for (const e of this.events) if (e.director === director && e.at >= since && e.added) if (!added.has(e.vip)) added.set(e.vip, e.at);
      if (this.vips.every((v) => added.has(v))) return Math.max(...added.values());
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  close(): void {
    for (const p of this.procs) p.kill('SIGTERM');
  }
}
