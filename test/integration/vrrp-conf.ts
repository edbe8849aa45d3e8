/** keepalived.conf text for the VRRP integration tests (the same file feeds halo and keepalived). */
export interface InstanceOpts {
  name?: string;
  state?: 'MASTER' | 'BACKUP';
  iface?: string;
  vrid?: number;
  priority?: number;
  version?: 2 | 3;
  advertInt?: number;
  vips?: string[];
  auth?: boolean;
  /** v2 authentication: PASS (the default) or AH, and its password (mypasswd). */
  authType?: 'PASS' | 'AH';
  authPass?: string;
  nopreempt?: boolean;
  preemptDelay?: number;
  unicastSrc?: string;
  unicastPeers?: string[];
  v3ChecksumAsV2?: boolean;
  extra?: string[];
}

export function instance(o: InstanceOpts): string {
  const version = o.version ?? 2;
  return [
    `vrrp_instance ${o.name ?? 'VI_1'} {`,
    `    state ${o.state ?? 'BACKUP'}`,
    `    interface ${o.iface ?? 'eth0'}`,
    `    virtual_router_id ${o.vrid ?? 51}`,
    `    priority ${o.priority ?? 100}`,
    `    advert_int ${o.advertInt ?? 1}`,
    `    version ${version}`,
    ...(o.auth !== false && version === 2 ? ['    authentication {', `        auth_type ${o.authType ?? 'PASS'}`, `        auth_pass ${o.authPass ?? 'mypasswd'}`, '    }'] : []),
    ...(o.nopreempt ? ['    nopreempt'] : []),
    ...(o.preemptDelay !== undefined ? [`    preempt_delay ${o.preemptDelay}`] : []),
    ...(o.unicastSrc ? [`    unicast_src_ip ${o.unicastSrc}`] : []),
    ...(o.unicastPeers ? ['    unicast_peer {', ...o.unicastPeers.map((p) => `        ${p}`), '    }'] : []),
    ...(o.v3ChecksumAsV2 ? ['    v3_checksum_as_v2'] : []),
    ...(o.extra ?? []).map((l) => `    ${l}`),
    '    virtual_ipaddress {',
    ...(o.vips ?? ['192.168.77.200/24']).map((v) => `        ${v}`),
    '    }',
    '}',
  ].join('\n');
}

export function conf(routerId: string, ...blocks: string[]): string {
  return [`global_defs {`, `    router_id ${routerId}`, '    script_user root', '    enable_script_security', '}', ...blocks, ''].join('\n');
}
