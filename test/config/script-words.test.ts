/**
 * Script command lines split as keepalived 2.2.7 splits them (alloc_strvec_quoted_escaped twice:
 * the raw line, then the script's word). The argv values here are the ones Debian's keepalived
 * exec'd for the same lines in test/integration/script-argv-env.netns.test.ts.
 */
import { quotedEscapedWords, scriptLine } from '../../src/config/script-words';
import { model } from './helpers';

const argv = (raw: string) => {
  const r = scriptLine(raw);
  return 'error' in r ? r.error : r.argv;
};

describe('script lines as keepalived reads them', () => {
  it.each([
    ['script "P plain a b"', ['P', 'plain', 'a', 'b']],
    [`script "P single 'a b' c"`, ['P', 'single', 'a b', 'c']],
    ['script "P escdouble \\"a b\\""', ['P', 'escdouble', 'a b']],
    [`script "P escsingle 'it\\\\'s'"`, ['P', 'escsingle', "it's"]],
    ['script "P hexoct \\\\x41\\\\t \\\\101 \\\\cA"', ['P', 'hexoct', 'A\t', 'A', '\x01']],
    ['script "P midquote x\\"y\\"z"', ['P', 'midquote', 'xyz']],
    [`script "P empty '' x"`, ['P', 'empty', '', 'x']],
    [`script "/bin/sh -c 'P shc \\" X/\\" | cat'"`, ['/bin/sh', '-c', 'P shc " X/" | cat']],
    ['script "P blank a\\\\ b c\\ d"', ['P', 'blank', 'a b', 'c', 'd']],
    ['script "P tab \\t"', ['P', 'tab']],
    ['script P unquoted words', ['P']],
    ["script 'P single quoted' root", ['P', 'single', 'quoted']],
  ])('%s', (raw, want) => {
    expect(argv(raw)).toEqual(want);
  });

  it('gives the words after the script (user, group) unquoted', () => {
    expect(scriptLine('notify "P a" "root" root')).toEqual({ argv: ['P', 'a'], rest: ['root', 'root'] });
  });

  it('refuses what keepalived cannot read, with its words', () => {
    // the line reads (one escaped quote); the script's word `P x"y` then does not
    expect(argv('script "P x\\"y"')).toBe(`String 'P x"y': missing terminating "`);
    expect(argv('script P\\')).toBe("Missing escape char at end: 'script P\\'");
    expect(argv('script ""')).toBe("Unable to parse script '' - ignoring");
    expect(quotedEscapedWords("a 'b")).toEqual({ error: "String 'a 'b': missing terminating '" });
  });

  it('\\x takes every hex digit and keeps the low byte; \\0 ends the word', () => {
    expect(quotedEscapedWords('\\x141 a\\0b')).toEqual({ words: ['A', 'a'] });
  });
});

describe('script keywords use the line as keepalived reads it', () => {
  it('vrrp_script and notify', () => {
    const text = [
      'vrrp_script chk {',
      `  script "/bin/sh -c 'grep -q \\" X/\\" /f'"`,
      '}',
      'vrrp_instance VI_1 {',
      '  interface eth0',
      '  virtual_router_id 1',
      '  virtual_ipaddress {',
      '    10.0.0.1',
      '  }',
      '  priority 100',
      '  notify_master "/bin/echo \\"a b\\"" root',
      '  track_script {',
      '    chk',
      '  }',
      '}',
      '',
    ].join('\n');
    const m = model(text);
    expect(m.vrrpScripts[0].script).toEqual(['/bin/sh', '-c', 'grep -q " X/" /f']);
    expect(m.vrrpInstances[0].notify.notifyMaster).toEqual(['/bin/echo', 'a b']);
  });
});
