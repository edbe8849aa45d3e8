/**
 * keepalived 2.2.7 without dynamic_interfaces (config/interfaces-check.ts): each interface the
 * VRRP side names that the host lacks is reported at its line with keepalived's words, then the
 * config is refused ("Non-existent interface specified in configuration"); with
 * dynamic_interfaces nothing is reported. The side-by-side run: missing-interface.netns.test.ts.
 */
import { parseConfigText } from '../../src/config/load';
import { formatDiagnostic } from '../../src/config/model';

const CONFIG = `static_ipaddress {
    192.168.80.1/24 dev nosuch3
}
static_routes {
    10.9.0.0/16 dev nosuch0
    10.8.0.0/16 dev eth0
    10.7.0.0/16 nexthop via 192.168.79.1 dev eth0 nexthop via 192.168.79.2 dev nosuch4
}
static_rules {
    from 1.2.3.4 oif nosuch5 table 5 priority 5
}
vrrp_sync_group G {
    group {
        VI_1
    }
    track_interface {
        nosuch6
    }
}
vrrp_instance VI_1 {
    interface eth0
    use_vmac vmac1
    virtual_router_id 61
    priority 100
    track_interface {
        eth0
        nosuch7
    }
    virtual_ipaddress {
        192.168.79.200/24
        192.168.78.200/24 dev nosuch8
    }
    virtual_routes {
        10.20.0.0/16 dev nosuch1
        10.21.0.0/16 dev vmac1
    }
    virtual_rules {
        from 1.2.3.5 iif nosuch2 table 5 priority 6
    }
}
vrrp_instance VI_2 {
    interface nosuch9
    virtual_router_id 62
    priority 100
    virtual_ipaddress {
        192.168.77.200/24
    }
}
`;

const load = (text: string, interfaces?: string[]) => parseConfigText(text, 'k.conf', { interfaces });
const errors = (text: string, interfaces?: string[]) => load(text, interfaces).diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);

describe('interfaces that do not exist (no dynamic_interfaces)', () => {
  it("reports each at its line in keepalived's words, then refuses the config", () => {
    const r = load(CONFIG, ['lo', 'eth0']);
    expect(r.model).toBeNull();
    expect(errors(CONFIG, ['lo', 'eth0'])).toEqual([
      'k.conf:0:0: error: Non-existent interface specified in configuration',
      "k.conf:2:5: error: WARNING - interface nosuch3 for ip address 192.168.80.1 doesn't exist",
      "k.conf:5:5: error: WARNING - interface nosuch0 for VROUTE nexthop doesn't exist",
      "k.conf:7:5: error: WARNING - interface nosuch4 for VROUTE nexthop doesn't exist",
      "k.conf:10:5: error: WARNING - interface nosuch5 for rule doesn't exist",
      "k.conf:12:1: error: (G) tracked interface nosuch6 doesn't exist",
      "k.conf:20:1: error: (VI_1) tracked interface nosuch7 doesn't exist",
      "k.conf:31:9: error: WARNING - interface nosuch8 for ip address 192.168.78.200 doesn't exist",
      "k.conf:34:9: error: WARNING - interface nosuch1 for VROUTE nexthop doesn't exist",
      "k.conf:38:9: error: WARNING - interface nosuch2 for rule doesn't exist",
      "k.conf:41:1: error: WARNING - interface nosuch9 for vrrp_instance VI_2 doesn't exist",
    ]);
  });

  it('accepts the config when every one exists, or under dynamic_interfaces, or when not asked to check', () => {
    const all = ['lo', 'eth0', ...Array.from({ length: 10 }, (_, i) => `nosuch${i}`)];
    expect(errors(CONFIG, all)).toEqual([]);
    const dynamic = `global_defs {\n    dynamic_interfaces\n}\n${CONFIG}`;
    expect(errors(dynamic, ['lo'])).toEqual([]);
    expect(load(dynamic, ['lo']).model?.globalDefs.dynamicInterfaces).toBe(true);
    expect(errors(CONFIG)).toEqual([]);
  });

  it("dynamic_interfaces takes allow_if_changes; another word is keepalived's warning", () => {
    const w = (arg: string) => load(`global_defs {\n    dynamic_interfaces ${arg}\n}\n`).diagnostics.map(formatDiagnostic);
    expect(w('allow_if_changes')).toEqual([]);
    expect(w('sometimes')).toEqual(["k.conf:2:24: warning: Unknown dynamic_interfaces option 'sometimes'"]);
  });
});
