/**
 * keepalived 2.2.7's D-Bus objects (keepalived/vrrp/vrrp_dbus.c, keepalived/dbus/*.xml), as pure
 * data: object paths, the introspection XML GDBus generates for them, state codes and names.
 */

export const DBUS_SERVICE_NAME = 'org.keepalived.Vrrp1';
export const VRRP_INTERFACE = 'org.keepalived.Vrrp1.Vrrp';
export const INSTANCE_INTERFACE = 'org.keepalived.Vrrp1.Instance';
const OBJECT_ROOT = '/org/keepalived/Vrrp1';

/** keepalived's VRRP_STATE_* codes (vrrp.h), the `u` of VrrpStatusChange and State. */
export const STATE_CODE = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3, DELETED: 97, STOP: 98 } as const;
export type StateName = keyof typeof STATE_CODE;

/** state_str: the `s` of State. */
export function stateString(code: number): string {
  switch (code) {
    case 0: return 'Init';
    case 1: return 'Backup';
    case 2: return 'Master';
    case 3: return 'Fault';
    case 98: return 'Stop';
    case 97: return 'Deleted';
    default: return 'Unknown';
  }
}

export const familyString = (family: 4 | 6): string => (family === 4 ? 'IPv4' : 'IPv6');

/** set_valid_path: every character but A-Z a-z 0-9 becomes '_'. */
export const validPath = (s: string): string => s.replace(/[^A-Za-z0-9]/g, '_');

/** The path prefix: /org/keepalived/Vrrp1[/NETNS][/INSTANCE] (dbus_object_create_path_*). */
export function objectRoot(netNamespace: string | null, instanceName: string | null): string {
  return `${OBJECT_ROOT}${netNamespace ? `/${netNamespace}` : ''}${instanceName ? `/${instanceName}` : ''}`;
}

export const vrrpObjectPath = (root: string): string => `${root}/Vrrp`;

export function instanceObjectPath(root: string, ifname: string, vrid: number, family: 4 | 6): string {
  return `${root}/Instance/${validPath(ifname)}/${vrid}/${familyString(family)}`;
}

const DOCTYPE =
  '<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"\n' +
  '                      "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">\n' +
  '<!-- halo -->\n';

/** The standard interfaces GDBus adds to every registered object, as it prints them. */
const STANDARD_INTERFACES = `  <interface name="org.freedesktop.DBus.Properties">
    <method name="Get">
      <arg type="s" name="interface_name" direction="in"/>
      <arg type="s" name="property_name" direction="in"/>
      <arg type="v" name="value" direction="out"/>
    </method>
    <method name="GetAll">
      <arg type="s" name="interface_name" direction="in"/>
      <arg type="a{sv}" name="properties" direction="out"/>
    </method>
    <method name="Set">
      <arg type="s" name="interface_name" direction="in"/>
      <arg type="s" name="property_name" direction="in"/>
      <arg type="v" name="value" direction="in"/>
    </method>
    <signal name="PropertiesChanged">
      <arg type="s" name="interface_name"/>
      <arg type="a{sv}" name="changed_properties"/>
      <arg type="as" name="invalidated_properties"/>
    </signal>
  </interface>
  <interface name="org.freedesktop.DBus.Introspectable">
    <method name="Introspect">
      <arg type="s" name="xml_data" direction="out"/>
    </method>
  </interface>
  <interface name="org.freedesktop.DBus.Peer">
    <method name="Ping"/>
    <method name="GetMachineId">
      <arg type="s" name="machine_uuid" direction="out"/>
    </method>
  </interface>
`;

/**
 * keepalived's two interfaces (keepalived/dbus/*.xml; Vrrp as Debian's build, without
 * --enable-dbus-create-instance): what GDBus checks calls against and prints in Introspect.
 */
export const INTERFACES: Record<string, { methods: string[]; signals: Array<[string, ...Array<[string, string]>]>; properties: Record<string, string> }> = {
  [VRRP_INTERFACE]: { methods: ['PrintData', 'PrintStats', 'PrintStatsClear', 'ReloadConfig'], signals: [['VrrpStarted'], ['VrrpReloaded'], ['VrrpStopped']], properties: {} },
  [INSTANCE_INTERFACE]: { methods: ['SendGarp'], signals: [['VrrpStatusChange', ['u', 'status']]], properties: { Name: 's', State: '(us)' } },
};

/** An interface as GDBus prints one it parsed from keepalived's XML (each element closed on its own line). */
function interfaceXml(name: string): string {
  const i = INTERFACES[name];
  const out = [`  <interface name="${name}">`];
  for (const m of i.methods) out.push(`    <method name="${m}">`, '    </method>');
  for (const [signal, ...args] of i.signals) {
    out.push(`    <signal name="${signal}">`);
    for (const [type, arg] of args) out.push(`      <arg type="${type}" name="${arg}">`, '      </arg>');
    out.push('    </signal>');
  }
  for (const [p, type] of Object.entries(i.properties)) out.push(`    <property type="${type}" name="${p}" access="read">`, '    </property>');
  return `${out.join('\n')}\n  </interface>\n`;
}

/**
 * Introspect's answer at `path`, given every registered object (path → interface): the object's
 * interfaces when one is registered there, and a <node name=…/> per child path component.
 */
export function introspect(path: string, objects: ReadonlyMap<string, string>): string {
  const prefix = path === '/' ? '/' : `${path}/`;
  const children: string[] = [];
  for (const p of objects.keys()) {
    if (!p.startsWith(prefix)) continue;
    const child = p.slice(prefix.length).split('/')[0];
    if (child && !children.includes(child)) children.push(child);
  }
  const iface = objects.get(path);
  let body = '';
  if (iface !== undefined) body += STANDARD_INTERFACES + interfaceXml(iface);
  for (const c of children) body += `  <node name="${c}"/>\n`;
  return `${DOCTYPE}<node>\n${body}</node>\n`;
}
