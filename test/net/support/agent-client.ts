/** Drives a test agent (agent.ts) running inside a network namespace. */
import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import * as readline from 'readline';

export const REGISTER = path.join(__dirname, 'ts-register.js');
export const AGENT = path.join(__dirname, 'agent.ts');

export interface AgentEvent {
  event: string;
  [key: string]: any;
}

export class Agent {
  readonly events: AgentEvent[] = [];
  private readonly replies = new Map<number, (msg: any) => void>();
  private readonly waiters = new Set<() => void>();
  private nextId = 1;
  readonly exited: Promise<number | null>;
  stderr = '';

  private constructor(private readonly child: ChildProcess) {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const msg = JSON.parse(line);
      if (msg.event) {
        this.events.push(msg);
        for (const w of [...this.waiters]) w();
      } else this.replies.get(msg.id)?.(msg);
    });
    child.stderr!.on('data', (d) => (this.stderr += d));
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  /** Start an agent in namespace `ns` and wait for it to be ready. */
  static async start(ns: string): Promise<Agent> {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-r', REGISTER, AGENT], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const agent = new Agent(child);
    await agent.waitEvent((e) => e.event === 'ready', 15000);
    return agent;
  }

  /** Call a method; resolves with its result, rejects with its error message. */
  call<T = any>(method: string, ...args: unknown[]): Promise<T> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`agent call ${method} timed out; stderr: ${this.stderr}`)), 10000);
      this.replies.set(id, (msg) => {
        clearTimeout(timer);
        this.replies.delete(id);
        if (msg.error) reject(Object.assign(new Error(msg.error.message), { code: msg.error.code }));
        else resolve(msg.result);
      });
      this.child.stdin!.write(`${JSON.stringify({ id, method, args })}\n`);
    });
  }

  /** Wait for an event matching `pred` (already received or future), bounded by `timeoutMs`. */
  waitEvent(pred: (e: AgentEvent) => boolean, timeoutMs = 5000): Promise<AgentEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.events.find(pred);
        if (!found) return false;
        this.waiters.delete(check as () => void);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check as () => void);
        reject(new Error(`event not seen within ${timeoutMs} ms; events: ${JSON.stringify(this.events)}; stderr: ${this.stderr}`));
      }, timeoutMs);
      if (!check()) this.waiters.add(check as () => void);
    });
  }

  /** Ask the agent to exit; kill it (by its PID) if it has not exited within 5 s. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
