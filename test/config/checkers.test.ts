/**
 * Every checker block into the model through the registry tables, with keepalived 2.2.7's
 * defaults (retry 1, 0 for MISC_CHECK, 3 for DNS_CHECK; delay_before_retry 1 s, 3 s for
 * HTTP_GET/SSL_GET, delay_loop for DNS_CHECK; warmup = delay_loop; misc_timeout = the virtual
 * server's delay_loop), inheritance from real_server and virtual_server, and the keywords'
 * status in `halo check --keywords`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keywordRows } from '../../src/config/keywords';
import { model, messages } from './helpers';

const conf = `
global_defs {
  checker_log_all_failures
}
SSL {
  ca /etc/ssl/ca.pem
  certificate /etc/ssl/c.pem
  key /etc/ssl/k.pem
  password secret
}
track_file app {
  file /run/app.state
  weight 5 reverse
  init_file 0 overwrite
}
virtual_server 10.0.0.1 80 {
  delay_loop 7
  virtualhost vs.example
  protocol TCP
  lb_algo rr
  lb_kind NAT
  real_server 10.0.1.1 80 {
    connect_timeout 4
    HTTP_GET {
      url {
        path /health
        digest 9B3A0C85A887A256D6939DA88AABD8CD
        status_code 200 300-302
        regex "ok|fine"
        regex_options caseless dotall
        regex_min_offset 10
        regex_max_offset 100
      }
      url {
        path /two
        virtualhost two.example
      }
      http_protocol 1.1
      fast_recovery
      nb_get_retry 2
    }
    SSL_GET {
      url {
        path /
      }
      enable_sni
      virtualhost tls.example
      connect_port 443
    }
    MISC_CHECK {
      misc_path "/usr/local/bin/check.sh arg1"
      misc_dynamic
      user nobody nogroup
    }
    DNS_CHECK {
      connect_port 53
      type AAAA
      name www.example.org
    }
    UDP_CHECK {
      connect_port 7
      payload 01 02 fe
      require_reply 4f 4b XX
      max_reply_length 64
    }
    PING_CHECK {
      retry 2
    }
    SMTP_CHECK {
      helo_name lb.example
      connect_port 25
      fwmark 9
      bind_if eth0
    }
    FILE_CHECK {
      track_file app
    }
  }
}
`;

test('every checker block into the model with keepalived 2.2.7 defaults', () => {
  const m = model(conf);
  expect(m.ssl).toEqual({ ca: '/etc/ssl/ca.pem', certificate: '/etc/ssl/c.pem', key: '/etc/ssl/k.pem', password: 'secret' });
  expect(m.trackFiles).toEqual([{ name: 'app', path: '/run/app.state', weight: 5, reverse: true, init: { value: 0, overwrite: true }, location: expect.any(Object) }]);
  const [http, ssl, misc, dns, udp, ping, smtp, file] = m.virtualServers[0].realServers[0].checkers;
  expect(http).toMatchObject({
    kind: 'HTTP_GET', connectIp: '10.0.1.1', connectPort: 80, connectTimeoutMs: 4000, retry: 2, delayBeforeRetryMs: 3000, delayLoopMs: 7000,
    warmupMs: 7000, httpProtocol: '1.1', fastRecovery: true, virtualhost: 'vs.example', logAllFailures: true,
  });
  expect(http.kind === 'HTTP_GET' && http.urls).toEqual([
    { path: '/health', digest: '9b3a0c85a887a256d6939da88aabd8cd', statusCodes: [[200, 200], [300, 302]], virtualhost: null, regex: 'ok|fine',
      regexNoMatch: false, regexOptions: ['caseless', 'dotall'], regexMinOffset: 10, regexMaxOffset: 101 },
    { path: '/two', digest: null, statusCodes: [[200, 299]], virtualhost: 'two.example', regex: null, regexNoMatch: false, regexOptions: [],
      regexMinOffset: 0, regexMaxOffset: 0 },
  ]);
  expect(ssl).toMatchObject({ kind: 'SSL_GET', connectPort: 443, enableSni: true, virtualhost: 'tls.example', retry: 1, delayBeforeRetryMs: 3000 });
  expect(misc).toMatchObject({ kind: 'MISC_CHECK', path: ['/usr/local/bin/check.sh', 'arg1'], dynamic: true, user: 'nobody', group: 'nogroup', retry: 0, timeoutMs: 7000 });
  expect(dns).toMatchObject({ kind: 'DNS_CHECK', connectPort: 53, type: 'AAAA', name: 'www.example.org', retry: 3, delayBeforeRetryMs: 7000, connectTimeoutMs: 4000 });
  expect(udp).toMatchObject({ kind: 'UDP_CHECK', connectPort: 7, payload: '0102fe', requireReply: true, replyData: '4f4b00', replyMask: '0000ff', maxReplyLength: 64 });
  expect(ping).toMatchObject({ kind: 'PING_CHECK', retry: 2, delayBeforeRetryMs: 1000 });
  expect(smtp).toMatchObject({ kind: 'SMTP_CHECK', heloName: 'lb.example', connectPort: 25, fwmark: 9, bindIf: 'eth0' });
  expect(file).toMatchObject({ kind: 'FILE_CHECK', trackFile: 'app', path: '/run/app.state', weight: 5, reverse: true });
});

test('keepalived 2.2.7 -t accepts the same blocks (its oracle for the grammar), and warns where halo warns', () => {
  // keepalived -t kills itself checking a MISC_CHECK `user` (SIGTERM, 2.2.7), so the oracle's copy has none.
  const dir = mkdtempSync(join(tmpdir(), 'checkers-conf-'));
  try {
    const text = conf.replace('      user nobody nogroup\n', '').replace('payload 01 02 fe', 'payload 01 02 ff');
    writeFileSync(join(dir, 'k.conf'), text);
    const r = spawnSync('keepalived', ['-t', '-f', join(dir, 'k.conf')], { encoding: 'utf8', timeout: 30_000 });
    expect([r.status === 1 || r.status === 2 || r.status === null ? 'refused' : 'accepted', r.stderr]).toEqual(['accepted', expect.stringContaining('Invalid hex string for UDP_CHECK payload')]);
    expect(r.stderr).toContain("nb_get_retry is deprecated - please use 'retry'");
    const ours = messages(text);
    expect(ours.filter((l) => l.includes(': error:'))).toEqual([]);
    expect(ours.some((l) => l.endsWith('warning: Invalid hex string for UDP_CHECK payload'))).toBe(true);
    expect(ours.some((l) => l.endsWith("warning: nb_get_retry is deprecated - please use 'retry'"))).toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the registry lists the checkers as acted on, BFD_CHECK too, and the UDP/DNS socket options', () => {
  const rows = keywordRows();
  const status = (section: string, keyword: string) => rows.find((r) => r.section === section && r.keyword === keyword)?.status;
  for (const k of ['TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'MISC_CHECK', 'SMTP_CHECK', 'DNS_CHECK', 'UDP_CHECK', 'PING_CHECK', 'FILE_CHECK']) {
    expect([k, status('virtual_server/real_server', k)]).toEqual([k, 'acted-on']);
  }
  expect(status('virtual_server/real_server', 'BFD_CHECK')).toBe('acted-on');
  expect(status('virtual_server/real_server/TCP_CHECK', 'fwmark')).toBe('acted-on');
  expect(status('virtual_server/real_server/UDP_CHECK', 'fwmark')).toBe('acted-on');
  expect(status('virtual_server/real_server/DNS_CHECK', 'bind_if')).toBe('acted-on');
  expect(status('virtual_server/real_server/HTTP_GET/url', 'regex')).toBe('acted-on');
  expect(status('SSL', 'certificate')).toBe('acted-on');
  expect(status('track_file', 'init_file')).toBe('acted-on');
  expect(status('(top level)', 'SSL')).toBe('acted-on');
});
