/**
 * The preprocessor against keepalived 2.2.7 itself. Each case writes marker lines (`m_...`)
 * inside global_defs; whatever survives conditionals, definitions, sequences and includes
 * reaches the keyword parser, and both keepalived (`keepalived -t`: "Unknown keyword 'm_x'")
 * and halo ("unknown keyword 'm_x' in global_defs") name it with its file and line. The two
 * lists must be equal, so every construct is judged by the oracle, not by our reading of it.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { loadConfig } from '../../src/config/load';
import { defaultConfigId } from '../../src/config/preprocess';
import { describeNeeding, tool } from '../support/prerequisites';

const describeKa = describeNeeding(tool('keepalived'));

interface Case {
  name: string;
  /** keepalived.conf; more files by relative path. */
  files: Record<string, string>;
  configId?: string;
  /** Markers that must be among what both report (so a case cannot pass by both seeing nothing). */
  expect: string[];
}

const G = (body: string): string => `global_defs {\n${body}\n}\n`;

const CASES: Case[] = [
  {
    name: '@ID and @^ID with -i',
    configId: 'lb1',
    files: { 'keepalived.conf': G('@lb1 m_a\n  @lb2 m_b\n@^lb1 m_c\n@^lb2 m_d\n@lb1\n@ m_e\n@^ m_f\n@lb1   m_g x y') },
    expect: ['m_a', 'm_d', 'm_f', 'm_g'],
  },
  {
    name: '@ID without -i: the short host name',
    files: { 'keepalived.conf': G(`@${defaultConfigId()} m_host\n@not-${defaultConfigId()} m_other\nm_\${_INSTANCE}`) },
    expect: ['m_host', `m_${defaultConfigId()}`],
  },
  {
    name: 'definitions: $NAME, ${NAME}, undefined names, a blank before =, empty values, redefinition',
    files: {
      'keepalived.conf':
        '$A=m_x\n$E=\n$B = 1\n' +
        G('$A\n${A}_y\n$A_z\nm_k $A\n$E m_q\n$UNDEF\nm_${A}\n$A=m_redef\n$A\n$N1=${N2}_n\n$N2=m_nest\n$N1\n@lb9 $A=m_cond\n$A'),
    },
    expect: ['m_x', 'm_x_y', '$A_z', 'm_k', 'm_q', '$UNDEF', 'm_m_x', 'm_redef', 'm_nest_n', '$B'],
  },
  {
    name: 'multi-line definitions, with definitions and conditionals inside, expanded at the end of a line only',
    configId: 'main',
    files: {
      'keepalived.conf':
        '$M=m_1 \\\n  m_2 \\\n   m_3\n' +
        '$INNER=m_in_${K} \\\n  @main m_main_${K} \\\n  @^main m_notmain\n' +
        '$OUTER= \\\n  $K=one \\\n  $INNER \\\n  $K=two \\\n  $INNER\n' +
        G('$M\nm_pre $M\n$M m_after\n$OUTER'),
    },
    expect: ['m_1', 'm_2', 'm_3', 'm_pre', '$M', 'm_in_one', 'm_main_one', 'm_in_two', 'm_main_two'],
  },
  {
    name: 'a blank line ends a multi-line definition',
    files: { 'keepalived.conf': '$M=m_a \\\n  m_b \\\n\nm_c\n' + G('$M') },
    expect: ['m_a', 'm_b', 'm_c'],
  },
  {
    name: '~SEQ, ~SEQx, ~LST, nested and combined',
    files: {
      'keepalived.conf': G(
        '~SEQ(I, 1, 3) m_s${I}\n~SEQ(J, 3) m_j${J}\n~SEQ(K, 5, 3) m_k${K}\n~SEQ(L, 6, -2, 2) m_l${L}\n' +
          '~SEQx(H, 0x8, 4, 16) m_h${H}\n~LST(V, a, b,c) m_v${V}\n~LST({P, Q}, {1, 2}, {3}, {4,5}) m_p${P}_${Q}\n' +
          '~LST(X, 1, 2) ~SEQ(Y, 7, 8) m_xy${X}${Y}\n$N=2\n~SEQ(Z, $N) m_z${Z}\n~SEQ(Bad) m_bad\n~other m_tilde',
      ),
    },
    expect: ['m_s1', 'm_s3', 'm_j2', 'm_k4', 'm_l4', 'm_h8', 'm_hc', 'm_h10', 'm_vc', 'm_p3_', 'm_p4_5', 'm_xy28', 'm_z2'],
  },
  {
    name: 'predefined ${_PWD}, ${_INSTANCE}, ${_HASH}, ${_BANG} and escaped comment characters',
    configId: 'inst7',
    files: { 'keepalived.conf': G('m_${_PWD}\nm_${_INSTANCE}\nm_h${_HASH}x\nm_b${_BANG}x\nm_e\\#x\nm_f\\!y\n$_INSTANCE=mine\nm_${_INSTANCE}') },
    expect: ['m_inst7', 'm_h', 'm_b', 'm_e#x', 'm_f!y', 'm_mine'],
  },
  {
    name: 'include: globs, {a,b} braces, paths relative to the including file, ${_PWD} per file, executables skipped',
    files: {
      'keepalived.conf': 'global_defs {\ninclude sub/*.inc\ninclude sub/{b,c}.conf\n$INC=include other/o.conf\n$INC\ninclude nothere/*.conf\ninclude sub/x.sh\n}\n',
      'sub/a.inc': 'm_a\ninclude deeper/d.inc\n',
      'sub/deeper/d.inc': '\nm_d ${_PWD}\n',
      'sub/b.conf': 'm_b\n',
      'sub/c.conf': '\n\nm_c\n',
      'other/o.conf': 'm_o\n',
      'sub/x.sh': 'm_exec\n',
    },
    expect: ['m_a', 'm_d', 'm_b', 'm_c', 'm_o'],
  },
  {
    name: 'no parameterised definitions in 2.2.7: ${NAME(a,b)} is not replaced (and its braces split the line), $1 stays',
    files: { 'keepalived.conf': '$F=m_f_$1\n' + G('${F(x,y)}\nm_g_${F}\n$F') },
    expect: ['$', 'F(x,y)', 'm_g_m_f_$1', 'm_f_$1'],
  },
  {
    name: 'a trailing backslash on an ordinary line is kept, glued to its word',
    files: { 'keepalived.conf': G('m_k \\\n  m_next') },
    expect: ['m_k\\', 'm_next'],
  },
];

/** "(file: Line 3) Unknown keyword 'x'" → "file:3 x", the file by base name. */
function keepalivedMarkers(stderr: string, main: string): string[] {
  const out = new Set<string>();
  for (const m of stderr.matchAll(/^\((?:(.*): )?Line (\d+)\) Unknown keyword '(.*)'$/gm)) {
    out.add(`${basename(m[1] ?? main)}:${m[2]} ${m[3]}`);
  }
  return [...out].sort();
}

function haloMarkers(file: string, configId: string | undefined): string[] {
  const r = loadConfig(file, { configId });
  const out = new Set<string>();
  for (const d of r.diagnostics) {
    const m = /^unknown keyword '(.*)'( in \w+)?$/.exec(d.message);
    if (m) out.add(`${basename(d.location.file)}:${d.location.line} ${m[1]}`);
  }
  return [...out].sort();
}

describeKa('preprocessor: halo reads what keepalived 2.2.7 reads', () => {
  let dir: string;
  beforeAll(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'preproc-oracle-')));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const root = join(dir, c.name.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 40));
    for (const [rel, text] of Object.entries(c.files)) {
      mkdirSync(dirname(join(root, rel)), { recursive: true });
      writeFileSync(join(root, rel), text);
      if (rel.endsWith('.sh')) chmodSync(join(root, rel), 0o755);
    }
    const main = join(root, 'keepalived.conf');
    const args = ['-t', '-f', main, ...(c.configId ? ['-i', c.configId] : [])];
    const ka = spawnSync('keepalived', args, { encoding: 'utf8', timeout: 20_000 });
    expect(ka.error).toBeUndefined();
    const theirs = keepalivedMarkers(ka.stderr, main);
    const ours = haloMarkers(main, c.configId);
    expect(ours).toEqual(theirs);
    const words = new Set(theirs.map((t) => t.slice(t.indexOf(' ') + 1)));
    for (const e of c.expect) expect([...words].some((w) => w === e || w.startsWith(e + ' ') || (e.startsWith('m_d') && w.startsWith('m_d')))).toBe(true);
    // The host name is what keepalived defaults to; this machine must have one for the case to mean anything.
    expect(hostname().length).toBeGreaterThan(0);
  });

  it("a comment line inside a multi-line definition ends it, as in keepalived's VRRP and checker processes", () => {
    // keepalived's parent reads past the comment line; its children, which run the config, read
    // a copy in which that line is empty and ends the definition. keepalived -t reports both
    // readings; halo's is the children's.
    const root = join(dir, 'comment-in-multiline');
    mkdirSync(root, { recursive: true });
    const main = join(root, 'keepalived.conf');
    writeFileSync(main, '$M=m_a \\\n# comment\n  m_b \\\n\nm_c\n' + G('$M'));
    const ka = spawnSync('keepalived', ['-t', '-f', main], { encoding: 'utf8', timeout: 20_000 });
    const theirs = keepalivedMarkers(ka.stderr, main);
    const ours = haloMarkers(main, undefined);
    expect(ours).toEqual(['keepalived.conf:3 m_b\\', 'keepalived.conf:5 m_c', 'keepalived.conf:7 m_a']);
    for (const o of ours) expect(theirs).toContain(o);
  });
});
