/**
 * The config text most netns tests start from: one BACKUP instance VI_1 on eth0, priority 100,
 * with one VIP `NET.VRID/24` (alone on its LAN it becomes MASTER), and a global_defs block.
 * Lines are returned unjoined so a test can put its own blocks around them.
 */
export interface LoneInstance {
  vrid: number;
  /** The first three octets of the VIP's network, e.g. '192.168.84'. */
  net: string;
  advertInt?: number;
  /** Lines put inside the instance before virtual_ipaddress, as written (indent them). */
  body?: string[];
}

export function loneBackupInstance(o: LoneInstance): string[] {
  return [
    'vrrp_instance VI_1 {',
    '    state BACKUP',
    '    interface eth0',
    `    virtual_router_id ${o.vrid}`,
    '    priority 100',
    `    advert_int ${o.advertInt ?? 1}`,
    ...(o.body ?? []),
    '    virtual_ipaddress {',
    `        ${o.net}.${o.vrid}/24`,
    '    }',
    '}',
  ];
}

/** `global_defs { … }` with each line indented once. */
export function globalDefs(lines: string[]): string[] {
  return ['global_defs {', ...lines.map((l) => `    ${l}`), '}'];
}
