/**
 * The process connector codec against datagrams captured from this host's kernel
 * (test/fixtures/proc-connector/events.json: a child's fork, comm change, exec and exit).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeProcEvent, encodeProcListen } from '../../src/net/proc-events';

const fx = JSON.parse(readFileSync(join(__dirname, '../fixtures/proc-connector/events.json'), 'utf8')) as Record<string, string | number>;
const bytes = (k: string): Buffer => Buffer.from(fx[k] as string, 'hex');

describe('process connector codec (golden bytes from the kernel)', () => {
  it('decodes the listen ack and the fork, comm, exec and exit of one child', () => {
    const ev = (k: string) => {
      const r = decodeProcEvent(bytes(k));
      if (!r.ok) throw new Error(r.reason);
      return r.event;
    };
    expect(ev('ack')).toMatchObject({ what: 'ack', err: 0 });
    expect(ev('fork')).toMatchObject({ what: 'fork', parentTgid: fx.parent, childPid: fx.pid, childTgid: fx.pid });
    expect(ev('comm')).toMatchObject({ what: 'comm', pid: fx.pid, tgid: fx.pid, comm: 'trkcomm' });
    expect(ev('exec')).toMatchObject({ what: 'exec', pid: fx.pid, tgid: fx.pid });
    expect(ev('exit')).toMatchObject({ what: 'exit', pid: fx.pid, tgid: fx.pid, exitCode: 0 });
  });

  it('drops what is not a whole process connector message, with the reason', () => {
    expect(decodeProcEvent(bytes('exit').subarray(0, 40))).toEqual({ ok: false, reason: 'short datagram (40 bytes)' });
    const other = Buffer.from(bytes('exit'));
    other.writeUInt32LE(7, 16); // another connector index
    expect(decodeProcEvent(other)).toEqual({ ok: false, reason: 'not a process connector message' });
    const long = Buffer.from(bytes('exit'));
    long.writeUInt32LE(500, 0);
    expect(decodeProcEvent(long).ok).toBe(false);
  });

  it('encodes PROC_CN_MCAST_LISTEN / IGNORE as keepalived sends them', () => {
    expect(encodeProcListen(true).toString('hex')).toBe(
      '28000000' + '0300' + '0000' + '00000000' + '00000000' // nlmsghdr: len 40, NLMSG_DONE
      + '01000000' + '01000000' + '00000000' + '00000000' + '0400' + '0000' // cn_msg: CN_IDX_PROC, CN_VAL_PROC, len 4
      + '01000000', // PROC_CN_MCAST_LISTEN
    );
    expect(encodeProcListen(false).subarray(36).readUInt32LE(0)).toBe(2);
  });
});
