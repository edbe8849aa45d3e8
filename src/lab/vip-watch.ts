/**
 * Watches where the lab's VIPs live, event-driven: `ip -o monitor address` in each director's
 * namespace reports every add and delete as it happens, so "fault → VIP on lb2" is measured to
 * the millisecond without polling.
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

/** `3: eth0    inet 192.168.1.200/32 scope global eth0` or `Deleted 3: eth0 inet ...`. */
export function parseMonitorLine(line: string): { vip: string; added: boolean } | null {
  const m = /^(Deleted\s+)?\d+:\s+\S+\s+inet\s+([\d.]+)\//.exec(line.trim());
  return m ? { vip: m[2], added: !m[1] } : null;
}

export class VipWatch {
  readonly events: VipEvent[] = [];
  private readonly procs: ChildProcess[] = [];
  private readonly waiters: Array<() => void> = [];

  constructor(namespaces: Record<Director, string>, private readonly vips: string[]) {
    for (const [director, ns] of Object.entries(namespaces) as Array<[Director, string]>) {
      const p = spawn('ip', ['netns', 'exec', ns, 'ip', '-o', 'monitor', 'address'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let buf = '';
      p.stdout!.setEncoding('utf8');
      p.stdout!.on('data', (chunk: string) => {
        const at = performance.timeOrigin + performance.now();
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const ev = parseMonitorLine(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
          if (ev && this.vips.includes(ev.vip)) this.events.push({ at, director, ...ev });
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
