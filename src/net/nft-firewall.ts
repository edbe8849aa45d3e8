/**
 * The shell around src/net/nft-rules.ts: hands each plan to Debian's `nft -f -` (package nftables)
 * as one atomic batch, with a timeout and a named error, and keeps the planner's state only when
 * the batch went in.
 *
 * Why nft and not our own nfnetlink batches (keepalived builds them by hand): nft's libnftables
 * turns the same commands into the same netlink batch keepalived sends (the netns test compares the
 * kernel's ruleset of both), it validates them, and it is what an operator uses to read them back;
 * writing nf_tables expressions, set descriptions and batch framing ourselves would be a second
 * codec for a path taken once per transition. The price is one short process per transition of a
 * non-accept instance (a few ms) and the nftables package (deploy/install-deps.sh, the .deb's
 * Depends).
 */
/** node:child_process, loaded on first use: with it the worker's start loaded node:dgram and ~6 ms of CPU (host) before its first VRRP state (issue 15). */
const childProcess = () => require('node:child_process') as typeof import('node:child_process');
import { NetError, errnoName, fail, ok, type NetResult } from './errors';
import {
  emptyFirewallState, parseTables, planAdd, planCleanup, planRemove, planResidue, planVmac,
  type FirewallAddress, type FirewallPlan, type FirewallState, type NftSettings,
} from './nft-rules';
import { NETLINK_NETFILTER, nftDeleteTableBatch, type UndoLog } from './undo-requests';

/** Runs nft with `args`, `input` on stdin; resolves with stdout or a NetError naming `operation`. */
export type NftRunner = (args: string[], input: string, operation: string) => Promise<NetResult<string>>;

export const NFT_TIMEOUT_MS = 5000;

export function nftRunner(binary = 'nft', timeoutMs = NFT_TIMEOUT_MS): NftRunner {
  return (args, input, operation) =>
    new Promise((resolve) => {
      let out = '';
      let errText = '';
      let settled = false;
      const done = (r: NetResult<string>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const child = childProcess().spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        done(fail('ETIMEDOUT', `${operation}: nft gave no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
      child.stderr.on('data', (b: Buffer) => { errText += b.toString(); });
      child.on('error', (e) => done({ ok: false, error: new NetError(errnoName(e), `${operation}: cannot run ${binary} (Debian package nftables)`) }));
      child.on('close', (code) => {
        if (code === 0) return done(ok(out));
        const first = errText.split('\n').find((l) => l.startsWith('Error:')) ?? errText.split('\n')[0] ?? '';
        const detail = first.replace(/^Error:\s*/, '').trim();
        done(fail(errnoName(new Error(detail.replace(/^.*:\s*/, ''))), `${operation}: nft exited ${code}: ${detail}`));
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(input);
    });
}

export interface FirewallLog {
  info(m: string): void;
  warning(m: string): void;
}

/** The VIP drop rules of the non-accept instances, in one table pair, applied in order. */
export class NftFirewall {
  private state: FirewallState = emptyFirewallState();
  private queue: Promise<unknown> = Promise.resolve();
  private residueChecked = false;

  constructor(
    readonly settings: NftSettings,
    private readonly log: FirewallLog,
    private readonly run: NftRunner = nftRunner(),
    /** Each table in place is recorded with the nf_tables batch deleting it (replayed should the worker die). */
    private readonly undo: UndoLog | null = null,
  ) {}

  /** Elements currently held, for status and tests. */
  get held(): FirewallState {
    return this.state;
  }

  add(instance: string, addrs: FirewallAddress[]): Promise<NetResult<void>> {
    return this.serial(async () => this.applyFirst(planAdd(this.state, this.settings, instance, addrs), `(${instance}) setting firewall drop rule`));
  }

  /** use_vmac: the VMAC's IGMP/MLD entries (firewall_add_vmac / firewall_remove_vmac). */
  vmac(op: 'add' | 'remove', vmac: { name: string; base: string }, family: 4 | 6, otherFamily: boolean): Promise<NetResult<void>> {
    return this.serial(async () => this.applyFirst(planVmac(this.state, this.settings, op, vmac, family, otherFamily), `${op === 'add' ? 'adding' : 'removing'} VMAC ${vmac.name} firewall entries`));
  }

  /** The first batch that makes a table deletes a crashed run's tables of that name first. */
  private async applyFirst(plan: FirewallPlan, operation: string): Promise<NetResult<void>> {
    let lines = plan.lines;
    if (lines.length > 0 && !this.state.ipv4Table && !this.state.ipv6Table && !this.residueChecked) {
      const listed = await this.run(['-j', 'list', 'tables'], '', 'listing nftables tables');
      if (!listed.ok) return listed;
      const residue = planResidue(parseTables(listed.value), this.settings.table);
      for (const l of residue.log) this.log.info(l);
      lines = [...residue.lines, ...lines];
      this.residueChecked = true;
    }
    return this.apply({ ...plan, lines }, operation);
  }

  remove(instance: string, addrs: FirewallAddress[]): Promise<NetResult<void>> {
    return this.serial(() => this.apply(planRemove(this.state, this.settings, instance, addrs), `(${instance}) removing firewall drop rule`));
  }

  /** nft_end: the tables go (graceful stop). */
  close(): Promise<NetResult<void>> {
    return this.serial(() => this.apply(planCleanup(this.state, this.settings), `deleting nftables table ${this.settings.table}`));
  }

  private async apply(plan: FirewallPlan, operation: string): Promise<NetResult<void>> {
    if (plan.lines.length > 0) {
      const r = await this.run(['-f', '-'], plan.lines.join('\n') + '\n', operation);
      if (!r.ok) return r;
    }
    this.recordTables(plan.state);
    this.state = plan.state;
    return ok(undefined);
  }

  /** The undo of each table that came (its delete batch) or went (forgotten). */
  private recordTables(next: FirewallState): void {
    if (!this.undo) return;
    for (const [family, was, now] of [['ip', this.state.ipv4Table, next.ipv4Table], ['ip6', this.state.ipv6Table, next.ipv6Table]] as const) {
      if (was === now) continue;
      const key = `nftables table ${family} ${this.settings.table}`;
      if (now) this.undo.record(key, { kind: 'netlink', protocol: NETLINK_NETFILTER, datagram: nftDeleteTableBatch(family, this.settings.table) });
      else this.undo.forget(key);
    }
  }

  private serial(fn: () => Promise<NetResult<void>>): Promise<NetResult<void>> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

/**
 * `halo cleanup`: delete the tables of `table` a crashed run left (nothing when there are none).
 * Returns what was deleted.
 */
export async function removeFirewallTables(table: string, run: NftRunner = nftRunner()): Promise<NetResult<string[]>> {
  const listed = await run(['-j', 'list', 'tables'], '', 'listing nftables tables');
  if (!listed.ok) return listed;
  const residue = planResidue(parseTables(listed.value), table);
  if (residue.lines.length === 0) return ok([]);
  const r = await run(['-f', '-'], residue.lines.join('\n') + '\n', `deleting nftables table ${table}`);
  if (!r.ok) return r;
  return ok(residue.lines.map((l) => l.replace(/^delete table /, '')));
}
