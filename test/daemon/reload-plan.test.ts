import { parseConfigText } from '../../src/config/load';
import type { Model } from '../../src/config/model';
import { planVrrpReload } from '../../src/daemon/reload-plan';

function model(text: string): Model {
  const r = parseConfigText(text, '/etc/keepalived/keepalived.conf');
  if (!r.model) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.model;
}

const inst = (name: string, vrid: number, body: string[] = [], vips = ['192.168.77.200/24']) =>
  `vrrp_instance ${name} {\n state BACKUP\n interface eth0\n virtual_router_id ${vrid}\n priority 100\n${body.map((l) => ` ${l}\n`).join('')} virtual_ipaddress {\n${vips.map((v) => `  ${v}\n`).join('')} }\n}\n`;

describe('reload plan (keepalived clear_diff_vrrp / restore_vrrp_state)', () => {
  it('an identical instance is kept, even when it moved within the file', () => {
    const a = model(inst('VI_1', 51));
    const b = model(`# a comment that shifts every line\n\n${inst('VI_1', 51)}`);
    expect(planVrrpReload(a, b)).toEqual({ keep: ['VI_1'], update: [], remove: [], add: [] });
  });

  it('changed VIPs are an update listing exactly the added and removed addresses', () => {
    const a = model(inst('VI_1', 51, [], ['192.168.77.200/24', '192.168.77.201/24']));
    const b = model(inst('VI_1', 51, [], ['192.168.77.201/24', '192.168.77.202/24']));
    const p = planVrrpReload(a, b);
    expect(p.keep).toEqual([]);
    expect(p.update).toHaveLength(1);
    expect(p.update[0].vipsAdded.map((v) => v.address)).toEqual(['192.168.77.202']);
    expect(p.update[0].vipsRemoved.map((v) => v.address)).toEqual(['192.168.77.200']);
  });

  it('a priority change keeps the instance (update) with no VIP churn', () => {
    const p = planVrrpReload(model(inst('VI_1', 51)), model(inst('VI_1', 51).replace('priority 100', 'priority 120')));
    expect(p.update).toEqual([{ name: 'VI_1', vipsAdded: [], vipsRemoved: [] }]);
  });

  it('a new VRID is a different virtual router: remove and add', () => {
    expect(planVrrpReload(model(inst('VI_1', 51)), model(inst('VI_1', 52)))).toEqual({ keep: [], update: [], remove: ['VI_1'], add: ['VI_1'] });
  });

  it('instances appear and disappear by name', () => {
    const a = model(inst('VI_1', 51) + inst('VI_2', 52, [], ['192.168.77.210/24']));
    const b = model(inst('VI_1', 51) + inst('VI_3', 53, [], ['192.168.77.220/24']));
    expect(planVrrpReload(a, b)).toEqual({ keep: ['VI_1'], update: [], remove: ['VI_2'], add: ['VI_3'] });
  });

  it('a global default every instance inherits turns keeps into updates', () => {
    const a = model(inst('VI_1', 51));
    const b = model(`global_defs {\n vrrp_garp_master_repeat 3\n}\n${inst('VI_1', 51)}`);
    expect(planVrrpReload(a, b).update.map((u) => u.name)).toEqual(['VI_1']);
  });
});
