/**
 * Seeded random edits of keepalived configs (characters, words, lines), shared by the mutation
 * test (test/config/mutation.test.ts) and its benchmark (test/bench/parse/mutations.js).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { prng } from '../support/prng';

const DIR = join(__dirname, '..', '..', 'deploy', 'examples');
export const EXAMPLES = ['master.conf', 'standby.conf', 'sync-group.conf'].map((name) => ({
  file: join(DIR, name),
  text: readFileSync(join(DIR, name), 'utf8'),
}));
export const MUTATIONS = 3000;
export const SEED = 0x5eed2026;


const CHARS = ['{', '}', '"', '#', '!', '$', ' ', '\n', '\t', '0', '9', 'a', '/', '-', '.', ':', '\\', '@', '~'];
const WORDS = [
  '{', '}', '0', '-1', '256', '65536', '99999', '1.5', '0.001', '1e3', 'x', '""', '"unterminated', '$X', '${X}', '$X=1',
  'include', 'include nothere.conf', 'include *.conf', 'state', 'MASTER', 'priority', 'virtual_router_id', 'nopreempt',
  'virtual_ipaddress', 'real_server', 'TCP_CHECK', 'HTTP_GET', 'virtual_server', 'vrrp_instance', 'vrrp_sync_group',
  'group', 'VI_E', 'VI_9', '10.0.0.1', '10.0.0.256', '::1', 'fe80::1/64', '10.0.0.1/33', 'lb_algo', 'lb_kind', 'TUN',
  'persistence_timeout', 'fwmark', 'weight', 'advert_int', 'version', '3', 'authentication', 'auth_type', 'AH',
];

export function mutate(text: string, rnd: () => number): string {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
  const pos = Math.floor(rnd() * (text.length + 1));
  const lines = text.split('\n');
  const li = Math.floor(rnd() * lines.length);
  switch (Math.floor(rnd() * 8)) {
    case 0: return text.slice(0, pos) + text.slice(pos + 1 + Math.floor(rnd() * 3));
    case 1: return text.slice(0, pos) + pick(CHARS) + text.slice(pos);
    case 2: {
      const words = lines[li].split(/(\s+)/);
      const wi = Math.floor(rnd() * words.length);
      words[wi] = pick(WORDS);
      lines[li] = words.join('');
      return lines.join('\n');
    }
    case 3: lines.splice(li, 0, lines[Math.floor(rnd() * lines.length)]); return lines.join('\n');
    case 4: lines.splice(li, 1); return lines.join('\n');
    case 5: return text.slice(0, pos);
    case 6: lines.splice(li, 0, `${pick(WORDS)} ${pick(WORDS)} ${pick(WORDS)}`); return lines.join('\n');
    default: {
      const lj = Math.floor(rnd() * lines.length);
      [lines[li], lines[lj]] = [lines[lj], lines[li]];
      return lines.join('\n');
    }
  }
}

/** The i-th edited config of the seeded sequence: 1-3 edits of one example, in turn. */
export function* mutations(count = MUTATIONS, seed = SEED): Generator<{ i: number; file: string; text: string }> {
  const rnd = prng(seed);
  for (let i = 0; i < count; i++) {
    const ex = EXAMPLES[i % EXAMPLES.length];
    let text = ex.text;
    const edits = 1 + Math.floor(rnd() * 3);
    for (let e = 0; e < edits; e++) text = mutate(text, rnd);
    yield { i, file: ex.file, text };
  }
}
