import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { artifactNames, keepArtifacts } from '../../src/lab/artifacts';
import { ControlServer, startControlServer } from '../../src/daemon/control';

describe('drill artifacts', () => {
  let tmp: string;
  let server: ControlServer;
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'halo-art-'));
  });
  afterEach(async () => {
    await server?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('keeps every lab log, the live director\'s status as halo status --json prints it, and says what could not be read', async () => {
    const lab = join(tmp, 'lab');
    const out = join(tmp, 'out', 'drill-1');
    const status = { pid: 42, instances: [{ name: 'VI_E', state: 'MASTER' }], virtualServers: [] };
    server = await startControlServer(join(lab, 'lb1', 'halo.sock'), (req) => (req.cmd === 'status' ? status : null));
    writeFileSync(join(lab, 'lb1.log'), 'Mon Nov 30 10:53:49 2026: (VI_E) Entering MASTER STATE\n');
    writeFileSync(join(lab, 'web1.log'), 'nginx/1.22.1\n');
    // the client's samples of each cycle are kept; its scratch file of the running cycle is not
    writeFileSync(join(lab, 'client-graceful-1-1.jsonl'), '{"k":"http","t0":1,"t1":2,"ok":true,"o":"answered"}\n');
    writeFileSync(join(lab, 'load.jsonl'), '');
    const files = await keepArtifacts({
      dir: lab,
      directors: ['lb1', 'lb2'],
      // no such namespaces: ipvsadm cannot run, and the file says so
      namespace: (h) => `hart-missing-${h}`,
      controlSocket: (lb) => join(lab, lb, 'halo.sock'),
    }, out);
    expect(files).toEqual(['client-graceful-1-1.jsonl', 'lb1-ipvsadm-Ln.txt', 'lb1-status.json', 'lb1.log', 'lb2-ipvsadm-Ln.txt', 'lb2-status.json', 'lb2.log', 'web1.log']);
    expect(readdirSync(out).sort()).toEqual(files);
    expect(readFileSync(join(out, 'lb1.log'), 'utf8')).toContain('(VI_E) Entering MASTER STATE');
    expect(readFileSync(join(out, artifactNames('lb1').status), 'utf8')).toBe(`${JSON.stringify(status, null, 2)}\n`);
    expect(JSON.parse(readFileSync(join(out, 'lb2-status.json'), 'utf8')).error).toMatch(/no halo daemon is running/);
    expect(readFileSync(join(out, 'lb2.log'), 'utf8')).toMatch(/no log: .*lb2\.log does not exist/);
    expect(readFileSync(join(out, 'lb1-ipvsadm-Ln.txt'), 'utf8')).toMatch(/^ipvsadm -Ln in hart-missing-lb1 failed: /);
  });
});
