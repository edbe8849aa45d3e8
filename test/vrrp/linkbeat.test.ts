/** linkbeat's probe choice and polls (keepalived 2.2.7 vrrp_if.c init_linkbeat_status, if_linkbeat_refresh_thread) over a scripted driver. */
import { initLinkbeatStatus, pollLinkbeat, type LinkProbe, type ProbeKind } from '../../src/vrrp/linkbeat';
import { model, messages } from '../config/helpers';

/** A driver answering each probe with a fixed status; records the probes asked. */
function driver(answers: Partial<Record<ProbeKind, -1 | 0 | 1>>): { probe: LinkProbe; asked: ProbeKind[] } {
  const asked: ProbeKind[] = [];
  return { asked, probe: (_i, kind) => (asked.push(kind), { status: answers[kind] ?? -1, log: [] }) };
}

test('no type: MII, then ETHTOOL, then IOCTL; the flags have the last word', () => {
  const veth = driver({ ethtool: 1, flags: 1 });
  expect(initLinkbeatStatus(veth.probe, 'eth0', null)).toEqual({ type: 'ETHTOOL', up: true, log: [] });
  expect(veth.asked).toEqual(['mii', 'ethtool', 'flags']);
  expect(initLinkbeatStatus(driver({ mii: 1, flags: 0 }).probe, 'eth0', null)).toEqual({ type: 'MII', up: false, log: [] });
  expect(initLinkbeatStatus(driver({ flags: 1 }).probe, 'eth0', null)).toEqual({ type: 'IOCTL', up: true, log: [] });
});

test("a configured type that does not work: keepalived's line and the one used", () => {
  expect(initLinkbeatStatus(driver({ ethtool: 0, flags: 1 }).probe, 'eth0', 'MII')).toEqual({ type: 'ETHTOOL', up: false, log: ['(eth0): Configured linkbeat type MII not supported, using ETHTOOL'] });
  expect(initLinkbeatStatus(driver({ mii: 1, flags: 1 }).probe, 'eth0', 'ETHTOOL')).toEqual({ type: 'MII', up: true, log: ['(eth0): Configured linkbeat type ETHTOOL not supported, using MII'] });
  const d = driver({ mii: 1, ethtool: 1, flags: 1 });
  expect(initLinkbeatStatus(d.probe, 'eth0', 'IOCTL')).toEqual({ type: 'IOCTL', up: true, log: [] });
  expect(d.asked).toEqual(['flags']);
});

test('a poll: the probe found, a failing one counts as up, then the flags', () => {
  expect(pollLinkbeat(driver({ ethtool: 0, flags: 1 }).probe, 'eth0', 'ETHTOOL').up).toBe(false);
  expect(pollLinkbeat(driver({ ethtool: -1, flags: 1 }).probe, 'eth0', 'ETHTOOL').up).toBe(true);
  expect(pollLinkbeat(driver({ mii: 1, flags: 0 }).probe, 'eth0', 'MII').up).toBe(false);
  expect(pollLinkbeat(driver({ flags: -1 }).probe, 'eth0', 'IOCTL').up).toBe(false);
});

test('the keywords', () => {
  const inst = (more = '') => `vrrp_instance VI_1 {\n interface eth0\n${more} virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n`;
  const g = model(`linkbeat_use_polling\nlinkbeat_interfaces {\n eth0 ETHTOOL\n eth1\n eth2 FOO\n}\n${inst()}`).globalDefs;
  expect(g.linkbeatUsePolling).toBe(true);
  expect(g.linkbeatInterfaces.map((l) => [l.interface, l.type])).toEqual([['eth0', 'ETHTOOL'], ['eth1', null], ['eth2', null]]);
  expect(messages(`linkbeat_interfaces {\n eth2 FOO\n}\n${inst()}`)).toEqual(['2:7: warning: extra characters FOO in linkbeat interface']);
  expect(model(inst(' linkbeat_use_polling\n')).vrrpInstances[0].linkbeatUsePolling).toBe(true);
  expect(messages(inst(' linkbeat_use_polling\n'))).toEqual(["3:2: warning: (VI_1) 'linkbeat_use_polling' in vrrp instance deprecated - use linkbeat_interfaces block"]);
});
