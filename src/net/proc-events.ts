/**
 * The kernel's process events connector (linux/cn_proc.h, linux/connector.h), as a codec: the
 * PROC_CN_MCAST_LISTEN/IGNORE request a listener sends, and the events it then receives. Each
 * datagram is one netlink message: nlmsghdr (16) + cn_msg (20) + proc_event (what, cpu,
 * timestamp_ns, then the event's data). keepalived reads the same (core/track_process.c).
 */

export const NETLINK_CONNECTOR = 11;
export const CN_IDX_PROC = 1;
export const CN_VAL_PROC = 1;
const NLMSG_DONE = 3;
const NLMSG_HDRLEN = 16;
const CN_MSG_LEN = 20;
const EVENT_AT = NLMSG_HDRLEN + CN_MSG_LEN;
const DATA_AT = EVENT_AT + 16;

export const PROC_EVENT = {
  NONE: 0x0,
  FORK: 0x1,
  EXEC: 0x2,
  UID: 0x4,
  GID: 0x40,
  SID: 0x80,
  PTRACE: 0x100,
  COMM: 0x200,
  COREDUMP: 0x40000000,
  EXIT: 0x80000000,
} as const;

/** The subscription request: `listen` true = PROC_CN_MCAST_LISTEN, false = PROC_CN_MCAST_IGNORE. */
export function encodeProcListen(listen: boolean, portId = 0): Buffer {
  const b = Buffer.alloc(EVENT_AT + 4);
  b.writeUInt32LE(b.length, 0);
  b.writeUInt16LE(NLMSG_DONE, 4);
  b.writeUInt32LE(portId, 12);
  b.writeUInt32LE(CN_IDX_PROC, NLMSG_HDRLEN);
  b.writeUInt32LE(CN_VAL_PROC, NLMSG_HDRLEN + 4);
  b.writeUInt16LE(4, NLMSG_HDRLEN + 16);
  b.writeUInt32LE(listen ? 1 : 2, EVENT_AT);
  return b;
}

export type ProcEvent =
  | { what: 'ack'; cpu: number; seq: number; err: number }
  | { what: 'fork'; cpu: number; seq: number; parentPid: number; parentTgid: number; childPid: number; childTgid: number }
  | { what: 'exec'; cpu: number; seq: number; pid: number; tgid: number }
  | { what: 'comm'; cpu: number; seq: number; pid: number; tgid: number; comm: string }
  | { what: 'exit'; cpu: number; seq: number; pid: number; tgid: number; exitCode: number; exitSignal: number }
  | { what: 'other'; cpu: number; seq: number; code: number };

export type ProcDecode = { ok: true; event: ProcEvent } | { ok: false; reason: string };

/** One datagram from the connector socket. */
export function decodeProcEvent(b: Buffer): ProcDecode {
  if (b.length < DATA_AT) return { ok: false, reason: `short datagram (${b.length} bytes)` };
  const len = b.readUInt32LE(0);
  if (len < DATA_AT || len > b.length) return { ok: false, reason: `bad netlink length ${len} in ${b.length} bytes` };
  if (b.readUInt32LE(NLMSG_HDRLEN) !== CN_IDX_PROC || b.readUInt32LE(NLMSG_HDRLEN + 4) !== CN_VAL_PROC) {
    return { ok: false, reason: 'not a process connector message' };
  }
  const seq = b.readUInt32LE(NLMSG_HDRLEN + 8);
  const dataLen = b.readUInt16LE(NLMSG_HDRLEN + 16);
  if (EVENT_AT + dataLen > len) return { ok: false, reason: `connector length ${dataLen} beyond the message` };
  const what = b.readUInt32LE(EVENT_AT);
  const cpu = b.readUInt32LE(EVENT_AT + 4);
  const u32 = (i: number): number => b.readUInt32LE(DATA_AT + 4 * i);
  const need = (n: number): ProcDecode | null => (EVENT_AT + dataLen < DATA_AT + n || len < DATA_AT + n ? { ok: false, reason: `event 0x${what.toString(16)} too short` } : null);
  switch (what) {
    case PROC_EVENT.NONE:
      return need(4) ?? { ok: true, event: { what: 'ack', cpu, seq, err: u32(0) } };
    case PROC_EVENT.FORK:
      return need(16) ?? { ok: true, event: { what: 'fork', cpu, seq, parentPid: u32(0), parentTgid: u32(1), childPid: u32(2), childTgid: u32(3) } };
    case PROC_EVENT.EXEC:
      return need(8) ?? { ok: true, event: { what: 'exec', cpu, seq, pid: u32(0), tgid: u32(1) } };
    case PROC_EVENT.COMM: {
      const bad = need(24);
      if (bad) return bad;
      const raw = b.subarray(DATA_AT + 8, DATA_AT + 24);
      const nul = raw.indexOf(0);
      return { ok: true, event: { what: 'comm', cpu, seq, pid: u32(0), tgid: u32(1), comm: raw.subarray(0, nul < 0 ? 16 : nul).toString('latin1') } };
    }
    case PROC_EVENT.EXIT:
      return need(16) ?? { ok: true, event: { what: 'exit', cpu, seq, pid: u32(0), tgid: u32(1), exitCode: u32(2), exitSignal: u32(3) } };
    default:
      return { ok: true, event: { what: 'other', cpu, seq, code: what } };
  }
}
