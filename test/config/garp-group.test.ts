/**
 * garp_group (vrrp_parser.c garp_group_*_handler): the groups halo builds and keepalived 2.2.7's
 * lines for bad blocks, each at FILE:LINE:COL. The lines were taken from `keepalived -t` on the
 * same blocks (garp-group.netns.test.ts runs both side by side on the host).
 */
import { parseConfigText } from '../../src/config/load';
import { formatDiagnostic } from '../../src/config/model';
import { keywordRows } from '../../src/config/keywords';
import { FILE, instance, messages, model } from './helpers';

const INST = instance();

test('intervals in µs, `interface` lines and `interfaces` blocks, aggregation numbers as keepalived', () => {
  const g = model(`garp_group {\n garp_interval 0.5\n interface eth0\n interface eth1\n}\ngarp_group {\n gna_interval 0.000250\n garp_interval 2\n interfaces {\n  eth2 eth3\n  eth4\n }\n}\n${INST}`).globalDefs.garpGroups;
  expect(g.map((x) => ({ garp: x.garpIntervalMs, gna: x.gnaIntervalMs, ifs: x.interfaces.map((i) => i.name), n: x.aggregationGroup }))).toEqual([
    { garp: 500, gna: null, ifs: ['eth0', 'eth1'], n: 0 },
    { garp: 2000, gna: 0.25, ifs: ['eth2', 'eth3', 'eth4'], n: 1 },
  ]);
  expect(g[1].interfaces[2].location).toMatchObject({ file: FILE, line: 11, col: 3 });
});

test("keepalived's lines for bad blocks, each at the word it is about", () => {
  const text = [
    'garp_group {', //                 1
    ' garp_interval 1.5', //           2
    ' interface eth0', //              3
    '}',
    'garp_group {', //                 5
    ' gna_interval 0.2',
    ' interfaces {', //                7
    '  eth0 eth5', //                  8: eth0 taken; keepalived names the block's second entry
    '  eth0', //                       9
    ' }',
    '}',
    'garp_group {', //                12
    ' interface eth6',
    '}', //                           14: no interval, removed (aggregation group 0)
    'garp_group {', //                15
    ' interfaces {',
    ' }',
    ' garp_interval abc', //          18: an invalid number keepalived still reads as 0
    ' gna_interval -1', //            19
    ' interface eth6', //             20: free again, its group was removed
    '}',
    'garp_group {',
    ' garp_interval 0.1',
    ' garp_interval 0.1234567', //    24
    ' gna_interval 2147.483648', //   25
    '}',
    INST,
  ].join('\n');
  expect(messages(text)).toEqual([
    '8:3: warning: garp_group already specified for eth5 - ignoring',
    '9:3: warning: garp_group already specified for eth5 - ignoring',
    '14:1: warning: garp group 0 does not have any delay set - removing',
    "16:2: warning: Warning - empty garp_group interfaces block",
    "18:16: warning: invalid number 'abc'",
    "19:15: warning: negative number '-1'",
    "19:15: warning: garp_group gna_interval '-1' invalid",
    "24:16: warning: number '0.1234567' has too many decimal places",
    "25:15: warning: number '2147.483648' outside range [0.000000, 2147.483647]",
    "25:15: warning: garp_group gna_interval '2147.483648' invalid",
  ]);
  const g = model(text).globalDefs.garpGroups;
  expect(g.map((x) => [x.garpIntervalMs, x.gnaIntervalMs, x.interfaces.map((i) => i.name), x.aggregationGroup])).toEqual([
    [1500, null, ['eth0'], 0],
    [null, 200, ['eth5'], 1],
    [0, null, ['eth6'], 0],
    [123.457, null, [], 0],
  ]);
});

test('a taken name in a one-name interfaces block: keepalived stops on the missing second word, halo refuses', () => {
  expect(messages(`garp_group {\n garp_interval 1\n interface eth0\n}\ngarp_group {\n garp_interval 1\n interfaces {\n  eth0\n }\n}\n${INST}`)).toEqual([
    '8:3: error: Configuration line starting `eth0` is missing a parameter after keyword `eth0` at word position 2',
  ]);
});

test("a group's interface that does not exist is refused with the others at start; dynamic_interfaces keeps it", () => {
  const text = `garp_group {\n garp_interval 1\n interface eth0\n interfaces {\n  nosuch0\n }\n}\n${INST}`;
  const run = (t: string) => parseConfigText(t, FILE, { interfaces: ['lo', 'eth0'] });
  const r = run(text);
  expect(r.model).toBeNull();
  expect(r.diagnostics.map(formatDiagnostic)).toEqual([
    `${FILE}:0:0: error: Non-existent interface specified in configuration`,
    `${FILE}:5:3: error: WARNING - interface nosuch0 specified for garp_group doesn't exist`,
  ]);
  expect(run(`global_defs {\n dynamic_interfaces\n}\n${text}`).model).not.toBeNull();
});

test('the registry: garp_group and its keywords are acted on', () => {
  const rows = keywordRows().filter((r) => r.section === 'garp_group' || r.keyword === 'garp_group');
  expect(rows.map((r) => [r.section, r.keyword, r.status])).toEqual([
    ['(top level)', 'garp_group', 'acted-on'],
    ['garp_group', 'garp_interval', 'acted-on'],
    ['garp_group', 'gna_interval', 'acted-on'],
    ['garp_group', 'interface', 'acted-on'],
    ['garp_group', 'interfaces', 'acted-on'],
  ]);
});
