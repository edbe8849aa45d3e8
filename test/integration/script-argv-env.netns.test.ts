/**
 * Script command lines and script environments beside Debian's keepalived 2.2.7 (issue 10): a
 * table of quoting cases (double and single quotes, backslash escapes, \x and octal, empty
 * words, a `sh -c` line with escaped double quotes inside) is given to vrrp_scripts and a notify
 * script; each runs a printer of its argv and environment, and halo's files must equal
 * keepalived's, word for word and variable for variable.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../support/netns';
import { twoDirectorsOnABridge } from '../support/two-directors';
import { loneBackupInstance } from '../support/config-text';

jest.setTimeout(120_000);

const stage = twoDirectorsOnABridge('sargv-', '192.168.79');

/** Each case is the text between the quotes of `script "..."`; P stands for the printer. */
const CASES: [string, string][] = [
  ['plain', 'P plain a b'],
  ['single', "P single 'a b' c"],
  ['escdouble', 'P escdouble \\"a b\\"'],
  ['escsingle', "P escsingle 'it\\\\'s'"],
  ['hexoct', 'P hexoct \\\\x41\\\\t \\\\101 \\\\cA'],
  ['midquote', 'P midquote x\\"y\\"z'],
  ['empty', "P empty '' x"],
  ['shc', "/bin/sh -c 'P shc \\\" X/\\\" | cat'"],
  ['blank', 'P blank a\\\\ b c\\ d'],
  ['tab', 'P tab \\t'],
];

function printer(dir: string): string {
  const p = join(dir, 'args.sh');
  writeFileSync(p, [
    '#!/bin/sh',
    'n=${1:-noargs}',
    // a notify script is run for each state (BACKUP at start, then MASTER), each asynchronously:
    // one file per state, so a late BACKUP run cannot overwrite the MASTER run's file
    '[ "$n" = notify ] && n="notify.$4"',
    'd=$(dirname "$0")',
    '{ for a in "$@"; do printf "<%s>\\n" "$a"; done; env | grep -v -E "^(_|SHLVL|PWD|OLDPWD)=" | sort | sed "s/^/env /"; } > "$d/out.$n.$$"',
    'mv "$d/out.$n.$$" "$d/out.$n"',
    '',
  ].join('\n'));
  chmodSync(p, 0o755);
  return p;
}

function conf(vrid: number, p: string): string {
  return [
    'global_defs {',
    '    script_user root',
    '}',
    ...CASES.map(([name, text]) => [`vrrp_script ${name} {`, `    script "${text.replace(/\bP\b/g, p)}"`, '    interval 1', '    weight 0', '}'].join('\n')),
    'vrrp_script unquoted {',
    `    script ${p} unquoted words`,
    '    interval 1',
    '    weight 0',
    '}',
    ...loneBackupInstance({
      vrid,
      net: '192.168.79',
      body: [`    notify "${p} notify"`, '    track_script {', ...CASES.map(([name]) => `        ${name}`), '        unquoted', '    }'],
    }),
    '',
  ].join('\n');
}

const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
/** The lines that differ by design: the printer's own path. */
const facts = (text: string, dir: string) => text.split(dir).join('DIR');

test('scripts get the argv and the environment keepalived gives them', async () => {
  const dirs = { halo: join(stage.tmp, 'halo'), keepalived: join(stage.tmp, 'keepalived') };
  for (const d of Object.values(dirs)) mkdirSync(d);
  const halo = stage.dirs.halo('lb1', conf(31, printer(dirs.halo)));
  const ka = stage.dirs.keepalived('lb2', conf(32, printer(dirs.keepalived)));
  const names = [...CASES.map(([n]) => n), 'noargs'];
  const missing = () => names.flatMap((n) => Object.entries(dirs).filter(([, d]) => read(join(d, `out.${n}`)) === '').map(([who]) => `${who}:${n}`));
  await waitFor(() => missing().length === 0, 60_000);
  expect({ missing: missing(), logs: missing().length > 0 ? [halo.log(), ka.log()] : [] }).toEqual({ missing: [], logs: [] });
  for (const n of names) {
    const k = facts(read(join(dirs.keepalived, `out.${n}`)), dirs.keepalived);
    if (n !== 'noargs') expect(k.startsWith(`<${n}>\n`)).toBe(true);
    expect({ n, argvAndEnv: facts(read(join(dirs.halo, `out.${n}`)), dirs.halo) }).toEqual({ n, argvAndEnv: k });
  }
  // the case: sh -c with escaped double quotes inside runs the printer with ' X/'
  expect(read(join(dirs.halo, 'out.shc'))).toContain('<shc>\n< X/>\n');
  // the notify script: same argv once both are MASTER, same environment
  const master = (d: string) => read(join(d, 'out.notify.MASTER')).includes('<MASTER>');
  const reached = await waitFor(() => master(dirs.halo) && master(dirs.keepalived), 60_000);
  expect({ reached, logs: reached ? [] : [halo.log(), ka.log()] }).toEqual({ reached: true, logs: [] });
  expect(facts(read(join(dirs.halo, 'out.notify.MASTER')), dirs.halo)).toBe(facts(read(join(dirs.keepalived, 'out.notify.MASTER')), dirs.keepalived));
});
