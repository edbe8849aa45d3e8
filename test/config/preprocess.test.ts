import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfigText } from '../../src/config/load';
import { formatDiagnostic } from '../../src/config/model';
import { preprocess } from '../../src/config/preprocess';
import { nextCopyIndex } from '../../src/daemon/config-save';
import { FILE, load, messages, model } from './helpers';

describe('a file with nothing to preprocess', () => {
  it('is its own text, ended by a newline, and its lines map to themselves', () => {
    for (const [text, want] of [['a 1\nb {\n c\n}\n', 'a 1\nb {\n c\n}\n'], ['a\nb', 'a\nb\n'], ['a\n\n', 'a\n\n'], ['\n', '\n'], ['x', 'x\n'], ['a\r\n', 'a\r\n']]) {
      const p = preprocess(text, '/nonexistent/t.conf');
      expect(p.text).toBe(want);
      expect(p.sources.locate(2, 3)).toEqual({ file: '/nonexistent/t.conf', line: 2, col: 3 });
    }
  });
});

describe('$NAME parameters', () => {
  it('substitutes $NAME and ${NAME}, including inside words', () => {
    const m = model(
      '$IF=eth3\n$VRID=77\n$NET=10.1.2\nvrrp_instance VI_1 {\n interface $IF\n virtual_router_id ${VRID}\n' +
        ' virtual_ipaddress {\n  ${NET}.5/24 dev $IF\n }\n}\n',
    );
    const i = m.vrrpInstances[0];
    expect([i.interface, i.virtualRouterId, i.virtualIpAddresses[0].address, i.virtualIpAddresses[0].dev]).toEqual([
      'eth3', 77, '10.1.2.5', 'eth3',
    ]);
  });

  it('leaves undefined names and $NAME glued to other text as written, as keepalived does', () => {
    const r = load('$A=x\nglobal_defs {\n router_id $UNDEF\n}\n');
    expect(r.model?.globalDefs.routerId).toBe('$UNDEF');
    expect(load('$A=x\nglobal_defs {\n router_id $Ab\n}\n').model?.globalDefs.routerId).toBe('$Ab');
    expect(load('$A=x\nglobal_defs {\n router_id ${A}b\n}\n').model?.globalDefs.routerId).toBe('xb');
  });

  it('expands nested definitions and later redefinitions win from there on', () => {
    const m = model('$B=lb\n$A=${B}1\nglobal_defs {\n router_id $A\n}\n$A=other\n');
    expect(m.globalDefs.routerId).toBe('lb1');
  });

  it('expands a multi-line definition written with \\ continuations into several lines', () => {
    const m = model(
      '$VIPS=10.0.0.1 \\\n  10.0.0.2 \\\n  10.0.0.3\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n' +
        ' virtual_ipaddress {\n  $VIPS\n }\n}\n',
    );
    expect(m.vrrpInstances[0].virtualIpAddresses.map((v) => v.address)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
  });

  it('a definition naming itself is an error at its use, not a hang', () => {
    expect(messages('$A=${A}x\nglobal_defs {\n router_id $A\n}\n')).toEqual([
      '3:12: error: parameter substitution does not terminate (a definition refers to itself)',
    ]);
  });

  it('a multi-line definition containing itself is an error, not a stack overflow', () => {
    const r = messages('$A=x \\\n $A\nglobal_defs {\n $A\n}\n');
    expect(r).toContain('4:2: error: parameter substitution does not terminate (a definition refers to itself)');
  });

  it('definitions that double at each level stop at a bounded line length', () => {
    const defs = Array.from({ length: 40 }, (_, i) => `$D${i}=$D${i + 1} $D${i + 1}`).join('\n');
    expect(messages(`${defs}\nglobal_defs {\n router_id $D0\n}\n`)).toEqual([
      '42:12: error: parameter substitution would make the line longer than 65536 characters',
    ]);
  });

  it('a # after a definition is a comment', () => {
    expect(model('$R=lb7 # the router\nglobal_defs {\n router_id $R\n}\n').globalDefs.routerId).toBe('lb7');
  });
});

describe('keepalived 2.2.7 advanced configuration (keepalived.conf(5))', () => {
  const vi = (vips: string, extra = ''): string =>
    `vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n${extra} virtual_ipaddress {\n${vips}\n }\n}\n`;

  it('@ID lines follow the config id given as -i', () => {
    const text = vi('  10.0.0.1', ' @lb1 priority 150\n @lb2 priority 50\n @^lb1 advert_int 3\n');
    const as = (id: string) => parseConfigText(text, FILE, { configId: id }).model?.vrrpInstances[0];
    expect([as('lb1')?.priority, as('lb1')?.advertIntMs]).toEqual([150, 1000]);
    expect([as('lb2')?.priority, as('lb2')?.advertIntMs]).toEqual([50, 3000]);
    expect(as('lb1')?.priority).toBe(150);
  });

  it('~SEQ and ~LST generate lines; a multi-line definition is a template', () => {
    expect(model(vi('  ~SEQ(N, 1, 3) 10.0.0.$N\n  ~LST(H, 7, 9) 10.0.1.${H}')).vrrpInstances[0].virtualIpAddresses.map((v) => v.address))
      .toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.1.7', '10.0.1.9']);
    const tpl = '$VI= \\\nvrrp_instance VI_${N} { \\\n interface eth0 \\\n virtual_router_id ${N} \\\n virtual_ipaddress { \\\n  10.0.0.${N} \\\n } \\\n}\n';
    const m = model(`${tpl}~SEQ(N, 1, 3) $VI\n`);
    expect(m.vrrpInstances.map((i) => [i.name, i.virtualRouterId, i.virtualIpAddresses[0].address])).toEqual([
      ['VI_1', 1, '10.0.0.1'], ['VI_2', 2, '10.0.0.2'], ['VI_3', 3, '10.0.0.3'],
    ]);
  });

  it('an invalid ~SEQ is a located warning and the line is dropped', () => {
    expect(messages('global_defs {\n  ~SEQ(X, 1, -1, 3) router_id a\n}\n')).toEqual([
      "2:3: warning: Invalid ~SEQ values '~SEQ(X, 1, -1, 3) router_id a' - line ignored",
    ]);
  });

  it('${_INSTANCE} is the config id, ${_PWD} the directory of the file being read', () => {
    expect(parseConfigText('global_defs {\n router_id ${_INSTANCE}\n}\n', FILE, { configId: 'east' }).model?.globalDefs.routerId).toBe('east');
    expect(model('global_defs {\n router_id ${_PWD}\n}\n').globalDefs.routerId).toBe('/nonexistent/halo-test');
  });

  it("'$NAME = value' (a blank before =) is no definition, as in keepalived", () => {
    expect(messages('$A = 1\n')).toEqual(["1:1: warning: unknown keyword '$A'"]);
  });
});

describe('@ID conditional lines', () => {
  it('drops @ID lines and keeps @^ID lines, as keepalived started without -i', () => {
    const m = model('global_defs {\n @lb1 router_id one\n @^lb1 router_id other\n}\n');
    expect(m.globalDefs.routerId).toBe('other');
    expect(messages('global_defs {\n  @^lb1 router_idd x\n}\n')).toEqual(["2:9: warning: unknown keyword 'router_idd' in global_defs"]);
  });
});

describe('include', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hcfg-include-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string): string => {
    const p = join(dir, name);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, text);
    return p;
  };

  it('expands globs relative to the including file, sorted, and sees its definitions', () => {
    const top = write('keepalived.conf', '$IF=eth9\ninclude conf.d/*.conf\n');
    write('conf.d/20-b.conf', 'vrrp_instance VI_B {\n interface $IF\n virtual_router_id 2\n virtual_ipaddress {\n  10.0.0.2\n }\n}\n');
    write('conf.d/10-a.conf', 'vrrp_instance VI_A {\n interface $IF\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n');
    write('conf.d/ignored.txt', 'garbage {\n');
    const r = loadConfig(top);
    expect(r.diagnostics).toEqual([]);
    expect(r.model?.vrrpInstances.map((i) => [i.name, i.interface])).toEqual([['VI_A', 'eth9'], ['VI_B', 'eth9']]);
  });

  it('nested includes resolve against each including file', () => {
    const top = write('top.conf', 'include sub/mid.conf\n');
    write('sub/mid.conf', 'include leaf.conf\n');
    write('sub/leaf.conf', 'global_defs {\n router_id leaf\n}\n');
    expect(loadConfig(top).model?.globalDefs.routerId).toBe('leaf');
  });

  it('messages inside an included file name that file and line', () => {
    const top = write('top.conf', 'global_defs {\n router_id a\n}\ninclude part.conf\n');
    write('part.conf', '\n\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 300\n}\n');
    const r = loadConfig(top);
    expect(r.diagnostics.map(formatDiagnostic)).toContain(`${join(dir, 'part.conf')}:5:20: warning: (VI_1): VRID '300' not valid - must be between 1 & 255`);
  });

  it('a missing include is reported at the including line (a warning, as keepalived carries on)', () => {
    const top = write('top.conf', 'global_defs {\n}\n  include nothere/*.conf\n');
    expect(loadConfig(top).diagnostics.map(formatDiagnostic)).toEqual([`${top}:3:3: warning: Config files missing 'nothere/*.conf'.`]);
    expect(loadConfig(top, { strict: true }).model).toBeNull();
  });

  it('{a,b} braces, includer, executables skipped; -e makes a missing file an error', () => {
    const top = write('top.conf', 'includer sub/{one,two}.conf\ninclude sub/run.sh\ninclude none/x.conf\n');
    write('sub/one.conf', 'global_defs {\n router_id one\n}\n');
    write('sub/two.conf', 'vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 2\n virtual_ipaddress {\n  10.0.0.2\n }\n}\n');
    const sh = write('sub/run.sh', 'garbage {\n');
    chmodSync(sh, 0o755);
    const r = loadConfig(top);
    expect(r.model?.globalDefs.routerId).toBe('one');
    expect(r.model?.vrrpInstances.map((i) => i.name)).toEqual(['VI_2']);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      `${top}:2:1: warning: Configuration file '${sh}' is not a regular non-executable file - skipping`,
      `${top}:3:1: warning: Config files missing 'none/x.conf'.`,
    ]);
    expect(loadConfig(top, { allConfig: true }).diagnostics.map(formatDiagnostic)).toContain(`${top}:3:1: error: Config files missing 'none/x.conf'.`);
  });

  it("config_save_dir's copy: keepalived 2.2.7's consolidated form, byte for byte (captured from its config_save_dir)", () => {
    write('sub/one.conf', 'global_defs {\n router_id one\n}\n');
    const top = write('save.conf', `global_defs {\n config_save_dir /tmp/p1save\n}\n$X=1\n@nothost router_id x\ninclude ${join(dir, 'sub/one.conf')}\nvrrp_instance VI_1 {\n interface lo\n virtual_router_id $X\n virtual_ipaddress {\n 10.9.9.9\n }\n}\n`);
    const copy = preprocess(readFileSync(top, 'utf8'), top, { copy: true, configId: 'lb' }).copy;
    expect(copy).toBe(`# ${top}\nglobal_defs {\nconfig_save_dir /tmp/p1save\n}\n$X=1\n@nothost router_id x\n\n# ${join(dir, 'sub/one.conf')}\nglobal_defs {\nrouter_id one\n}\n!\nvrrp_instance VI_1 {\ninterface lo\nvirtual_router_id $X\nvirtual_ipaddress {\n10.9.9.9\n}\n}\n!\n`);
    expect(nextCopyIndex(['keepalived.conf.12.0', 'keepalived.conf.12.3', 'keepalived.conf.7.9', 'other'], 12)).toBe(4);
    expect(nextCopyIndex([], 12)).toBe(0);
  });

  it('include_check and the include letters decide which include problems refuse the config, as keepalived -t does', () => {
    write('sub/one.conf', 'global_defs {\n router_id one\n}\n');
    const sh = write('sub/run.sh', 'garbage {\n');
    chmodSync(sh, 0o755);
    const check = (name: string, text: string) => loadConfig(write(name, text)).diagnostics.map((d) => `${d.location.line}: ${d.severity}: ${d.message}`);
    // a wildcard matching nothing: silent, unless checked
    expect(check('w0.conf', 'include sub/*.nomatch\n')).toEqual([]);
    expect(check('w1.conf', 'global_defs {\n include_check\n}\ninclude sub/*.nomatch\n')).toEqual(["4: error: No config files matched 'sub/*.nomatch'."]);
    expect(check('w2.conf', 'includew sub/*.nomatch\n')).toEqual(["1: error: No config files matched 'sub/*.nomatch'."]);
    // only the includes after it
    expect(check('o.conf', 'include none/x.conf\nglobal_defs {\n include_check match\n}\ninclude none/x.conf\n')).toEqual([
      "1: warning: Config files missing 'none/x.conf'.", "5: error: Config files missing 'none/x.conf'.",
    ]);
    // -match, brace_match
    expect(check('m.conf', 'global_defs {\n include_check -match\n}\ninclude none/x.conf\ninclude sub/{one,three}.conf\n')).toEqual([
      "4: warning: Config files missing 'none/x.conf'.", '5: warning: Some config files missing: "sub/{one,three}.conf".',
    ]);
    const b = loadConfig(write('b.conf', 'global_defs {\n include_check brace_match\n}\ninclude sub/{one,three}.conf\n'));
    expect(b.diagnostics.map((d) => `${d.severity}: ${d.message}`)).toEqual(['error: Some config files missing: "sub/{one,three}.conf".']);
    expect(b.model).toBeNull();
    // includea / includer: an executable file is an error
    expect(check('a.conf', 'includea sub/run.sh\n')).toEqual([`1: error: Configuration file '${sh}' is not a regular non-executable file - skipping`]);
    // an include_check inside an included file lasts to its end
    write('sub/strict.conf', 'global_defs {\n include_check\n}\ninclude nothing/y.conf\n');
    expect(check('s.conf', 'include sub/strict.conf\ninclude none/x.conf\n')).toEqual([
      "4: error: Config files missing 'nothing/y.conf'.", "2: warning: Config files missing 'none/x.conf'.",
    ]);
    // its own words: keepalived's warnings
    expect(check('k.conf', 'global_defs {\n include_check read foo +bar\n}\n')).toEqual([
      "2: warning: Duplicate include_check 'foo' specified - ignoring", "2: warning: Unknown include_check type 'bar' - ignoring",
    ]);
  });

  it('an include cycle is reported at the including line, once', () => {
    const top = write('a.conf', 'include b.conf\nglobal_defs {\n router_id a\n}\n');
    const b = write('b.conf', '\ninclude a.conf\n');
    const r = loadConfig(top);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([`${b}:2:1: error: include cycle: ${top} -> ${b} -> ${top}`]);
    expect(r.model).toBeNull();
  });

  it('a file including itself', () => {
    const top = write('self.conf', 'include self.conf\n');
    expect(loadConfig(top).diagnostics.map(formatDiagnostic)).toEqual([`${top}:1:1: error: include cycle: ${top} -> ${top}`]);
  });

  it('an unreadable top file is one located error', () => {
    const r = loadConfig(join(dir, 'missing.conf'));
    expect(r.model).toBeNull();
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([`${join(dir, 'missing.conf')}:0:0: error: cannot read config file: ENOENT`]);
  });
});
