import { dialogue, groupAlert, instanceAlert, messageData, parseReply, rfc822Date } from '../../src/alert/smtp-message';

describe('keepalived 2.2.7 alert texts', () => {
  it('instance subjects and bodies', () => {
    expect(instanceAlert('lb1', 'VI_1', 'MASTER')).toEqual({ subject: '[lb1] VRRP Instance VI_1 - Entering MASTER state', body: '=> VRRP Instance is now owning VRRP VIPs <=' });
    expect(instanceAlert('lb1', 'VI_1', 'BACKUP')).toEqual({ subject: '[lb1] VRRP Instance VI_1 - Entering BACKUP state', body: '=> VRRP Instance is no longer owning VRRP VIPs <=' });
    expect(instanceAlert('lb1', 'VI_1', 'FAULT')).toEqual({ subject: '[lb1] VRRP Instance VI_1 - Entering FAULT state', body: '=> VRRP Instance is no longer owning VRRP VIPs <=' });
    expect(instanceAlert('lb1', 'VI_1', 'STOP')).toEqual({ subject: '[lb1] VRRP Instance VI_1 - Stopping', body: '=> VRRP Instance stopping <=' });
  });
  it('sync group subjects and bodies', () => {
    expect(groupAlert('lb1', 'VG1', 'MASTER')).toEqual({ subject: '[lb1] VRRP Group VG1 - Entering MASTER state', body: '=> All VRRP group instances are now in MASTER state <=' });
    expect(groupAlert('lb1', 'VG1', 'BACKUP').body).toBe('=> All VRRP group instances are now in BACKUP state <=');
    expect(groupAlert('lb1', 'VG1', 'FAULT').body).toBe('=> All VRRP group instances are now in FAULT state <=');
    expect(groupAlert('lb1', 'VG1', 'STOP')).toEqual({ subject: '[lb1] VRRP Group VG1 - Stopping', body: '=> All VRRP group instances are now stopping <=' });
  });
  it('subjects are cut at keepalived\'s 255 characters', () => {
    expect(instanceAlert('r'.repeat(300), 'VI_1', 'MASTER').subject).toHaveLength(255);
  });
});

describe('rfc822Date', () => {
  it('writes strftime("%a, %d %b %Y %H:%M:%S %z") in local time', () => {
    const d = new Date(2026, 0, 5, 7, 8, 9);
    const off = -d.getTimezoneOffset();
    const z = `${off < 0 ? '-' : '+'}${String(Math.floor(Math.abs(off) / 60)).padStart(2, '0')}${String(Math.abs(off) % 60).padStart(2, '0')}`;
    expect(rfc822Date(d)).toBe(`Mon, 05 Jan 2026 07:08:09 ${z}`);
  });
});

describe('the SMTP dialogue', () => {
  const env = { heloName: 'lb1.example', from: 'keepalived@lb1', to: ['ops@example.org', 'noc@example.org'] };
  const alert = instanceAlert('lb1', 'VI_1', 'MASTER');
  const date = new Date(2026, 0, 5, 7, 8, 9);

  it('HELO, MAIL FROM, one RCPT TO per address, DATA, then the message', () => {
    const steps = dialogue(env, alert, date);
    expect(steps.map((s) => [s.name, s.expect])).toEqual([['HELO', 250], ['MAIL', 250], ['RCPT', 250], ['RCPT', 250], ['DATA', 354], ['DOT', 250]]);
    expect(steps.slice(0, 5).map((s) => s.send)).toEqual([
      'HELO lb1.example\r\n', 'MAIL FROM:<keepalived@lb1>\r\n', 'RCPT TO:<ops@example.org>\r\n', 'RCPT TO:<noc@example.org>\r\n', 'DATA\r\n',
    ]);
  });

  it('headers Date, From, Subject, X-Mailer, To; the body; the dot', () => {
    expect(messageData(env, alert, date)).toBe(
      `Date: ${rfc822Date(date)}\r\nFrom: keepalived@lb1\r\nSubject: [lb1] VRRP Instance VI_1 - Entering MASTER state\r\n` +
      'X-Mailer: Keepalived\r\nTo: ops@example.org, noc@example.org\r\n\r\n' +
      '=> VRRP Instance is now owning VRRP VIPs <=\r\n\r\n.\r\n');
  });

  it('no CR/LF from the config reaches a command or header; body lines starting with a dot are stuffed', () => {
    const evil = { heloName: 'x\r\nRCPT TO:<a@b>', from: 'f', to: ['t'] };
    const steps = dialogue(evil, { subject: 's\r\nBcc: x', body: 'a\n.\nb' }, date);
    expect(steps[0].send).toBe('HELO x RCPT TO:<a@b>\r\n');
    const data = steps[steps.length - 1].send;
    expect(data).toContain('Subject: s Bcc: x\r\n');
    expect(data.endsWith('a\r\n..\r\nb\r\n\r\n.\r\n')).toBe(true);
  });
});

describe('parseReply', () => {
  it('waits for a whole line', () => {
    expect(parseReply('220 mail ready')).toBeNull();
    expect(parseReply('220 mail ready\r\n')).toEqual({ code: 220, used: 16 });
  });
  it('skips continuation lines (NNN-) to the last line', () => {
    const r = '250-mail\r\n250-SIZE 1\r\n250 HELP\r\nrest';
    expect(parseReply(r)).toEqual({ code: 250, used: r.length - 4 });
    expect(parseReply('250-mail\r\n250-SIZE')).toBeNull();
  });
  it('a line without a reply code is garbage (NaN), never guessed', () => {
    expect(parseReply('hello there\r\n')!.code).toBeNaN();
    expect(parseReply('25x ok\r\n')!.code).toBeNaN();
    expect(parseReply('2500 ok\r\n')!.code).toBeNaN();
  });
});
