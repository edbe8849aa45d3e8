/**
 * The supervisor: a small process that runs the engines in a worker (keepalived's parent/child
 * shape) and, when the worker dies abnormally (crash, kill -9, OOM), at once releases what the
 * worker held as MASTER — a priority-0 advert per instance, so the backup takes over after
 * Skew_Time instead of Master_Down_Interval, and its VIPs removed, so no address answers from a
 * director that no longer forwards — then respawns it under a rate limit.
 *
 * The worker tells the supervisor, over the IPC channel, what to send in that case: each time an
 * instance becomes MASTER it sends the exact priority-0 packets (already encoded, checksummed)
 * and the VIPs; when it leaves MASTER it says so. The supervisor therefore needs no VRRP logic,
 * only a raw socket and an address manager.
 */
import { ChildProcess, fork } from 'node:child_process';
import type { VipSpec } from '../net/addresses';
import { decideRespawn, DEFAULT_RESPAWN_POLICY, RespawnPolicy, RespawnState } from './respawn';

export interface HeldInstance {
  instance: string;
  interface: string;
  /**
   * Priority-0 adverts as hex, one per destination: whole IPv4 packets, or IPv6 VRRP messages
   * with the `src` their checksum was computed for.
   */
  packets: Array<{ dst: string; hex: string; src?: string }>;
  vips: VipSpec[];
}

export type WorkerMessage =
  | { type: 'held'; held: HeldInstance }
  | { type: 'released'; instance: string }
  | { type: 'ready' };

export interface SupervisorDeps {
  workerPath: string;
  workerArgs: string[];
  /** Send the priority-0 packets and remove the VIPs of instances a dead worker held. */
  release(held: HeldInstance[]): Promise<void>;
  log: { error(m: string): void; warning(m: string): void; notice(m: string): void; info(m: string): void };
  /** The worker said it is ready (its engines started). */
  onReady?: () => void;
  /** The worker became MASTER of an instance: a chance to get ready to release it fast. */
  onHeld?: (held: HeldInstance) => void;
  policy?: RespawnPolicy;
  now?: () => number;
}

export class Supervisor {
  private worker: ChildProcess | null = null;
  private startedAt = 0;
  private readonly held = new Map<string, HeldInstance>();
  private respawn: RespawnState = { restarts: [], lastDelayMs: 0 };
  private stopping = false;
  private exitResolve!: (code: number) => void;
  /** Resolves with the supervisor's exit code. */
  readonly done = new Promise<number>((r) => (this.exitResolve = r));

  constructor(private readonly deps: SupervisorDeps) {}

  get workerPid(): number | undefined {
    return this.worker?.pid;
  }

  heldInstances(): HeldInstance[] {
    return [...this.held.values()];
  }

  start(): void {
    const now = this.deps.now ?? Date.now;
    this.startedAt = now();
    const w = fork(this.deps.workerPath, this.deps.workerArgs, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.worker = w;
    w.on('message', (m: WorkerMessage) => this.onMessage(m));
    w.on('exit', (code, signal) => void this.onExit(w, code, signal));
  }

  private onMessage(m: WorkerMessage): void {
    if (m.type === 'held') {
      this.held.set(m.held.instance, m.held);
      this.deps.onHeld?.(m.held);
    }
    else if (m.type === 'released') this.held.delete(m.instance);
    else if (m.type === 'ready') this.deps.onReady?.();
  }

  private async onExit(w: ChildProcess, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (w !== this.worker) return;
    this.worker = null;
    const clean = code === 0 && signal === null;
    if (this.stopping && clean) {
      this.exitResolve(0);
      return;
    }
    const how = signal ? `killed by ${signal}` : `exited with status ${code}`;
    const held = this.heldInstances();
    this.deps.log.error(`worker (pid ${w.pid}) ${how}`);
    if (held.length > 0) {
      const t0 = process.hrtime.bigint();
      try {
        await this.deps.release(held);
      } catch (err) {
        this.deps.log.error(`releasing ${held.map((h) => h.instance).join(', ')} failed: ${(err as Error).message}`);
      }
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      this.deps.log.notice(
        `released ${held.map((h) => h.instance).join(', ')} for the dead worker: priority 0 advert sent, VIPs removed (${ms.toFixed(1)} ms)`,
      );
      this.held.clear();
    }
    if (this.stopping) {
      this.exitResolve(clean ? 0 : 1);
      return;
    }
    const now = (this.deps.now ?? Date.now)();
    const r = decideRespawn(this.deps.policy ?? DEFAULT_RESPAWN_POLICY, this.respawn, now, now - this.startedAt);
    this.respawn = r.state;
    if (r.decision.action === 'give-up') {
      this.deps.log.error(`not respawning the worker: ${r.decision.reason}`);
      this.exitResolve(1);
      return;
    }
    this.deps.log.notice(`respawning the worker${r.decision.delayMs ? ` in ${r.decision.delayMs} ms` : ''}`);
    setTimeout(() => {
      if (!this.stopping) this.start();
      else this.exitResolve(0);
    }, r.decision.delayMs);
  }

  /** Forward a reload to the worker. */
  reload(): void {
    this.worker?.kill('SIGHUP');
  }

  /**
   * Graceful stop: the worker sends its own priority-0 adverts and removes its VIPs; if it does
   * not exit within `graceMs`, it is killed and the supervisor releases on its behalf.
   */
  stop(graceMs = 10_000): void {
    if (this.stopping) return;
    this.stopping = true;
    const w = this.worker;
    if (!w) {
      this.exitResolve(0);
      return;
    }
    w.kill('SIGTERM');
    const t = setTimeout(() => w.kill('SIGKILL'), graceMs);
    t.unref();
  }
}
