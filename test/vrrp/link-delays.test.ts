/**
 * interface_up_down_delays' rule (keepalived_netlink.c update_interface_flags), replayed on the
 * flags keepalived 2.2.7 logged for a veth whose peer went down and up (0x11043 / 0x1003).
 */
import { clampForInstance, clampToAdvert, delayEnded, reportFlags, type LinkRecord } from '../../src/vrrp/link-delays';
import { readTimerUs } from '../../src/config/timer-value';
import { messages, model } from '../config/helpers';

const UP = 0x11043, DOWN = 0x1003;
const rec = (over: Partial<LinkRecord> = {}): LinkRecord => ({ name: 'eth0', delay: { downUs: 1_500_000, upUs: 1_996_094 }, flags: UP, seenUp: true, pending: null, ...over });

test('a down is delayed with keepalived\'s line; the same flags back cancel it without a word', () => {
  let r = reportFlags(rec(), DOWN);
  expect(r.step).toEqual({ kind: 'delay', us: 1_500_000, log: 'eth0: Adding flags change from 0x11043 to 0x1003 delay by 1500000' });
  r = reportFlags(r.record, UP);
  expect(r.step).toEqual({ kind: 'none', cancel: true, log: null });
  expect(r.record.pending).toBeNull();
});

test('a down that lasts is acted on when the delay ends; the up after it is delayed by the up delay', () => {
  let r = reportFlags(rec(), DOWN);
  const ended = delayEnded(r.record)!;
  expect(ended.up).toBe(false);
  expect(ended.record.flags).toBe(DOWN);
  r = reportFlags(ended.record, UP);
  expect(r.step).toEqual({ kind: 'delay', us: 1_996_094, log: 'eth0: Adding flags change from 0x1003 to 0x11043 delay by 1996094' });
});

test('other flags of the same pending up/down replace it; the opposite with other flags cancels it with keepalived\'s line', () => {
  let r = reportFlags(rec(), DOWN);
  r = reportFlags(r.record, 0x1002);
  expect(r.step).toEqual({ kind: 'none', cancel: false, log: null });
  expect(r.record.pending).toBe(0x1002);
  r = reportFlags(r.record, 0x11047);
  expect(r.step).toEqual({ kind: 'none', cancel: true, log: 'Delay timer for eth0 cancelled' });
  expect(r.record).toMatchObject({ flags: UP, pending: null });
});

test('no delay before the interface was seen up, nor for a zero delay: acted on at once', () => {
  const r = reportFlags(rec({ flags: DOWN, seenUp: false }), UP);
  expect(r.step).toEqual({ kind: 'apply', up: true, cancel: false, log: null });
  expect(r.record).toMatchObject({ flags: UP, seenUp: true });
  expect(reportFlags(rec({ delay: { downUs: 0, upUs: 5 } }), DOWN).step).toEqual({ kind: 'apply', up: false, cancel: false, log: null });
  // the same up/down with other flags: nothing, and the flags remembered stay (keepalived's)
  expect(reportFlags(rec(), 0x11047)).toEqual({ record: rec(), step: { kind: 'none', cancel: false, log: null } });
});

test("the instances' clamps: below (down_timer_adverts - 1) * advert_int, none with 1", () => {
  expect(clampForInstance('VI_1', 'eth0', { downUs: 1_500_000, upUs: 3_100_000 }, 1_000_000, 3)).toEqual({
    delay: { downUs: 1_500_000, upUs: 1_996_094 }, log: 'VI_1: interface eth0 debounce timer(s) not less that 2 * advert_int - resetting',
  });
  expect(clampForInstance('VI_1', 'eth0', { downUs: 1, upUs: 0 }, 1_000_000, 1)).toEqual({ delay: { downUs: 0, upUs: 0 }, log: 'VI_1: cannot use debounce timers with down_timer_adverts = 1 - resetting' });
  expect(clampForInstance('VI_1', 'eth0', { downUs: 0, upUs: 0 }, 1_000_000, 1).log).toBeNull();
  expect(clampToAdvert({ downUs: 1_000_000, upUs: 0 }, 500_000, 3)).toEqual({ downUs: 998_047, upUs: 0 });
  expect(clampToAdvert({ downUs: 900_000, upUs: 0 }, 500_000, 3)).toBeNull();
});

test("read_timer's leniency, as keepalived 2.2.7 logged it", () => {
  expect(readTimerUs('1.5', 0, 255e6)).toEqual({ us: 1_500_000, warnings: [] });
  expect(readTimerUs('1x', 0, 255e6)).toEqual({ us: 1, warnings: ["invalid number '1x'"] });
  expect(readTimerUs('x', 0, 255e6)).toEqual({ us: 0, warnings: ["invalid number 'x'"] });
  expect(readTimerUs('300', 0, 255e6)).toEqual({ us: null, warnings: ["number '300' outside range [0.000000, 255.000000]"] });
  expect(readTimerUs('0.0000015', 0, 255e6)).toEqual({ us: 2, warnings: ["number '0.0000015' has too many decimal places"] });
  expect(readTimerUs('-1', 0, 255e6)).toEqual({ us: null, warnings: ["negative number '-1'"] });
});

test('the block: lines in order, keepalived\'s words for what it ignores', () => {
  const inst = 'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n';
  const text = `interface_up_down_delays {\n eth0 1.5 3.1 7\n eth1\n eth1 1 300\n eth1 x\n}\n${inst}`;
  expect(model(text).globalDefs.interfaceUpDownDelays.map(({ location: _, ...d }) => d)).toEqual([
    { interface: 'eth0', downUs: 1_500_000, upUs: 3_100_000 },
    { interface: 'eth1', downUs: 0, upUs: 0 },
  ]);
  expect(messages(text)).toEqual([
    '2:15: warning: Too many parameters for eth0 up/down delays',
    '3:2: warning: No timeouts specified for eth1 up/down delays',
    "4:9: warning: number '300' outside range [0.000000, 255.000000]",
    '4:9: warning: Invalid up delay 300 for eth1',
    "5:7: warning: invalid number 'x'",
  ]);
});
