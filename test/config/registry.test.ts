/**
 * The keyword registry: complete against keepalived 2.2.7's install_keyword lists, honest in
 * its statuses, and the source of the README's compatibility table.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { keywordRows, keywordsMarkdown, SECTIONS } from '../../src/config/keywords';
import { parseConfigText } from '../../src/config/load';
import { FILE, load, messages } from './helpers';

describe('keyword registry', () => {
  const rows = keywordRows();

  it('declares each keyword once per section, every acted-on one with a handler', () => {
    for (const t of SECTIONS) {
      expect(new Set(t.keywords.map((k) => k.name)).size).toBe(t.keywords.length);
      for (const k of t.keywords) if (k.status === 'acted-on') expect(typeof k.apply).toBe('function');
      for (const k of t.keywords) if (k.status !== 'acted-on') expect(k.note).not.toBe('');
    }
  });

  it("holds keepalived 2.2.7's keywords of each section (global_parser.c, vrrp_parser.c, check_parser.c)", () => {
    const names = (section: string) => rows.filter((r) => r.section === section && r.keepalivedHandler !== '(halo only)').map((r) => r.keyword);
    expect(names('global_defs')).toHaveLength(126);
    expect(names('vrrp_instance')).toHaveLength(64);
    expect(names('vrrp_sync_group')).toHaveLength(15);
    expect(names('vrrp_script')).toHaveLength(8);
    expect(names('virtual_server')).toHaveLength(39);
    expect(names('virtual_server/real_server')).toHaveLength(26);
    expect(names('virtual_server/real_server/TCP_CHECK')).toHaveLength(13);
    expect(names('virtual_server/real_server/HTTP_GET')).toHaveLength(19);
    expect(rows.length).toBeGreaterThan(500);
  });

  it('the README table is generated from it (node deploy/readme-keywords.js)', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const begin = readme.indexOf('<!-- keywords:begin');
    const end = readme.indexOf('<!-- keywords:end -->');
    expect(begin).toBeGreaterThan(0);
    const block = readme.slice(readme.indexOf('\n', begin) + 1, end);
    expect(block).toBe(`${keywordsMarkdown()}\n`);
  });
});

describe('fail closed: features halo does not implement', () => {
  const vi = (body: string) => `vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n${body} virtual_ipaddress {\n  10.0.0.1\n }\n}\n`;

  it.each([
    ['a static route with encap', 'static_routes {\n 10.2.0.0/16 encap mpls 200 via 10.0.0.254 dev eth0\n}\n' + vi(''), "2:14: error: static_routes: 'encap' (lightweight tunnel encapsulation) is not implemented in halo (--allow-unimplemented to run without it)"],
    ['a route with encap', vi(' virtual_routes {\n  10.1.0.0/16 encap mpls 100 via 10.0.0.254 dev eth0\n }\n'), "5:15: error: virtual_routes: 'encap' (lightweight tunnel encapsulation) is not implemented in halo (--allow-unimplemented to run without it)"],
  ])('%s is refused, located', (_name, text, expected) => {
    expect(messages(text).filter((m) => m.includes('error:'))).toEqual([expected]);
    const allowed = load(text, false, true);
    expect(allowed.model).not.toBeNull();
    expect(allowed.diagnostics.some((d) => d.message.endsWith('is not implemented in halo; ignored (--allow-unimplemented)'))).toBe(true);
    // --strict does not undo --allow-unimplemented.
    expect(load(text, true, true).diagnostics.filter((d) => d.severity === 'error' && d.unimplemented)).toEqual([]);
  });

  it('script_user root and no_effect keywords are accepted without a word', () => {
    expect(messages('global_defs {\n script_user root\n router_id lb1\n vrrp_no_swap\n dynamic_interfaces\n}\n')).toEqual([]);
  });

  it('SMTP alerts as keepalived settles them (check_data.c): real servers on by default, virtual servers off; smtp_alert_checker, else smtp_alert, decides the rest', () => {
    const mail = 'global_defs {\n notification_email {\n  ops@example.org\n }\n smtp_server 10.0.0.25\nGLOBAL}\n';
    const vs = (own = '', rsOwn = '') => `virtual_server 10.0.0.1 80 {\n protocol TCP\n${own} real_server 10.0.1.1 80 {\n${rsOwn}  TCP_CHECK {\n  }\n }\n}\n`;
    const alerts = (text: string) => {
      const r = load(text);
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const v = r.model!.virtualServers[0];
      return [v.smtpAlert, v.realServers[0].smtpAlert];
    };
    expect(alerts(mail.replace('GLOBAL', '') + vs())).toEqual([false, true]);
    expect(alerts(mail.replace('GLOBAL', ' smtp_alert_checker off\n') + vs())).toEqual([false, false]);
    expect(alerts(mail.replace('GLOBAL', ' smtp_alert\n') + vs())).toEqual([true, true]);
    expect(alerts(mail.replace('GLOBAL', ' smtp_alert on\n smtp_alert_checker off\n') + vs(' smtp_alert\n', '  smtp_alert off\n'))).toEqual([true, false]);
    // VRRP instances mail when smtp_alert says so
    expect(load(mail.replace('GLOBAL', '') + vi(' smtp_alert\n')).model?.vrrpInstances[0].smtpAlert).toBe(true);
    expect(load(mail.replace('GLOBAL', ' no_checker_emails\n') + vs()).model?.globalDefs.smtp.noCheckerEmails).toBe(true);
  });
});

describe('scripts as keepalived reads them (lib/notify.c)', () => {
  const vi = (body: string) => `global_defs {\n enable_script_security\n script_user root\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n${body} virtual_ipaddress {\n  10.0.0.1\n }\n}\n`;

  it('a notify script is its first word; the next two are the user and group to run it as', () => {
    const r = load(vi(' notify_master /bin/up.sh root root\n notify_backup "/bin/n backup now"\n'));
    expect(r.diagnostics).toEqual([]);
    expect(r.model?.vrrpInstances[0].notify).toMatchObject({ notifyMaster: ['/bin/up.sh'], notifyBackup: ['/bin/n', 'backup', 'now'] });
  });

  it("another user is the script's own: it runs as that user; one that does not exist drops the script, as keepalived", () => {
    const r = load(vi(' notify_master /bin/up.sh nobody\n notify_fault /bin/f.sh nobody nogroup\n notify /bin/n.sh root\n notify_stop /bin/s.sh\n'));
    expect(r.diagnostics).toEqual([]);
    expect(r.model?.vrrpInstances[0].notify).toMatchObject({
      notifyMaster: ['/bin/up.sh'], notifyStop: ['/bin/s.sh'],
      runAs: { notifyMaster: { user: 'nobody', uid: 65534, gid: 65534 }, notifyFault: { user: 'nobody:nogroup', uid: 65534, gid: 65534 }, notify: null },
    });
    expect(messages(vi(' notify_master /bin/up.sh nosuchuser\n'))).toEqual(['8:27: warning: Invalid user/group for notify_master script /bin/up.sh - ignoring']);
    expect(load(vi(' notify_master /bin/up.sh nosuchuser\n')).model?.vrrpInstances[0].notify.notifyMaster).toBeNull();
  });

  it('real server and quorum scripts with their own user run as that user (keepalived notify_script_init), others as script_user', () => {
    const vs = (body: string) => `global_defs {\n enable_script_security\n script_user root\n}\nvirtual_server 10.0.0.1 80 {\n protocol TCP\n${body} real_server 10.0.1.1 80 {\n  notify_up /bin/up.sh nobody\n  notify_down /bin/down.sh\n }\n}\n`;
    const text = vs(' quorum_up /bin/q.sh nobody nogroup\n quorum_down /bin/q.sh root\n');
    expect(messages(text).filter((m) => m.includes('error'))).toEqual([]);
    const v = load(text).model!.virtualServers[0];
    expect(v.realServers[0].notifyRunAs).toEqual({ up: expect.objectContaining({ user: 'nobody', uid: 65534 }) });
    expect(v.quorumRunAs).toEqual({ up: expect.objectContaining({ uid: 65534, gid: 65534 }), down: null });
    expect(messages(vs('').replace('/bin/up.sh nobody', '/bin/up.sh nosuchuser'))).toContain('8:24: warning: Invalid user/group for notify_up script /bin/up.sh - ignoring');
  });

  it('vrrp_script takes the first word only, as keepalived', () => {
    const r = load('global_defs {\n enable_script_security\n script_user root\n}\nvrrp_script chk {\n script /bin/check.sh ignored\n}\n');
    expect(r.model?.vrrpScripts[0].script).toEqual(['/bin/check.sh']);
  });
});

describe('global_defs umask, as keepalived reads it', () => {
  it.each([
    ['umask 027', 0o27],
    ['umask 0x12', 0x12],
    ['umask IWGRP | IWOTH', 0o22],
    ['umask IWGRP|IWOTH|IXOTH', 0o23],
  ])('%s', (line, value) => {
    expect(load(`global_defs {\n ${line}\n}\n`).model?.globalDefs.umask).toBe(value);
  });

  it.each([
    ['umask 0999', "2:8: warning: invalid umask value 0999"],
    ['umask IWGRP IWOTH', '2:14: warning: Invalid umask syntax IWOTH'],
    ['umask IWFOO', '2:8: warning: Unknown umask bit IWFOO'],
  ])('%s is warned and ignored', (line, expected) => {
    expect(messages(`global_defs {\n ${line}\n}\n`)).toEqual([expected]);
  });
});

describe('script users, as keepalived resolves them (lib/notify.c)', () => {
  const chk = 'vrrp_script chk {\n script /bin/check.sh\n}\n';
  const inst = 'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n track_script {\n  chk\n }\n notify_master /bin/up.sh\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n';

  it('script_user nobody: every script runs as nobody', () => {
    const m = load(`global_defs {\n enable_script_security\n script_user nobody\n}\n${chk}${inst}`).model!;
    expect(m.globalDefs.scriptRunAs).toEqual({ user: 'nobody', uid: 65534, gid: 65534 });
    expect(m.vrrpScripts[0].runAs).toEqual({ user: 'nobody', uid: 65534, gid: 65534 });
  });

  it("vrrp_script's own user wins; a group may be given", () => {
    const m = load(`global_defs {\n script_user nobody\n}\nvrrp_script chk {\n script /bin/check.sh\n user root nogroup\n}\n`).model!;
    expect(m.vrrpScripts[0].runAs).toEqual({ user: 'root:nogroup', uid: 0, gid: 65534 });
  });

  it('a user that does not exist: keepalived has no user for scripts and drops them', () => {
    const r = load(`global_defs {\n enable_script_security\n script_user ghost\n}\n${chk}${inst}`);
    expect(r.diagnostics.map((d) => `${d.location.line}:${d.location.col}: ${d.message}`)).toEqual([
      '3:14: Error setting global script uid/gid',
      '5:1: Unable to set default user for vrrp script chk - removing',
      '8:1: Failed to set default user for notify script /bin/up.sh - ignoring',
      "12:3: (VI_1) track_script 'chk' is not a defined vrrp_script; ignored",
    ]);
    expect(r.model?.vrrpScripts).toEqual([]);
    expect(r.model?.vrrpInstances[0].notify.notifyMaster).toBeNull();
  });

  it('no script_user, no keepalived_script user and script security: scripts are dropped, as keepalived', () => {
    const r = load(`global_defs {\n enable_script_security\n}\n${chk}${inst}`);
    expect(r.diagnostics.map((d) => d.message)).toEqual(expect.arrayContaining([
      'Unable to set default user keepalived_script for script',
      'Unable to set default user for vrrp script chk - removing',
    ]));
    expect(r.model?.vrrpScripts).toEqual([]);
  });

  it('keepalived_script, when it exists, is the default user', () => {
    const accounts = { passwd: 'root:x:0:0::/:/bin/sh\nkeepalived_script:x:998:997::/:/usr/sbin/nologin\n', group: 'root:x:0:\n' };
    const r = parseConfigText(`global_defs {\n enable_script_security\n}\n${chk}`, FILE, { accounts });
    expect(r.model?.vrrpScripts[0].runAs).toEqual({ user: 'keepalived_script', uid: 998, gid: 997 });
  });
});

describe('check_unicast_src per instance', () => {
  const vi = (body: string) => `vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n${body} virtual_ipaddress {\n  10.0.0.1\n }\n}\n`;
  it('is acted on, alone or from global_defs', () => {
    expect(load(vi(' check_unicast_src\n unicast_peer {\n  10.0.0.2\n }\n')).model?.vrrpInstances[0].checkUnicastSrc).toBe(true);
    expect(load('global_defs {\n vrrp_check_unicast_src\n}\n' + vi('')).model?.vrrpInstances[0].checkUnicastSrc).toBe(true);
    expect(load(vi('')).model?.vrrpInstances[0].checkUnicastSrc).toBe(false);
  });
  it('without peers it is a unicast keyword with no peer, as keepalived says', () => {
    expect(messages(vi(' check_unicast_src\n'))).toEqual(['1:1: warning: (VI_1) A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration.']);
  });
});
