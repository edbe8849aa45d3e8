'use strict';
/**
 * A keepalived.conf of about `targetLines` lines: vrrp_instances, then virtual_servers with
 * four real_servers each (TCP_CHECK), in the shape of the thesis's config. Deterministic,
 * and valid for both halo and keepalived -t (distinct VRIDs per interface, distinct VIPs).
 */
function generateConfig(targetLines, ifname = 'eth0') {
  const out = [];
  out.push('global_defs {', '    router_id bench', '}', '');
  // keepalived -t refuses interfaces that do not exist, and a VRID is unique per interface:
  // so at most 255 instances, all on one real interface (the caller picks one that exists).
  const instances = Math.min(255, Math.max(1, Math.floor(targetLines / 200)));
  for (let i = 0; i < instances; i++) {
    const vrid = (i % 255) + 1;
    out.push(
      `vrrp_instance VI_${i} {`,
      '    state BACKUP',
      `    interface ${ifname}`,
      `    virtual_router_id ${vrid}`,
      '    priority 100',
      '    advert_int 1',
      '    authentication {',
      '        auth_type PASS',
      '        auth_pass secret',
      '    }',
      '    virtual_ipaddress {',
      `        10.${200 + Math.floor(i / 65536)}.${Math.floor(i / 256) % 256}.${i % 256}/32`,
      '    }',
      '}',
      '',
    );
  }
  let v = 0;
  while (out.length < targetLines) {
    const a = `172.${16 + Math.floor(v / 65536) % 16}.${Math.floor(v / 256) % 256}.${v % 256}`;
    out.push(
      `virtual_server ${a} 80 {`,
      '    delay_loop 3',
      '    lb_algo rr',
      '    lb_kind NAT',
      '    protocol TCP',
    );
    for (let r = 0; r < 4; r++) {
      out.push(
        `    real_server 10.${Math.floor(v / 256) % 256}.${v % 256}.${r + 1} 80 {`,
        '        weight 1',
        '        TCP_CHECK {',
        '            connect_timeout 3',
        '        }',
        '    }',
      );
    }
    out.push('}', '');
    v++;
  }
  return out.join('\n') + '\n';
}

module.exports = { generateConfig };
