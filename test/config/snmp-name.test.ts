/**
 * snmp_name (virtual and real servers): keepalived 2.2.7 shows it only in KEEPALIVED-MIB's checker
 * tables, so it is "no effect" in the registry; the SNMP agent it would need stays refused.
 */
import { keywordsMarkdown } from '../../src/config/keywords';
import { load } from './helpers';

const vs = (globals: string) => `global_defs {\n${globals}}\nvirtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind NAT\n snmp_name web\n real_server 10.0.1.2 80 {\n  snmp_name web1\n }\n}\n`;

describe('snmp_name', () => {
  it('is accepted on virtual and real servers without a word, and changes nothing in the model', () => {
    const r = load(vs(''));
    expect(r.diagnostics).toEqual([]);
    expect(r.model!.virtualServers[0].realServers).toHaveLength(1);
    expect(JSON.stringify(r.model!.virtualServers)).not.toMatch(/snmp|web/);
  });

  it('the SNMP checker agent that would show it is still refused as not implemented', () => {
    const r = load(vs(' enable_snmp_checker\n'));
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([expect.stringContaining("'enable_snmp_checker'")]);
  });

  it('the registry says no effect, with the reason', () => {
    expect(keywordsMarkdown()).toMatch(/snmp_name.*no effect/);
  });
});
