/**
 * net_namespace_ipvs [NAME] and namespace_with_ipsets (keepalived 2.2.7 global_parser.c): the
 * first net_namespace_ipvs counts, without a name it means the initial namespace; the IPVS
 * namespace path halo opens its sockets in (keepalived's open_ipvs_namespace).
 */
import { load } from './helpers';
import { ipvsNamespacePath } from '../../src/ipvs/ipvs-netns';

const VS = 'virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind DR\n real_server 10.9.9.9 80 {\n }\n}\n';

describe('net_namespace_ipvs', () => {
  it('names the IPVS namespace; the first one counts, a second is warned and ignored', () => {
    const r = load(`net_namespace_ipvs lvs\nnet_namespace_ipvs other\n${VS}`);
    expect(r.model?.globalDefs.netNamespaceIpvs).toBe('lvs');
    expect(r.diagnostics.map((d) => `${d.location.line}: ${d.severity}: ${d.message}`)).toEqual(['2: warning: Duplicate net_namespace_ipvs definition other - ignoring']);
    expect(r.diagnostics.some((d) => d.severity === 'error')).toBe(false);
  });

  it('without a name: the initial namespace; absent: halo\'s own', () => {
    expect(load(`net_namespace_ipvs\n${VS}`).model?.globalDefs.netNamespaceIpvs).toBe('');
    expect(load(VS).model?.globalDefs.netNamespaceIpvs).toBeUndefined();
    expect(ipvsNamespacePath('lvs')).toBe('/var/run/netns/lvs');
    expect(ipvsNamespacePath('')).toBe('/proc/1/ns/net');
    expect(ipvsNamespacePath(undefined)).toBeNull();
  });
});

describe('namespace_with_ipsets', () => {
  it('is accepted with no effect (Debian\'s keepalived has no ipset support; halo uses no ipsets), not refused', () => {
    const r = load(`namespace_with_ipsets\n${VS}`);
    expect(r.model).not.toBeNull();
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});
