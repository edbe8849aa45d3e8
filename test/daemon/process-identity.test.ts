/**
 * net_namespace / instance: what keepalived's parent decides before it forks (the pid file and
 * control socket names, the namespace, reloads that cannot change them), and the keywords'
 * warnings.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { namespaceMissing, namespaceOverride, readProcessIdentity, pidDirectories, runtimePath, unsupportedReloadChanges } from '../../src/daemon/process-identity';
import { DEFAULT_CONTROL_SOCKET, DEFAULT_PID_FILE } from '../../src/daemon/paths';
import { messages, model } from '../config/helpers';

const INST = 'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n';

test('the default pid file and socket take the namespace as a directory and the instance as a suffix; explicit paths are kept', () => {
  const id = (netNamespace: string | null, instanceName: string | null) => ({ netNamespace, instanceName });
  expect(runtimePath(DEFAULT_PID_FILE, DEFAULT_PID_FILE, id(null, null))).toBe('/run/halo/halo.pid');
  expect(runtimePath(DEFAULT_PID_FILE, DEFAULT_PID_FILE, id('blue', null))).toBe('/run/halo/blue/halo.pid');
  expect(runtimePath(DEFAULT_PID_FILE, DEFAULT_PID_FILE, id(null, 'i1'))).toBe('/run/halo/halo_i1.pid');
  expect(runtimePath(DEFAULT_CONTROL_SOCKET, DEFAULT_CONTROL_SOCKET, id('blue', 'i1'))).toBe('/run/halo/blue/halo_i1.sock');
  expect(runtimePath('/tmp/x.pid', DEFAULT_PID_FILE, id('blue', 'i1'))).toBe('/tmp/x.pid');
});

test('-s overrides the config with keepalived\'s line', () => {
  expect(namespaceOverride('red', null)).toEqual({ namespace: 'red', log: null });
  expect(namespaceOverride(null, 'blue')).toEqual({ namespace: 'blue', log: null });
  expect(namespaceOverride('red', 'blue')).toEqual({ namespace: 'blue', log: "Overriding config net_namespace 'red' with command line namespace 'blue'" });
});

test('a missing namespace gives keepalived\'s two lines', () => {
  expect(namespaceMissing('blue', () => true)).toBeNull();
  expect(namespaceMissing('blue', () => false)).toEqual(['Failed to open /run/netns/blue', 'Unable to set network namespace blue - exiting']);
});

test('a reload may not change the namespace (unless -s fixes it) or the instance', () => {
  const g = (netNamespace: string | null, instanceName: string | null) => ({ netNamespace, instanceName, disableLocalIgmp: false });
  expect(unsupportedReloadChanges(g('a', 'x'), g('a', 'x'))).toEqual([]);
  expect(unsupportedReloadChanges(g('a', 'x'), g(null, 'y'))).toEqual([
    'Cannot change network namespace at a reload - please restart halo',
    'Cannot change instance name at a reload - please restart halo',
  ]);
  expect(unsupportedReloadChanges(g('a', null), g('b', null), 'c')).toEqual([]);
  // net_namespace_ipvs, in keepalived's order (main.c reload_config)
  expect(unsupportedReloadChanges({ ...g('a', 'x'), netNamespaceIpvs: 'ipvs' }, g(null, 'y'))).toEqual([
    'Cannot change network namespace at a reload - please restart halo',
    'Cannot change IPVS network namespace at a reload - please restart halo',
    'Cannot change instance name at a reload - please restart halo',
  ]);
  expect(unsupportedReloadChanges({ ...g('a', 'x'), netNamespaceIpvs: '' }, { ...g('a', 'x'), netNamespaceIpvs: '' })).toEqual([]);
});

test('read from the statements alone: the first of each, through includes and @ID lines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pid-'));
  try {
    writeFileSync(join(dir, 'ns.conf'), 'net_namespace blue\nnet_namespace red\n');
    writeFileSync(join(dir, 'k.conf'), `include ns.conf\n@lb1 instance one\n@lb2 instance two\n${INST}`);
    expect(readProcessIdentity(join(dir, 'k.conf'), { configId: 'lb2' })).toEqual({ netNamespace: 'blue', instanceName: 'two' });
    expect(readProcessIdentity(join(dir, 'missing.conf'))).toEqual({ netNamespace: null, instanceName: null });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the keywords: the first name wins, a second or a missing one is warned as keepalived', () => {
  const text = `net_namespace blue\nnet_namespace red\ninstance\ninstance i1\ninstance i2\n${INST}`;
  expect(messages(text)).toEqual([
    '2:15: warning: Duplicate net_namespace definition red - ignoring',
    '3:1: warning: instance name missing - ignoring',
    '5:10: warning: Duplicate instance definition i2 - ignoring',
  ]);
  const g = model(text).globalDefs;
  expect([g.netNamespace, g.instanceName]).toEqual(['blue', 'i1']);
});

test('the pid directories removed at exit: /run/halo/NS then /run/halo, as keepalived removes /run/keepalived/NS and /run/keepalived', () => {
  const id = (netNamespace: string | null, instanceName: string | null) => ({ netNamespace, instanceName });
  expect(pidDirectories(DEFAULT_PID_FILE, id(null, null))).toEqual([]);
  expect(pidDirectories(DEFAULT_PID_FILE, id('blue', null))).toEqual(['/run/halo/blue', '/run/halo']);
  expect(pidDirectories(DEFAULT_PID_FILE, id(null, 'a'))).toEqual(['/run/halo']);
  expect(pidDirectories(DEFAULT_PID_FILE, id('blue', 'a'))).toEqual(['/run/halo/blue', '/run/halo']);
});
