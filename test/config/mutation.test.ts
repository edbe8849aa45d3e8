/**
 * Random edits of the example configs: every one must give a model, or at least one located
 * error, and never an exception. Seeded, so a failure replays exactly.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfigText } from '../../src/config/load';
import { prng } from '../support/prng';

const DIR = join(__dirname, '..', '..', 'deploy', 'examples');
const EXAMPLES = ['master.conf', 'standby.conf', 'sync-group.conf'].map((name) => ({
  file: join(DIR, name),
  text: readFileSync(join(DIR, name), 'utf8'),
}));
const MUTATIONS = 3000;
const SEED = 0x5eed2026;


const CHARS = ['{', '}', '"', '#', '!', '$', ' ', '\n', '\t', '0', '9', 'a', '/', '-', '.', ':', '\\', '@', '~'];
const WORDS = [
  '{', '}', '0', '-1', '256', '65536', '99999', '1.5', '0.001', '1e3', 'x', '""', '"unterminated', '$X', '${X}', '$X=1',
  'include', 'include nothere.conf', 'include *.conf', 'state', 'MASTER', 'priority', 'virtual_router_id', 'nopreempt',
  'virtual_ipaddress', 'real_server', 'TCP_CHECK', 'HTTP_GET', 'virtual_server', 'vrrp_instance', 'vrrp_sync_group',
  'group', 'VI_E', 'VI_9', '10.0.0.1', '10.0.0.256', '::1', 'fe80::1/64', '10.0.0.1/33', 'lb_algo', 'lb_kind', 'TUN',
  'persistence_timeout', 'fwmark', 'weight', 'advert_int', 'version', '3', 'authentication', 'auth_type', 'AH',
];

function mutate(text: string, rnd: () => number): string {
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

describe('mutation: random edits of the examples', () => {
  it(`${MUTATIONS} edits each give a model or located errors, never an exception`, () => {
    const rnd = prng(SEED);
    let valid = 0;
    let invalid = 0;
    const started = Date.now();
    for (let i = 0; i < MUTATIONS; i++) {
      const ex = EXAMPLES[i % EXAMPLES.length];
      let text = ex.text;
      const edits = 1 + Math.floor(rnd() * 3);
      for (let e = 0; e < edits; e++) text = mutate(text, rnd);
      let result;
      try {
        result = parseConfigText(text, ex.file);
      } catch (err) {
        throw new Error(`mutation #${i} of ${ex.file} threw ${(err as Error).stack}\n--- config ---\n${text}`);
      }
      for (const d of result.diagnostics) {
        const ok = typeof d.location.file === 'string' && d.location.line >= 1 && d.location.col >= 1 && d.message.length > 0;
        if (!ok) throw new Error(`mutation #${i}: unlocated diagnostic ${JSON.stringify(d)}\n--- config ---\n${text}`);
      }
      const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
      if (result.model === null && errors === 0) throw new Error(`mutation #${i}: no model and no error\n${text}`);
      if (result.model !== null && errors > 0) throw new Error(`mutation #${i}: a model despite errors\n${text}`);
      if (result.model) {
        JSON.stringify(result.model); // the model is plain JSON
        valid++;
      } else invalid++;
    }
    // Both outcomes must occur, or the edits are not exercising anything.
    expect(valid).toBeGreaterThan(100);
    expect(invalid).toBeGreaterThan(100);
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});
