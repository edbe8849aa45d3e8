/**
 * The SMTP alert body each checker kind's rule gives (src/check/rules.ts), in keepalived 2.2.7's
 * words (check_tcp.c, check_udp.c, check_ping.c, check_http.c, check_dns.c, check_smtp.c,
 * check_misc.c): a change of the checker's state is mailed; MISC_CHECK mails every settling
 * result, its first success included; FILE_CHECK never mails.
 */
import { parseConfigText } from '../../src/config/load';
import { initialState, settle } from '../../src/check/rules';
import { collectTargets } from '../../src/check/targets';
import type { CheckTarget } from '../../src/check/targets';
import type { ProbeOutcome } from '../../src/check/probe';

const CONF = `global_defs {
  enable_script_security
  script_user root
}
virtual_server 10.0.0.1 80 {
  protocol TCP
  real_server 10.0.1.1 80 {
    TCP_CHECK {
      retry 0
    }
    UDP_CHECK {
      connect_port 53
      retry 0
    }
    PING_CHECK {
      retry 0
    }
    HTTP_GET {
      url {
        path /
        status_code 200
      }
      retry 0
    }
    DNS_CHECK {
      name example.org
      retry 0
    }
    SMTP_CHECK {
      retry 0
    }
    MISC_CHECK {
      misc_path /bin/true
      retry 0
    }
  }
}
`;

function targets(): Map<string, CheckTarget> {
  const r = parseConfigText(CONF, 'k.conf');
  if (!r.model) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return new Map(collectTargets(r.model.virtualServers, r.model.virtualServerGroups).map((t) => [t.check.kind, t]));
}

/** The alerts of: a failure from the start state, then three successes (HTTP_GET needs two to come back up). */
function alerts(t: CheckTarget, fail: ProbeOutcome, ok: ProbeOutcome = { result: 'success', exitCode: 0 }): string[] {
  let v = settle(t, initialState(t.check), fail, 0, 0);
  const out = [v.alert];
  for (let i = 0; i < 3; i++) {
    v = settle(t, v.state, ok, 0, 0);
    out.push(v.alert);
  }
  return out.filter((a): a is string => a !== null);
}

describe('checker alert bodies (keepalived 2.2.7)', () => {
  const t = targets();
  it.each([
    ['TCP_CHECK', '=> TCP CHECK failed on service <=', '=> TCP CHECK succeed on service <='],
    ['UDP_CHECK', '=> UDP CHECK failed on service <=', '=> UDP CHECK succeed on service <='],
    ['PING_CHECK', '=> ICMP CHECK failed on service <=', '=> ICMP CHECK succeed on service <='],
    ['HTTP_GET', '=> CHECK failed on service : HTTP request failed <=', '=> CHECK succeed on service <='],
    ['DNS_CHECK', '=> DNS_CHECK: failed on service <=', '=> DNS_CHECK: succeed on service <='],
  ])('%s: down, then up, then nothing while it stays up', (kind, failed, succeed) => {
    expect(alerts(t.get(kind)!, { result: 'failed', reason: 'x' })).toEqual([failed, succeed]);
  });

  it("SMTP_CHECK: the failure's own words (smtp_final's format) inside keepalived's frame", () => {
    expect(alerts(t.get('SMTP_CHECK')!, { result: 'timeout', reason: 'Connection timeout to server [10.0.1.1]:tcp:25' })).toEqual([
      '=> CHECK failed on service : Connection timeout to server [10.0.1.1]:tcp:25 <=',
      '=> CHECK succeed on service <=',
    ]);
  });

  it('MISC_CHECK: the exit type, and a first success is mailed although nothing changed', () => {
    const m = t.get('MISC_CHECK')!;
    expect(settle(m, initialState(m.check), { result: 'success', exitCode: 0 }, 0, 0).alert).toBe('=> MISC CHECK succeeded on service <=');
    expect(alerts(m, { result: 'failed', exitCode: 1 })).toEqual(['=> MISC CHECK failed on service <=', '=> MISC CHECK succeeded on service <=']);
    expect(settle(m, initialState(m.check), { result: 'timeout', timedOut: true, signal: 15 }, 0, 0).alert).toBe('=> MISC CHECK timed out on service <=');
  });

  it('a first success of an up-starting checker is no change and mails nothing', () => {
    const tcp = t.get('TCP_CHECK')!;
    expect(settle(tcp, initialState(tcp.check), { result: 'success' }, 0, 0).alert).toBeNull();
  });
});
