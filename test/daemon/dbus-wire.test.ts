/**
 * The D-Bus codec against golden bytes: keepalived 2.2.7's own messages (GDBus 2.74) as
 * dbus-daemon 1.14 relayed them, captured with `dbus-monitor --binary` on a private bus while
 * keepalived ran BACKUP → MASTER → stop (the bus appended each sender field).
 */
import { decodeMessage, encodeMessage, messageLength, splitSignature, type Message } from '../../src/daemon/dbus/wire';
import { socketPathOf } from '../../src/daemon/dbus/bus';
import { instanceObjectPath, introspect, objectRoot, stateString, vrrpObjectPath, INSTANCE_INTERFACE, VRRP_INTERFACE } from '../../src/daemon/dbus/objects';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

const VRRP_STARTED = hex(`6c04010100000000020000007600000001016f001a0000002f6f72672f6b656570616c697665642f56727270312f56727270
  00000000000002017300190000006f72672e6b656570616c697665642e56727270312e5672727000000000000000030173000b000000
  5672727053746172746564000000000007017300050000003a312e3330000000`);
const STATUS_CHANGE_MASTER = hex(`6c04010104000000050000009600000001016f002b0000002f6f72672f6b656570616c697665642f56727270312f496e73
  74616e63652f646276302f35312f495076340000000000020173001d0000006f72672e6b656570616c697665642e56727270312e496e
  7374616e636500000008016700017500000301730010000000567272705374617475734368616e67650000000000000000070173000500
  00003a312e333000000002000000`);
const GET_STATE_REPLY = hex(`6c02010117000000060000002e00000006017300050000003a312e333100000008016700017600000501750002000000070173
  00050000003a312e3330000000042875732900000002000000060000004d617374657200`);

describe('D-Bus wire codec', () => {
  it('decodes keepalived\'s VrrpStatusChange (MASTER = 2)', () => {
    expect(messageLength(STATUS_CHANGE_MASTER)).toBe(STATUS_CHANGE_MASTER.length);
    const m = decodeMessage(STATUS_CHANGE_MASTER);
    expect(m).toMatchObject({
      type: 4, flags: 1, serial: 5, path: '/org/keepalived/Vrrp1/Instance/dbv0/51/IPv4', interface: 'org.keepalived.Vrrp1.Instance',
      member: 'VrrpStatusChange', signature: 'u', sender: ':1.30', body: [2],
    });
    // the same message encoded (in our header field order) decodes to the same thing and has the same body
    const again = encodeMessage(m);
    expect(decodeMessage(again)).toEqual(m);
    expect(again.subarray(-4)).toEqual(STATUS_CHANGE_MASTER.subarray(-4));
  });

  it('encodes a signal without arguments byte for byte as GDBus + dbus-daemon', () => {
    const m: Message = { type: 4, flags: 1, serial: 2, path: '/org/keepalived/Vrrp1/Vrrp', interface: 'org.keepalived.Vrrp1.Vrrp', member: 'VrrpStarted', sender: ':1.30', body: [] };
    expect(encodeMessage(m).toString('hex')).toBe(VRRP_STARTED.toString('hex'));
    expect(decodeMessage(VRRP_STARTED)).toEqual(m);
  });

  it('codes the State property reply (a variant holding (us)) as keepalived sends it', () => {
    const m = decodeMessage(GET_STATE_REPLY);
    expect(m).toMatchObject({ type: 2, replySerial: 2, destination: ':1.31', signature: 'v', body: [{ signature: '(us)', value: [2, 'Master'] }] });
    const body = GET_STATE_REPLY.subarray(GET_STATE_REPLY.length - 0x17);
    expect(encodeMessage(m).subarray(-0x17)).toEqual(body);
  });

  it('codes arrays, dicts, structs and alignment (round trip)', () => {
    const m: Message = {
      type: 2, flags: 1, serial: 9, replySerial: 3, signature: 'a{sv}asyb(us)',
      body: [[['Name', { signature: '(s)', value: ['VI_1'] }], ['State', { signature: '(us)', value: [1, 'Backup'] }]], ['a', 'bc'], 7, true, [98, 'Stop']],
    };
    expect(decodeMessage(encodeMessage(m))).toEqual(m);
    expect(decodeMessage(encodeMessage({ ...m, signature: 'a{sv}', body: [[]] })).body).toEqual([[]]);
  });

  it('refuses truncated messages and bad signatures with a clear error', () => {
    expect(() => decodeMessage(STATUS_CHANGE_MASTER.subarray(0, 100))).toThrow(/truncated/);
    expect(() => splitSignature('(us')).toThrow(/unclosed/);
    expect(() => splitSignature('uz')).toThrow(/bad type code at 1/);
    expect(messageLength(STATUS_CHANGE_MASTER.subarray(0, 10))).toBeNull();
  });
});

describe('D-Bus addresses and keepalived\'s objects', () => {
  it('finds the socket of a unix address as GIO does', () => {
    expect(socketPathOf('unix:path=/tmp/db/bus.sock,guid=432bf9')).toBe('/tmp/db/bus.sock');
    expect(socketPathOf('tcp:host=x,port=1;unix:abstract=/tmp/dbus-x')).toBe('\0/tmp/dbus-x');
    expect(() => socketPathOf('tcp:host=x,port=1')).toThrow(/no unix: address/);
  });

  it('builds keepalived\'s paths (set_valid_path, net_namespace and instance)', () => {
    expect(instanceObjectPath(objectRoot(null, null), 'eth0.10', 51, 4)).toBe('/org/keepalived/Vrrp1/Instance/eth0_10/51/IPv4');
    expect(vrrpObjectPath(objectRoot('ns1', 'lb'))).toBe('/org/keepalived/Vrrp1/ns1/lb/Vrrp');
    expect([0, 1, 2, 3, 97, 98, 5].map(stateString)).toEqual(['Init', 'Backup', 'Master', 'Fault', 'Deleted', 'Stop', 'Unknown']);
  });

  it('introspects the tree as GDBus does: children, then an object\'s interfaces', () => {
    const objects = new Map([['/org/keepalived/Vrrp1/Vrrp', VRRP_INTERFACE], ['/org/keepalived/Vrrp1/Instance/dbv0/51/IPv4', INSTANCE_INTERFACE]]);
    expect(introspect('/org/keepalived/Vrrp1', objects)).toContain('<node>\n  <node name="Vrrp"/>\n  <node name="Instance"/>\n</node>\n');
    expect(introspect('/', objects)).toContain('<node>\n  <node name="org"/>\n</node>\n');
    expect(introspect('/nope', objects)).toMatch(/<node>\n<\/node>\n$/);
    const leaf = introspect('/org/keepalived/Vrrp1/Instance/dbv0/51/IPv4', objects);
    expect(leaf).toContain('<property type="(us)" name="State" access="read">');
    expect(leaf).not.toContain('<node name=');
  });
});
