import { MAX_IN_FLIGHT, MAX_QUEUED, SmtpAlerter, type Sender } from '../../src/alert/alerter';
import { parseConfigText } from '../../src/config/load';
import type { Model } from '../../src/config/model';

function model(globals: string, instanceExtra = '', groupExtra = ''): Model {
  const text = `global_defs {\n router_id lb1\n${globals}}\n` +
    `vrrp_sync_group VG1 {\n group {\n  VI_1\n }\n${groupExtra}}\n` +
    `vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n${instanceExtra} virtual_ipaddress {\n  10.0.0.1\n }\n}\n` +
    'vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 52\n virtual_ipaddress {\n  10.0.0.2\n }\n}\n';
  const r = parseConfigText(text, 'test.conf');
  if (!r.model) throw new Error(JSON.stringify(r.diagnostics));
  return r.model;
}

const MAIL = ' notification_email {\n  ops@example.org\n }\n notification_email_from halo@lb1\n smtp_server 192.0.2.25 2525\n smtp_connect_timeout 7\n';

function recorder(hold = false): { sender: Sender; sent: { subject: string; body: string; server: unknown; env: unknown; timeoutMs: number }[]; release: () => void } {
  const sent: { subject: string; body: string; server: unknown; env: unknown; timeoutMs: number }[] = [];
  const pending: (() => void)[] = [];
  const sender: Sender = (server, alert, env, timeoutMs) => {
    sent.push({ ...alert, server, env, timeoutMs });
    return hold ? new Promise<void>((r) => pending.push(r)) : Promise.resolve();
  };
  return { sender, sent, release: () => pending.splice(0).forEach((r) => r()) };
}

const log = { info: () => undefined, warning: jest.fn() };

describe('SmtpAlerter: when keepalived mails', () => {
  it('an instance with smtp_alert, once per state (last_email_state)', async () => {
    const r = recorder();
    const a = new SmtpAlerter(model(MAIL, ' smtp_alert\n'), log, r.sender, 'host1');
    a.notify('INSTANCE', 'VI_1', 'BACKUP');
    a.notify('INSTANCE', 'VI_1', 'BACKUP');
    a.notify('INSTANCE', 'VI_1', 'MASTER');
    a.notify('INSTANCE', 'VI_2', 'MASTER'); // no smtp_alert of its own, no default: off
    a.notify('GROUP', 'VG1', 'MASTER');
    await a.idle();
    expect(r.sent.map((s) => s.subject)).toEqual(['[lb1] VRRP Instance VI_1 - Entering BACKUP state', '[lb1] VRRP Instance VI_1 - Entering MASTER state']);
    expect(r.sent[0]).toMatchObject({ server: { host: '192.0.2.25', port: 2525 }, timeoutMs: 7000, env: { heloName: 'host1', from: 'halo@lb1', to: ['ops@example.org'] } });
  });

  it('smtp_alert_vrrp, else smtp_alert, turns it on for every instance and group; a block\'s own off wins', async () => {
    const r = recorder();
    const a = new SmtpAlerter(model(`${MAIL} smtp_alert\n smtp_alert_checker off\n`, ' smtp_alert off\n'), log, r.sender, 'host1');
    a.notify('INSTANCE', 'VI_1', 'MASTER');
    a.notify('INSTANCE', 'VI_2', 'MASTER');
    a.notify('GROUP', 'VG1', 'MASTER');
    await a.idle();
    expect(r.sent.map((s) => s.subject)).toEqual(['[lb1] VRRP Instance VI_2 - Entering MASTER state', '[lb1] VRRP Group VG1 - Entering MASTER state']);
    const r2 = recorder();
    const b = new SmtpAlerter(model(`${MAIL} smtp_alert\n smtp_alert_vrrp off\n`), log, r2.sender);
    b.notify('INSTANCE', 'VI_2', 'MASTER');
    await b.idle();
    expect(r2.sent).toEqual([]);
  });

  it('no_email_faults: nothing on FAULT', async () => {
    const r = recorder();
    const a = new SmtpAlerter(model(`${MAIL} no_email_faults\n`, ' smtp_alert\n'), log, r.sender);
    a.notify('INSTANCE', 'VI_1', 'FAULT');
    a.notify('INSTANCE', 'VI_1', 'BACKUP');
    await a.idle();
    expect(r.sent.map((s) => s.body)).toEqual(['=> VRRP Instance is no longer owning VRRP VIPs <=']);
  });

  it('without smtp_server or notification_email nothing is sent', async () => {
    const r = recorder();
    const a = new SmtpAlerter(model(' notification_email {\n  ops@example.org\n }\n', ' smtp_alert\n'), log, r.sender);
    a.notify('INSTANCE', 'VI_1', 'MASTER');
    const b = new SmtpAlerter(model(' smtp_server 192.0.2.25\n', ' smtp_alert\n'), log, r.sender);
    b.notify('INSTANCE', 'VI_1', 'MASTER');
    await a.idle();
    expect(r.sent).toEqual([]);
  });

  it('router_id defaults to the host name, HELO to the host name, From to keepalived@host', async () => {
    const r = recorder();
    const m = model(MAIL.replace(' notification_email_from halo@lb1\n', ''), ' smtp_alert\n');
    m.globalDefs.routerId = null;
    const a = new SmtpAlerter(m, log, r.sender, 'host1');
    a.notify('INSTANCE', 'VI_1', 'MASTER');
    await a.idle();
    expect(r.sent[0]).toMatchObject({ subject: '[host1] VRRP Instance VI_1 - Entering MASTER state', env: { heloName: 'host1', from: 'keepalived@host1' } });
  });

  it('a dead server cannot pile work up: MAX_IN_FLIGHT sends, MAX_QUEUED waiting, the rest dropped with a warning', async () => {
    const r = recorder(true);
    const warn = jest.fn();
    const a = new SmtpAlerter(model(`${MAIL} smtp_alert\n`), { info: () => undefined, warning: warn }, r.sender);
    const m = model(`${MAIL} smtp_alert\n`);
    // many instances, each one mail
    const names = Array.from({ length: MAX_IN_FLIGHT + MAX_QUEUED + 5 }, (_, i) => `X${i}`);
    a.configure({ ...m, vrrpInstances: names.map((n) => ({ ...m.vrrpInstances[0], name: n })) });
    for (const n of names) a.notify('INSTANCE', n, 'MASTER');
    expect(r.sent).toHaveLength(MAX_IN_FLIGHT);
    expect(warn).toHaveBeenCalledTimes(5);
    expect(warn.mock.calls[0][0]).toMatch(/^SMTP alert queue full \(32\); dropping alert "\[lb1\] VRRP Instance X\d+ - Entering MASTER state"$/);
    for (let i = 0; i < 40 && r.sent.length < MAX_IN_FLIGHT + MAX_QUEUED; i++) {
      r.release();
      await new Promise((res) => setImmediate(res));
    }
    r.release();
    await a.idle();
    expect(r.sent).toHaveLength(MAX_IN_FLIGHT + MAX_QUEUED);
  });
});
