/**
 * net_namespace / instance: what keepalived's parent decides before it forks (the pid file and
 * control socket names, the namespace, reloads that cannot change them), and the keywords'
 * warnings.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { identityOf, namespaceMissing, namespaceOverride, readProcessIdentity, pidDirectories, runtimePath, unsupportedReloadChanges } from '../../src/daemon/process-identity';
import { DEFAULT_CONTROL_SOCKET, DEFAULT_PID_FILE } from '../../src/daemon/paths';
import { messages, model } from '../config/helpers';
import { parseStatements } from '../../src/config/parse';
import { preprocess } from '../../src/config/preprocess';
import { EXAMPLES, mutate } from '../config/mutate';
import { prng } from '../support/prng';
import { CORPUS_DIR, corpusFiles, corpusPath } from '../support/corpus';
import { readFileSync } from 'node:fs';
import { describeNeeding, file } from '../support/prerequisites';

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

/** The oracle: the identity as the statement tree has it (what `halo run` read before the scan). */
function fromTree(text: string) {
  const id = { netNamespace: null as string | null, instanceName: null as string | null };
  const pre = preprocess(text, join(tmpdir(), 'halo-identity-none', 'k.conf'));
  for (const st of parseStatements(pre.text, pre.sources).statements ?? []) {
    const name = st.args[0]?.value;
    if (name === undefined) continue;
    if (st.keyword.value === 'net_namespace') id.netNamespace ??= name;
    else if (st.keyword.value === 'instance') id.instanceName ??= name;
  }
  return id;
}

/** Edited configs with identity lines put in at random places, nested or not, quoted or not. */
function* identityMutations(texts: string[], count: number) {
  const rnd = prng(0x1d3e7);
  const LINES = ['net_namespace blue', 'instance i1', '"net_namespace" "red"', 'instance \\#x', 'net_namespace', 'instance { i2 }', '{ net_namespace green }',
    'instance i3 {', '}', '{', 'net_namespace "unterminated', 'instance\tt4 # c', '! net_namespace no'];
  for (let i = 0; i < count; i++) {
    const lines = texts[i % texts.length].split('\n');
    const inserts = 1 + Math.floor(rnd() * 4);
    for (let k = 0; k < inserts; k++) lines.splice(Math.floor(rnd() * (lines.length + 1)), 0, LINES[Math.floor(rnd() * LINES.length)]);
    let text = lines.join('\n');
    if (rnd() < 0.5) text = mutate(text, rnd);
    yield text;
  }
}

test('the identity scan names what the statement tree names: 3000 edited configs with identity lines', () => {
  let named = 0;
  for (const text of identityMutations(EXAMPLES.map((e) => e.text), 3000)) {
    const want = fromTree(text);
    expect({ text, id: identityOf(preprocess(text, join(tmpdir(), 'halo-identity-none', 'k.conf')).text) }).toEqual({ text, id: want });
    if (want.netNamespace !== null || want.instanceName !== null) named++;
  }
  // the edits do reach both outcomes
  expect(named).toBeGreaterThan(300);
  expect(named).toBeLessThan(2700);
});

test('the identity scan: nesting past the limit, or a root line ended by a stray } and not followed by {, names nothing, as the refused parse', () => {
  for (const t of ['net_namespace blue\nx }\ny\n', 'net_namespace blue\nx }', 'instance i1\na {\n}\n{ net_namespace green }\n']) {
    expect(fromTree(t)).toEqual({ netNamespace: null, instanceName: null });
    expect(identityOf(t)).toEqual({ netNamespace: null, instanceName: null });
  }
  expect(identityOf('net_namespace blue\nx } { y }\n')).toEqual({ netNamespace: 'blue', instanceName: null });
  expect(fromTree('net_namespace blue\nx } { y }\n')).toEqual({ netNamespace: 'blue', instanceName: null });
  const deep = `net_namespace blue\n${'a {\n'.repeat(65)}${'}\n'.repeat(65)}`;
  expect(fromTree(deep)).toEqual({ netNamespace: null, instanceName: null });
  expect(fromTree(`net_namespace blue\n${'a {\n'.repeat(64)}${'}\n'.repeat(64)}`)).toEqual({ netNamespace: 'blue', instanceName: null });
  expect(identityOf(deep)).toEqual({ netNamespace: null, instanceName: null });
  const ok = `net_namespace blue\n${'a {\n'.repeat(64)}${'}\n'.repeat(64)}`;
  expect(identityOf(ok)).toEqual({ netNamespace: 'blue', instanceName: null });
});

describeNeeding(file(CORPUS_DIR, 'the real-world corpus (../shared/corpus/realworld)'))('identity scan over the real-world corpus', () => {
  it('names what the statement tree names in every corpus file and in edits of them with identity lines', () => {
    const texts = corpusFiles().map((f) => readFileSync(corpusPath(f), 'utf8'));
    expect(texts.length).toBeGreaterThan(100);
    for (const text of [...texts, ...identityMutations(texts, 1000)]) expect({ text, id: identityOf(preprocess(text, join(tmpdir(), 'halo-identity-none', 'k.conf')).text) }).toEqual({ text, id: fromTree(text) });
  });
});
