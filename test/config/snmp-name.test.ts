/**
 * snmp_name (virtual and real servers): keepalived 2.2.7 shows it only in KEEPALIVED-MIB's checker
 * tables (virtualServerName, realServerName), which halo serves with enable_snmp_checker.
 */
import { keywordsMarkdown } from '../../src/config/keywords';
import { load } from './helpers';

const vs = (globals: string) => `global_defs {\n${globals}}\nvirtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind NAT\n snmp_name web\n real_server 10.0.1.2 80 {\n  snmp_name web1\n }\n}\n`;

describe('snmp_name', () => {
  it('is accepted on virtual and real servers without a word, and kept for the MIB', () => {
    const r = load(vs(''));
    expect(r.diagnostics).toEqual([]);
    expect(r.model!.virtualServers[0].snmp?.name).toBe('web');
    expect(r.model!.virtualServers[0].realServers[0].snmp?.name).toBe('web1');
  });

  it('enable_snmp_checker, the agent that shows it, is accepted', () => {
    const r = load(vs(' enable_snmp_checker\n'));
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.model!.globalDefs.enableSnmpChecker).toBe(true);
  });

  it('the registry says acted on, and where it shows', () => {
    expect(keywordsMarkdown()).toMatch(/snmp_name.*acted on.*virtualServerName/);
  });
});
