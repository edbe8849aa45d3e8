/**
 * What the worker tells its supervisor (native/src/supervisor.c) over the Node IPC channel:
 * each time an instance becomes MASTER, the exact priority-0 packets (already encoded,
 * checksummed) and the VIPs to release should the worker die; when it leaves MASTER, that it
 * did. The supervisor is C, so each message is one JSON string of space-separated tokens with
 * names in hex (instance and interface names may hold any byte but NUL and '/'):
 *
 *   held INST IF NPKT [DST PKTHEX]... NVIP [FAMILY ADDR PREFIXLEN DEV]...
 *
 * An IPv4 packet is whole (IP header included); an IPv6 one is the VRRP message alone, its DST
 * written `DST@SRC` with the link-local source its checksum was computed for.
 *   released INST
 *   undo KEY nl PROTOCOL DATAGRAMHEX     (a netlink datagram to replay should the worker die)
 *   undo KEY sysctl PATH VALUE           (a /proc/sys value to write back; PATH in hex)
 *   undone KEY
 *   ready
 *   stopgrace MS
 *   pidfile PATH      (hex: the first worker of `halo run` is about to write the pid file
 *       PATH naming the supervisor; until "run", the supervisor removes it if the worker ends)
 *   run PIDFILE FORMAT LEVEL TAG CONFIG OPTIONS [DIR]...   (the first worker of `halo run`, once
 *       it has read the command line and taken the pid file; each hex, "-" for an empty one; the
 *       supervisor logs "Starting halo (config CONFIG)", answers "go", respawns with OPTIONS)
 *   exec ARG...       (hex: the first worker found a net_namespace; once it has exited the
 *       supervisor execs ARG..., `ip netns exec NS halo_supervisor ...`, keeping its pid)
 */
import type { VipSpec } from '../net/addresses';
import type { UndoEntry } from '../net/undo-requests';

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
  | { type: 'undo'; key: string; entry: UndoEntry }
  | { type: 'undone'; key: string }
  | { type: 'ready' }
  /** How long a stopping worker may take before the supervisor kills it (halo_announce drains). */
  | { type: 'stopGrace'; ms: number }
  /** `halo run`'s first worker is about to write the pid file naming the supervisor. */
  | { type: 'pidFile'; path: string }
  /** `halo run`'s first worker has taken the pid file: what the supervisor needs from the command line. */
  | { type: 'run'; start: SupervisorStart }
  /** `halo run`'s first worker found a net_namespace: the supervisor re-execs itself inside it. */
  | { type: 'exec'; argv: string[] };

/** What `halo run`'s command line tells the supervisor (its --pid-file, --log-* and --config). */
export interface SupervisorStart {
  pidFile: string;
  logFormat: string;
  logLevel: string;
  tag: string | undefined;
  configFile: string;
  /** The respawned worker's argument: the RunOptions JSON. */
  options: string;
  /** The pid directories removed at exit when empty, innermost first. */
  removeDirs: string[];
}

/** The exit status of a worker whose config is invalid: the supervisor does not respawn it. */
export const EX_CONFIG = 78;

const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex');
/** A token of `run`/`exec`: hex, or '-' for an empty string (the supervisor splits on spaces). */
const field = (s: string | undefined) => (s ? hex(s) : '-');

/** One message as the supervisor reads it. */
export function encodeWorkerMessage(m: WorkerMessage): string {
  switch (m.type) {
    case 'ready':
      return 'ready';
    case 'stopGrace':
      return `stopgrace ${Math.round(m.ms)}`;
    case 'undo':
      return m.entry.kind === 'netlink'
        ? `undo ${hex(m.key)} nl ${m.entry.protocol} ${m.entry.datagram.toString('hex')}`
        : `undo ${hex(m.key)} sysctl ${hex(m.entry.path)} ${m.entry.value}`;
    case 'undone':
      return `undone ${hex(m.key)}`;
    case 'released':
      return `released ${hex(m.instance)}`;
    case 'run': {
      const r = m.start;
      return ['run', field(r.pidFile), r.logFormat, r.logLevel, field(r.tag), field(r.configFile), field(r.options), ...r.removeDirs.map(field)].join(' ');
    }
    case 'exec':
      return ['exec', ...m.argv.map(field)].join(' ');
    case 'pidFile':
      return `pidfile ${field(m.path)}`;
    case 'held': {
      const h = m.held;
      return [
        'held', hex(h.instance), hex(h.interface),
        String(h.packets.length), ...h.packets.flatMap((p) => [p.src ? `${p.dst}@${p.src}` : p.dst, p.hex]),
        String(h.vips.length), ...h.vips.flatMap((v) => [String(v.family), v.address, String(v.prefixLen), hex(v.dev)]),
      ].join(' ');
    }
  }
}
