/**
 * Debian's net-snmp tools in a test topology: an snmpd that is the AgentX master (test-owned
 * config: `master agentx` on a unix socket, SNMP v2c `public` on the namespace's loopback, its
 * notifications sent on to snmptrapd), an snmptrapd that logs each notification as one line, and
 * the command-line clients with no MIB files loaded (numeric OIDs, `-On`).
 */
import { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Topology } from './netns';
import { waitFor } from './netns';

export const SNMP = 'udp:127.0.0.1:16161';
export const TRAPS = 'udp:127.0.0.1:16162';
const NO_MIBS = { MIBS: '', MIBDIRS: '/nonexistent' };

/** snmpd on `host`, logging to DIR/snmpd.log; resolves once its AgentX socket (returned) is open. */
export async function startSnmpd(topo: Topology, host: string, dir: string): Promise<{ proc: ChildProcess; agentx: string; log: string }> {
  const agentx = join(dir, 'agentx.sock');
  const conf = join(dir, 'snmpd.conf');
  writeFileSync(conf, `master agentx\nagentXSocket unix:${agentx}\nagentAddress ${SNMP}\nrocommunity public 127.0.0.1 .1\ntrap2sink ${TRAPS} public\n`);
  topo.exec(host, ['ip', 'link', 'set', 'lo', 'up']);
  // its log goes to a file: a pipe nobody reads fills up and blocks snmpd mid-request
  const log = join(dir, 'snmpd.log');
  const logFd = openSync(log, 'a');
  const proc = topo.spawn(host, ['snmpd', '-f', '-Lo', '-C', '-c', conf, '-p', join(dir, 'snmpd.pid')], {
    env: { ...process.env, ...NO_MIBS }, stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  const up = await waitFor(() => topo.exec(host, ['sh', '-c', `test -S ${agentx} && echo yes || true`]).includes('yes'), 10_000, 100);
  if (!up) throw new Error(`snmpd did not open its AgentX socket:\n${readFileSync(log, 'utf8')}`);
  return { proc, agentx, log };
}

/** snmptrapd on `host`, one `TRAP <varbinds>` line per notification in DIR/snmptrapd.log; resolves once it listens. */
export async function startSnmptrapd(topo: Topology, host: string, dir: string): Promise<{ proc: ChildProcess; log: string }> {
  const log = join(dir, 'snmptrapd.log');
  writeFileSync(log, '');
  const conf = join(dir, 'snmptrapd.conf');
  writeFileSync(conf, 'disableAuthorization yes\n');
  const proc = topo.spawn(host, ['snmptrapd', '-f', '-C', '-c', conf, '-Lf', log, '-m', '', '-M', '/nonexistent', '-On', '-F', 'TRAP %v\n', TRAPS], {
    env: { ...process.env, ...NO_MIBS }, stdio: 'ignore',
  });
  // snmptrapd is listening once it logs its start line
  const up = await waitFor(() => readFileSync(log, 'utf8').includes('NET-SNMP version'), 10_000, 100);
  if (!up) throw new Error(`snmptrapd did not start:\n${readFileSync(log, 'utf8')}`);
  return { proc, log };
}

/** One net-snmp client command (snmpwalk, snmpget …) against the snmpd above; its output, '' on failure. */
export function snmpCommand(topo: Topology, host: string, cmd: string, args: string[]): string {
  return topo.exec(host, [cmd, '-m', '', '-M', '/nonexistent', '-On', '-v2c', '-c', 'public', '-t', '2', '-r', '1', SNMP, ...args], { allowFail: true });
}
