/**
 * HTTP_GET and SSL_GET against Debian's nginx-light in a namespace (the netns tier; the
 * checker engine runs alone, test/support/checker-runner.js, because this kernel has no IPVS —
 * the table side with keepalived beside halo is test/check/checkers.vm.test.ts). Each failure
 * mode nginx can show: status code, digest, regex, refused, timeout (the server's segment cut
 * at the bridge), and recovery; keepalived's genhash computes the same digest on the same
 * server.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckerRun } from '../support/checker-run';
import { ROOT } from '../support/directors';
import { Topology, waitFor } from '../support/netns';
import { NginxServer } from '../support/web';

jest.setTimeout(180_000);

const WEB = '10.0.102.10';
const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const PAGE = 'hello from nginx\n';

let topo: Topology;
let tmp: string;
let web: NginxServer;
let run: CheckerRun;

function conf(): string {
  const t = ['  connect_timeout 1', '  retry 1', '  delay_before_retry 0.5'];
  return [
    'virtual_server 192.168.51.1 80 {', ' delay_loop 0.5', ' lb_algo rr', ' lb_kind NAT', ' protocol TCP',
    ` real_server ${WEB} 80 {`, '  HTTP_GET {', '   url {', '    path /page.html', `    digest ${md5(PAGE)}`, '    regex "hello from (nginx|backup)"', '   }', ...t, '  }', ' }',
    '}',
    'virtual_server 192.168.51.1 443 {', ' delay_loop 0.5', ' lb_algo rr', ' lb_kind NAT', ' protocol TCP',
    ` real_server ${WEB} 443 {`, '  SSL_GET {', '   url {', '    path /page.html', '    status_code 200-204', '   }', ...t, '  }', ' }',
    '}', '',
  ].join('\n');
}

const target = (port: number): string => `[${WEB}]:tcp:${port}`;
const state = (port: number): string | null => run.state(target(port));
const expectState = (port: number, want: 'up' | 'down', what: string): Promise<void> => run.expectState(target(port), want, what);

beforeAll(async () => {
  topo = new Topology('checkers-nginx-').build(['br0'], [
    { name: 'web', links: [['br0', `${WEB}/24`]] },
    { name: 'lb', links: [['br0', '10.0.102.2/24']] },
  ]);
  tmp = mkdtempSync(join(tmpdir(), 'checkers-nginx-'));
  web = new NginxServer(topo, 'web', join(tmp, 'nginx'), [WEB]);
  web.page('page.html', PAGE);
  await web.start();
  writeFileSync(join(tmp, 'k.conf'), conf());
  run = new CheckerRun(topo, 'lb', join(tmp, 'k.conf'));
});

afterAll(async () => {
  run?.stop();
  await web?.stop();
  topo?.destroy();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('HTTP_GET / SSL_GET against nginx', () => {
  it('up while nginx answers right; genhash agrees on the digest', async () => {
    await waitFor(() => run.out.includes(`Remote Web server [${WEB}]:tcp:80 succeed on service.`) && run.out.includes(`Remote Web server [${WEB}]:tcp:443 succeed on service.`), 30_000);
    expect(run.out).toContain(`Remote Web server [${WEB}]:tcp:80 succeed on service.`);
    expect(run.out).toContain(`Remote Web server [${WEB}]:tcp:443 succeed on service.`);
    const oracle = topo.exec('lb', ['genhash', '-s', WEB, '-p', '80', '-u', '/page.html']).trim();
    const ours = topo.exec('lb', [process.execPath, join(ROOT, 'dist/cli/main.js'), 'genhash', '-s', WEB, '-p', '80', '-u', '/page.html']).trim();
    expect(oracle).toBe(md5(PAGE));
    expect(ours).toBe(oracle);
    const tls = topo.exec('lb', ['genhash', '-S', '-s', WEB, '-p', '443', '-u', '/page.html']).trim();
    expect(topo.exec('lb', [process.execPath, join(ROOT, 'dist/cli/main.js'), 'genhash', '-S', '-s', WEB, '-p', '443', '-u', '/page.html']).trim()).toBe(tls);
  });

  it('digest error, then recovery', async () => {
    web.page('page.html', 'hello from backup\n'); // regex still matches, digest does not; status 200
    await expectState(80, 'down', 'digest');
    expect(state(443)).not.toBe('down');
    expect(run.out).toContain(`HTTP_CHECK on service [${WEB}]:tcp:80 failed after 1 retries.`);
    web.page('page.html', PAGE);
    await expectState(80, 'up', 'digest recovery');
    // with both digest and regex keepalived words the success after the regex
    expect(run.out).toContain(`Regex match success to [${WEB}]:tcp:80 url(/page.html)`);
  });

  it('status code error (404) on both, then recovery', async () => {
    web.page('page.html', null);
    await expectState(80, 'down', '404 http');
    await expectState(443, 'down', '404 https');
    expect(run.out).toContain(`HTTP_CHECK on service [${WEB}]:tcp:443 failed after 1 retries.`);
    web.page('page.html', PAGE);
    await expectState(80, 'up', '404 recovery http');
    await expectState(443, 'up', '404 recovery https');
    expect(run.out).toContain(`HTTP status code success to [${WEB}]:tcp:443 url(/page.html)`);
  });

  it('connection refused (nginx stopped), then recovery', async () => {
    await web.stop();
    await expectState(80, 'down', 'refused http');
    await expectState(443, 'down', 'refused https');
    expect([state(80), state(443)]).toEqual(['down', 'down']);
    await web.start();
    await expectState(80, 'up', 'refused recovery http');
    await expectState(443, 'up', 'refused recovery https');
    expect([state(80), state(443)]).toEqual(['up', 'up']);
  });

  it('timeout (the server segment cut at the bridge), then recovery', async () => {
    topo.setBridgePort(0, 0, 'br0', false);
    try {
      await expectState(80, 'down', 'timeout http');
      await expectState(443, 'down', 'timeout https');
    } finally {
      topo.setBridgePort(0, 0, 'br0', true);
    }
    await expectState(80, 'up', 'timeout recovery http');
    await expectState(443, 'up', 'timeout recovery https');
    expect(run.out).not.toMatch(/internal error|Error:/);
  });
});

