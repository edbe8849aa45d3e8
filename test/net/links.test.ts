import { rt } from 'netlink';
import { LinkState, LinkTable, addressEventOf, linkStateOf } from '../../src/net/links';

const link = (name: string, index: number, up: boolean, more: Partial<LinkState> = {}): LinkState => ({
  name,
  index,
  mac: '02:00:00:00:00:01',
  adminUp: up,
  running: up,
  operstate: up ? 'up' : 'down',
  up,
  flags: up ? 0x11043 : 0x1003,
  ...more,
});

describe('LinkTable: kernel link messages to up/down transitions (pure)', () => {
  it('reports a link the first time, then only when `up` flips', () => {
    const t = new LinkTable();
    expect(t.update(link('eth0', 2, true))).toEqual({ kind: 'change', link: link('eth0', 2, true) });
    expect(t.update(link('eth0', 2, true, { operstate: 'unknown' }))).toBeNull();
    expect(t.update(link('eth0', 2, false, { adminUp: true }))).toMatchObject({ kind: 'change', link: { up: false, adminUp: true } });
    expect(t.update(link('eth0', 2, false))).toBeNull();
    expect(t.update(link('eth0', 2, true))).toMatchObject({ link: { up: true } });
  });

  it('reports a removed link as down, once', () => {
    const t = new LinkTable();
    t.update(link('eth1', 3, true));
    expect(t.remove(link('eth1', 3, true))).toMatchObject({ kind: 'removed', link: { name: 'eth1', up: false } });
    expect(t.remove(link('eth1', 3, true))).toBeNull();
  });

  it('a rename keeps the index: the new name is a new link, the old name is forgotten', () => {
    const t = new LinkTable();
    t.update(link('eth2', 4, true));
    expect(t.update(link('wan0', 4, true))).toMatchObject({ kind: 'change', link: { name: 'wan0' } });
    expect(t.remove(link('eth2', 4, true))).toBeNull();
  });
});

describe('decoding rtnetlink messages (netlink package structs)', () => {
  it('IFF_UP + IFF_RUNNING, IFLA_OPERSTATE and the MAC', () => {
    const msg: rt.LinkMessage = {
      kind: 'link',
      data: { index: 5, flags: { up: true, running: true, broadcast: true } },
      attrs: { ifname: 'eth0', address: Buffer.from('5e9b4774bcc7', 'hex'), operstate: 6 },
    };
    expect(linkStateOf(msg)).toEqual({ name: 'eth0', index: 5, mac: '5e:9b:47:74:bc:c7', adminUp: true, running: true, operstate: 'up', up: true, flags: 0x43 });
    expect(linkStateOf({ ...msg, data: { index: 5, flags: { up: true } }, attrs: { ifname: 'eth0', operstate: 2 } })).toMatchObject({
      up: false,
      mac: null,
      operstate: 'down',
    });
  });

  it('RTM_NEWADDR vs RTM_DELADDR', () => {
    const msg: rt.AddressMessage = {
      kind: 'address',
      data: { family: 2, prefixlen: 32, index: 5 },
      attrs: { local: Buffer.from([192, 168, 77, 200]), label: 'eth0:vip' },
    };
    expect(addressEventOf(20, msg)).toEqual({ kind: 'added', index: 5, family: 4, address: '192.168.77.200', prefixLen: 32, label: 'eth0:vip' });
    expect(addressEventOf(21, msg)?.kind).toBe('removed');
  });
});

describe('LinkTable.resync after lost notifications (pure)', () => {
  it('reports what changed and what disappeared while notifications were lost, nothing else', () => {
    const t = new LinkTable();
    t.update(link('eth0', 2, true));
    t.update(link('eth1', 3, true));
    t.update(link('eth2', 4, false));
    const events = t.resync([link('eth0', 2, true), link('eth1', 3, false), link('eth3', 5, true)]);
    expect(events.map((e) => [e.kind, e.link.name, e.link.up])).toEqual([
      ['change', 'eth1', false],
      ['change', 'eth3', true],
      ['removed', 'eth2', false],
    ]);
    expect(t.resync([link('eth0', 2, true), link('eth1', 3, false), link('eth3', 5, true)])).toEqual([]);
  });
});
