/**
 * persistence_engine (keepalived 2.2.7 check_parser.c pengine_handler): the name goes to the
 * kernel as IPVS_SVC_ATTR_PE_NAME; keepalived keeps at most IP_VS_PENAME_MAXLEN (15) characters.
 * The kernel's table with `pe sip` beside keepalived's: test/integration/persistence-engine.vm.test.ts.
 */
import { buildDesired, initialCheckerUp } from '../../src/ipvs/desired';
import { diff } from '../../src/ipvs/reconcile';
import { load } from './helpers';

const conf = (line: string) => `virtual_server 10.0.0.1 5060 {\n protocol UDP\n lb_algo rr\n lb_kind NAT\n persistence_timeout 60\n${line}\n real_server 10.0.1.2 5060 {\n }\n}\n`;

describe('persistence_engine', () => {
  it('is the kernel service\'s persistence engine', () => {
    const m = load(conf(' persistence_engine sip')).model!;
    expect(m.virtualServers[0].persistenceEngine).toBe('sip');
    const services = buildDesired(m, initialCheckerUp, null).services;
    expect(services.map((s) => [s.peName, s.timeout])).toEqual([['sip', 60]]);
    expect(buildDesired(load(conf('')).model!, initialCheckerUp, null).services[0].peName).toBeUndefined();
  });

  it('a name longer than 15 characters is cut, with keepalived\'s warning', () => {
    const r = load(conf(' persistence_engine abcdefghijklmnopq'));
    expect(r.diagnostics.map((d) => d.message)).toEqual(['persistence_name too long, truncating - abcdefghijklmnopq']);
    expect(r.model!.virtualServers[0].persistenceEngine).toBe('abcdefghijklmno');
  });

  it('adding, changing or removing it is one edit-service', () => {
    const [withPe] = buildDesired(load(conf(' persistence_engine sip')).model!, initialCheckerUp, null).services;
    const [without] = buildDesired(load(conf('')).model!, initialCheckerUp, null).services;
    const opts = { owned: new Set<string>(), lvsFlush: false };
    expect(diff([withPe], [{ ...withPe }], opts).map((o) => o.op)).toEqual([]);
    expect(diff([withPe], [without], opts).map((o) => o.op)).toEqual(['edit-service']);
    expect(diff([without], [withPe], opts).map((o) => o.op)).toEqual(['edit-service']);
  });
});
