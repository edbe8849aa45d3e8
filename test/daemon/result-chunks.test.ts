/**
 * The reload's config result cut into parts and put back (src/daemon/result-chunks.ts): the
 * whole comes back equal, arrays in order; the parts stay small; misuse is a named error. The
 * thread path itself runs in the netns tier (test/integration/reload.netns.test.ts: a
 * 100,000-line reload while adverts leave every 100 ms).
 */
import { parseConfigText } from '../../src/config/load';
import type { LoadResult } from '../../src/config/load';
import { cutResult, ResultAssembler } from '../../src/daemon/result-chunks';

function bigText(servers: number): string {
  const out = ['vrrp_instance VI_1 {', ' interface eth0', ' virtual_router_id 51', ' priority 150', ' virtual_ipaddress {', '  192.168.77.200', ' }', '}'];
  for (let i = 0; i < servers; i++) {
    out.push(`virtual_server 10.1.${i >> 8}.${i & 255} 80 {`, ' lb_algo rr', ' lb_kind NAT', ' protocol TCP');
    for (let r = 2; r < 4; r++) out.push(`  real_server 10.2.${i >> 8}.${r} 80 {`, '   weight 1', '   TCP_CHECK {', '    connect_timeout 3', '   }', '  }');
    out.push('}');
  }
  return out.join('\n');
}

const reassemble = (r: LoadResult, size?: number): { whole: LoadResult; parts: number } => {
  const parts = cutResult(r, size);
  const a = new ResultAssembler();
  parts.forEach((p, i) => expect(a.add(structuredClone(p))).toBe(i === parts.length - 1));
  return { whole: a.result!, parts: parts.length };
};

describe('a load result in parts', () => {
  const loaded = parseConfigText(bigText(1234), 'big.conf');

  it('comes back equal to the whole, in order, from slices no longer than the size', () => {
    expect(loaded.model!.virtualServers).toHaveLength(1234);
    const parts = cutResult(loaded, 100);
    expect(parts.filter((p) => p.kind === 'slice').every((p) => p.kind === 'slice' && p.items.length <= 100)).toBe(true);
    expect(parts.at(-1)!.kind).toBe('rest');
    const { whole, parts: n } = reassemble(loaded, 100);
    expect(n).toBe(13 + 1); // 1,234 virtual servers in 13 slices, then the rest
    expect(whole).toEqual(loaded);
    expect(whole.model!.virtualServers.map((v) => JSON.stringify(v.key))).toEqual(loaded.model!.virtualServers.map((v) => JSON.stringify(v.key)));
  });

  it('leaves the cut result untouched', () => {
    const before = JSON.stringify(loaded);
    cutResult(loaded, 7);
    expect(JSON.stringify(loaded)).toBe(before);
  });

  it('a small result is one part; a failed load (no model) with many diagnostics comes back whole', () => {
    const small = parseConfigText(bigText(3), 'small.conf');
    expect(cutResult(small)).toHaveLength(1);
    expect(reassemble(small).whole).toEqual(small);
    const failed: LoadResult = { model: null, diagnostics: Array.from({ length: 250 }, (_, i) => ({ severity: 'error' as const, message: `e${i}`, location: { file: 'x.conf', line: i + 1, col: 1 } })) };
    const { whole, parts } = reassemble(failed, 100);
    expect(parts).toBe(4);
    expect(whole).toEqual(failed);
  });

  it('says what went wrong with parts out of order or after the end, and with a bad size', () => {
    const parts = cutResult(loaded, 500);
    const a = new ResultAssembler();
    parts.forEach((p) => a.add(p));
    expect(() => a.add(parts[0])).toThrow('config loader: a part arrived after the whole result');
    const b = new ResultAssembler();
    b.add({ kind: 'slice', field: 'file', items: [1] });
    expect(() => b.add(parts.at(-1)!)).toThrow("config loader: slices of 'file', which the model has not as a list");
    expect(() => cutResult(loaded, 0)).toThrow(RangeError);
  });
});
