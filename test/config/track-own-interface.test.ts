/**
 * A track_interface that names the instance's own interface: keepalived 2.2.7's
 * vrrp_complete_instance drops it with "(VI_1) Ignoring track_interface eth0 since own interface"
 * (`keepalived -t` prints the same line for this config), because the own interface is tracked
 * anyway (down = FAULT) and a weight on it would move the priority twice.
 */
import { instance, messages, model } from './helpers';

const tracking = (names: string) => ` track_interface {\n${names}\n }`;

test('a weighted track_interface on the own interface is dropped, with keepalived\'s line', () => {
  const text = instance(tracking('  eth0 weight 10\n  eth1 weight 5'));
  expect(messages(text)).toEqual(['1:1: warning: (VI_1) Ignoring track_interface eth0 since own interface']);
  expect(model(text).vrrpInstances[0].trackInterfaces).toEqual([{ name: 'eth1', weight: 5 }]);
});

test('unweighted too; another interface is kept', () => {
  const text = instance(tracking('  eth0\n  eth2'));
  expect(model(text).vrrpInstances[0].trackInterfaces).toEqual([{ name: 'eth2', weight: 0 }]);
  expect(model(instance(tracking('  eth2'))).vrrpInstances[0].trackInterfaces).toEqual([{ name: 'eth2', weight: 0 }]);
  expect(messages(instance(tracking('  eth2')))).toEqual([]);
});
