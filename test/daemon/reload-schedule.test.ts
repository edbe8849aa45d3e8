/** reload_time_file's times as keepalived 2.2.7 reads them (reload_monitor.c parse_datetime, read_file). */
import { formatLocal, parseReloadTime } from '../../src/daemon/reload-schedule';
import { messages, model } from '../config/helpers';

const now = new Date(2026, 5, 15, 12, 0, 0).getTime(); // local noon, 15 June 2026

test('HH:MM:SS is today, or tomorrow when past; dated forms are local, Z is UTC', () => {
  expect(parseReloadTime('13:30:00', now)).toEqual({ at: new Date(2026, 5, 15, 13, 30, 0).getTime(), dateSpecified: false });
  expect(parseReloadTime('11:00:00', now)).toEqual({ at: new Date(2026, 5, 16, 11, 0, 0).getTime(), dateSpecified: false });
  expect(parseReloadTime('2026-07-01 00:00:05', now)).toEqual({ at: new Date(2026, 6, 1, 0, 0, 5).getTime(), dateSpecified: true });
  expect(parseReloadTime('26-07-01 00:00:05', now)).toEqual({ at: new Date(2026, 6, 1, 0, 0, 5).getTime(), dateSpecified: true });
  expect(parseReloadTime('2026-07-01 00:00:05Z', now)).toEqual({ at: Date.UTC(2026, 6, 1, 0, 0, 5), dateSpecified: true });
  expect(formatLocal(new Date(2026, 6, 1, 0, 0, 5).getTime())).toBe('2026-07-01 00:00:05');
});

test("keepalived's verdicts on bad times", () => {
  expect(parseReloadTime('1:2:3', now)).toEqual({ error: ['Reload time 1:2:3 format is incorrect - ignoring', "Invalid reload time '1:2:3' specified - ignoring"] });
  expect(parseReloadTime('25:00:00', now)).toEqual({ error: ['Reload date/time 25:00:00 invalid - ignoring', "Invalid reload time '25:00:00' specified - ignoring"] });
  expect(parseReloadTime('2026-02-31 10:00:00', now)).toEqual({ error: ['Reload time 2026-02-31 10:00:00 is not valid - ignoring', "Invalid reload time '2026-02-31 10:00:00' specified - ignoring"] });
  expect(parseReloadTime('2026-01-01 10:00:00', now)).toEqual({ error: ['Reload time 2026-01-01 10:00:00 is in the past - ignoring', 'Reload date/time is in the past - ignoring'] });
});

test('the keywords', () => {
  const inst = 'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n';
  const g = model(`global_defs {\n reload_time_file /run/k.time\n reload_repeat\n}\n${inst}`).globalDefs;
  expect([g.reloadTimeFile, g.reloadRepeat]).toEqual(['/run/k.time', true]);
  expect(messages(`global_defs {\n reload_time_file a b\n}\n${inst}`)).toContain('2:2: warning: reload_time_file invalid');
});
