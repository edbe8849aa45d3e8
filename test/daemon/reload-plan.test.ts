import { parseConfigText } from '../../src/config/load';
import type { Model } from '../../src/config/model';
import { formatReloadPlan, planTrackerReload, planVrrpReload } from '../../src/daemon/reload-plan';

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

  it('a tracked file or process whose block changed updates the instances tracking it, and is watched afresh', () => {
    const blocks = (path: string, proc: string) => `track_file tf {\n file ${path}\n}\nvrrp_track_process tp {\n process ${proc}\n}\n`;
    const body = ['track_file {', ' tf', '}', 'track_process {', ' tp', '}'];
    const a = model(blocks('/run/a', 'nginx') + inst('VI_1', 51, body) + inst('VI_2', 52));
    expect(planVrrpReload(a, model(blocks('/run/a', 'nginx') + inst('VI_1', 51, body) + inst('VI_2', 52))).keep).toEqual(['VI_1', 'VI_2']);
    const b = model(blocks('/run/b', 'nginx') + inst('VI_1', 51, body) + inst('VI_2', 52));
    expect(planVrrpReload(a, b)).toMatchObject({ keep: ['VI_2'], update: [{ name: 'VI_1' }] });
    expect(planTrackerReload(a, b)).toEqual({ stop: ['track_file tf (/run/a)'], start: ['track_file tf (/run/b)'] });
    const c = model(blocks('/run/a', 'haproxy') + inst('VI_1', 51, body) + inst('VI_2', 52));
    expect(planTrackerReload(a, c)).toEqual({ stop: ['vrrp_track_process tp (nginx)'], start: ['vrrp_track_process tp (haproxy)'] });
    const lines = formatReloadPlan({ configFile: 'k.conf', preview: true, lvs: null, engines: [], vrrp: { unchanged: ['VI_1'], changes: [], trackers: { stop: ['vrrp_track_process tp (nginx)'], start: ['vrrp_track_process tp (haproxy): quorum held'] } } });
    expect(lines.slice(-2)).toEqual(['  stop watching vrrp_track_process tp (nginx)', '  start watching vrrp_track_process tp (haproxy): quorum held']);
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

describe('reload plan text (halo reload and the daemon log)', () => {
  const { formatReloadPlan } = jest.requireActual('../../src/daemon/reload-plan') as typeof import('../../src/daemon/reload-plan');
  const plan = {
    configFile: '/etc/keepalived/keepalived.conf',
    preview: true,
    engines: [],
    vrrp: {
      unchanged: ['VI_4'],
      changes: [
        { name: 'VI_2', change: 'stop' as const, state: 'MASTER', after: null, effects: ['advert with priority 0', 'remove VIP 192.168.77.210/24 dev eth0'] },
        { name: 'VI_1', change: 'update' as const, state: 'MASTER', after: 'MASTER', effects: ['add VIP 192.168.77.202/24 dev eth0'] },
        { name: 'VI_3', change: 'start' as const, state: 'INIT', after: null, effects: [] },
      ],
    },
    lvs: {
      ipvs: [{ op: 'adding service TCP 10.0.0.1:80 (rr)' }, { op: 'deleting service TCP 10.0.0.2:80', error: 'ESRCH deleting service TCP 10.0.0.2:80' }],
      events: [],
      checkersStarted: ['TCP_CHECK [10.0.100.4]:tcp:80'],
      checkersStopped: [],
    },
  };

  it('lists instances, VIPs, IPVS operations and checkers; preview and applied differ only in the header', () => {
    const preview = formatReloadPlan(plan);
    expect(preview).toEqual([
      'Reload plan for /etc/keepalived/keepalived.conf (preview, nothing applied)',
      'VRRP: 1 started, 1 stopped, 1 updated, 0 restarted, 1 unchanged',
      '  stop VI_2 (MASTER)',
      '    advert with priority 0',
      '    remove VIP 192.168.77.210/24 dev eth0',
      '  update VI_1 (MASTER)',
      '    add VIP 192.168.77.202/24 dev eth0',
      '  start VI_3 (INIT)',
      '  unchanged: VI_4',
      'IPVS: 2 operations (1 failed)',
      '  adding service TCP 10.0.0.1:80 (rr)',
      '  deleting service TCP 10.0.0.2:80: ESRCH deleting service TCP 10.0.0.2:80',
      'Checkers: 1 started, 0 stopped',
      '  start TCP_CHECK [10.0.100.4]:tcp:80',
    ]);
    const applied = formatReloadPlan({ ...plan, preview: false });
    expect(applied[0]).toBe('Reload plan for /etc/keepalived/keepalived.conf (applied)');
    expect(applied.slice(1)).toEqual(preview.slice(1));
  });
});

describe('halo reload requests (worker)', () => {
  const { reloadRequest } = jest.requireActual('../../src/daemon/worker') as typeof import('../../src/daemon/worker');
  const director = { planReload: jest.fn(async (f: string) => `plan ${f}`), reload: jest.fn(async () => 'applied') };

  it('a preview may name any file (resolved), by default the running one', async () => {
    await expect(reloadRequest(director as never, '/etc/k.conf', { plan: true, file: '/tmp/new.conf' })).resolves.toBe('plan /tmp/new.conf');
    await expect(reloadRequest(director as never, '/etc/k.conf', { plan: true })).resolves.toBe('plan /etc/k.conf');
  });

  it('applying re-reads the running file; another file is refused with a way forward', async () => {
    await expect(reloadRequest(director as never, '/etc/k.conf', {})).resolves.toBe('applied');
    await expect(reloadRequest(director as never, '/etc/k.conf', { file: '/etc/k.conf' })).resolves.toBe('applied');
    expect(() => reloadRequest(director as never, '/etc/k.conf', { file: '/tmp/new.conf' })).toThrow(
      'the daemon runs /etc/k.conf; put /tmp/new.conf in its place first, or preview it with --plan',
    );
  });
});
