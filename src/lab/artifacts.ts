/**
 * What a drill leaves behind for whoever reads its figures later: each director's log, its final
 * `halo status --json` and `ipvsadm -Ln` of its namespace, plus the real servers' logs and the
 * measuring client's samples of each cycle (so an outage figure can be re-read request by request), copied
 * into the drill's output directory before the lab is torn down. Inside the VM that directory is
 * the transfer share (deploy/vm/vmrun.sh -o), so the files outlive the VM.
 *
 * Whatever cannot be read (a director already dead, ipvsadm failing) is written down as what
 * happened, in the file that would have held it, so a missing piece is never silent.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { controlCall } from '../daemon/control';

/** What the artifacts are read from: the lab's directory, namespaces and control sockets. */
export interface ArtifactSource {
  /** The lab's state directory, where every lab process logs to NAME.log. */
  dir: string;
  directors: ReadonlyArray<'lb1' | 'lb2'>;
  namespace(host: string): string;
  controlSocket(director: 'lb1' | 'lb2'): string;
}

/** The files keepArtifacts writes for one director (the real servers' logs come as NAME.log). */
export function artifactNames(director: string): { log: string; status: string; ipvs: string } {
  return { log: `${director}.log`, status: `${director}-status.json`, ipvs: `${director}-ipvsadm-Ln.txt` };
}

function ipvsadmList(ns: string): Promise<string> {
  return new Promise((resolve) => {
    execFile('ip', ['netns', 'exec', ns, 'ipvsadm', '-Ln'], { encoding: 'utf8', timeout: 20_000 }, (err, stdout, stderr) => {
      resolve(err ? `ipvsadm -Ln in ${ns} failed: ${(stderr || err.message).trim()}\n${stdout}` : stdout);
    });
  });
}

/**
 * Copy the lab's logs and both directors' final status and IPVS table into `outDir` (created if
 * needed); returns the files written. Call it while the directors still run.
 */
export async function keepArtifacts(src: ArtifactSource, outDir: string): Promise<string[]> {
  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  const put = (name: string, text: string) => {
    writeFileSync(join(outDir, name), text);
    written.push(name);
  };
  await Promise.all(src.directors.map(async (lb) => {
    const names = artifactNames(lb);
    const [status, table] = await Promise.all([controlCall(src.controlSocket(lb), { cmd: 'status' }, 10_000), ipvsadmList(src.namespace(lb))]);
    put(names.status, status.ok ? `${JSON.stringify(status.result, null, 2)}\n` : `${JSON.stringify({ error: status.error }, null, 2)}\n`);
    put(names.ipvs, table);
  }));
  // the logs, and the measuring client's samples of every cycle (client-MODE-RUN-ATTEMPT.jsonl)
  const logs = existsSync(src.dir) ? readdirSync(src.dir).filter((f) => f.endsWith('.log') || f.endsWith('.pcap') || (f.startsWith('client-') && f.endsWith('.jsonl'))) : [];
  for (const lb of src.directors) if (!logs.includes(artifactNames(lb).log)) put(artifactNames(lb).log, `(no log: ${join(src.dir, artifactNames(lb).log)} does not exist)\n`);
  for (const f of logs) {
    copyFileSync(join(src.dir, f), join(outDir, f));
    written.push(f);
  }
  return written.sort();
}
