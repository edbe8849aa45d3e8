import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientOfPage, nginxArgv, nginxConf, page, serverOfPage, STREAM_BYTES, STREAM_FILE, STREAM_PATH, STREAM_RATE, writeStreamFile } from '../../src/lab/web-server';

describe('lab web server (nginx) config', () => {
  const conf = nginxConf('web2', '10.0.100.3', 80, '/run/halo-lab/web2');

  it('listens on the server address only, in the foreground, as one process', () => {
    expect(conf).toMatch(/^\s*listen 10\.0\.100\.3:80;$/m);
    expect(conf).toMatch(/^daemon off;$/m);
    expect(conf).toMatch(/^master_process off;$/m);
    expect(conf).not.toMatch(/listen\s+(80|\*:80|0\.0\.0\.0)/);
  });

  it('keeps every file it writes under its own directory', () => {
    const paths = [...conf.matchAll(/^\s*(?:pid|\w+_temp_path)\s+(\S+);$/gm)].map((m) => m[1]);
    expect(paths).toHaveLength(6);
    for (const p of paths) expect(p.startsWith('/run/halo-lab/web2/')).toBe(true);
    expect(conf).toMatch(/^error_log stderr/m);
    expect(conf).toMatch(/access_log off;/);
  });

  it('returns the page naming the server, the address asked and the client, with nginx variables', () => {
    const ret = /return 200 "(.*)";/.exec(conf)![1];
    expect(ret).toBe('<html><body><h1>web2</h1><p>server $server_addr</p><p>client $remote_addr</p></body></html>\\n');
  });

  it('refuses a name that would break the config', () => {
    expect(() => nginxConf('web"1', '10.0.100.2', 80, '/tmp/x')).toThrow(/web"1/);
  });

  it('runs nginx with its errors on stderr from the first line', () => {
    expect(nginxArgv('/d/nginx.conf')).toEqual(['nginx', '-e', 'stderr', '-c', '/d/nginx.conf']);
  });
});

describe('lab page parsing', () => {
  const body = page('web3', '10.0.100.4', '192.168.1.10');

  it('names the server and the client address the server saw', () => {
    expect(serverOfPage(body)).toBe('web3');
    expect(clientOfPage(body)).toBe('192.168.1.10');
  });

  it('is null for anything that is not a lab page', () => {
    expect(serverOfPage('<html><body>502 Bad Gateway</body></html>')).toBeNull();
    expect(clientOfPage('')).toBeNull();
  });
});

describe('lab slow stream (/stream)', () => {
  it('serves a sparse file from the server\'s own directory at limit_rate bytes a second', () => {
    const conf = nginxConf('web2', '10.0.100.3', 80, '/run/halo-lab/web2');
    expect(conf).toContain(`location = ${STREAM_PATH} {\n      alias /run/halo-lab/web2/${STREAM_FILE};`);
    expect(conf).toMatch(new RegExp(`^\\s*limit_rate ${STREAM_RATE};$`, 'm'));
  });

  it('writes the stream file sparse: its full size, almost no blocks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'halo-web-'));
    try {
      writeStreamFile(dir);
      const st = statSync(join(dir, STREAM_FILE));
      expect(st.size).toBe(STREAM_BYTES);
      expect(st.blocks * 512).toBeLessThan(1 << 20);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
