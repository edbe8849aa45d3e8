/**
 * What keepalived 2.2.7 tells around a reload and when a MASTER hears a lower priority, as pure
 * parts: notify_deleted / notify_master_rx_lower_pri as vrrp_parser.c reads them, the removal
 * notifies of clear_diff_vrrp / send_instance_notifies, and the lines
 * fifo_write_vrrp_states_on_reload writes (beside keepalived: test/integration/notify-reload.netns).
 */
import { reloadStateLines } from '../../src/alert/notify-fifo-lines';
import { removalNotifies } from '../../src/vrrp/removal';
import type { VrrpAction } from '../../src/vrrp/types';
import { messages, model } from '../config/helpers';

const vi = (body: string) => `global_defs {\n enable_script_security\n script_user root\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n${body} virtual_ipaddress {\n  10.0.0.1\n }\n}\n`;
const warnings = (text: string) => messages(text).map((m) => m.replace(/^\d+:\d+: /, ''));

describe('keywords', () => {
  it('notify_deleted with and without a script; notify_master_rx_lower_pri; the first of each kept', () => {
    const text = vi(' notify_deleted /bin/gone\n notify_deleted /bin/again\n notify_master_rx_lower_pri "/bin/low -x"\n notify_master_rx_lower_pri /bin/other\n');
    const n = model(text).vrrpInstances[0].notify;
    expect(n).toMatchObject({ sendDeleted: true, notifyDeleted: ['/bin/gone'], notifyMasterRxLowerPri: ['/bin/low', '-x'] });
    expect(warnings(text)).toEqual(expect.arrayContaining([
      'warning: (VI_1) notify_deleted already specified - ignoring /bin/again',
      'warning: (VI_1) notify_master_rx_lower_pri script already specified - ignoring /bin/other',
    ]));
    const bare = model(vi(' notify_deleted\n')).vrrpInstances[0].notify;
    expect(bare.sendDeleted).toBe(true);
    expect(bare.notifyDeleted ?? null).toBeNull();
    expect(model(vi('')).vrrpInstances[0].notify.sendDeleted).toBeUndefined();
  });

  it('rs_init_notifies [true|false] (check_true_false; a bad word reported, the setting kept)', () => {
    const g = (line: string) => model(`global_defs {\n ${line}\n}\n` + vi('').replace(/^global_defs \{[^}]*\}\n/, '')).globalDefs.rsInitNotifies;
    expect(g('rs_init_notifies')).toBe(true);
    expect(g('rs_init_notifies off')).toBe(false);
    expect(g('rs_init_notifies maybe')).toBeUndefined();
    expect(warnings('global_defs {\n rs_init_notifies maybe\n}\n')).toContain("warning: Invalid value 'maybe' for global rs_init_notifies specified");
  });

  it('fifo_write_vrrp_states_on_reload', () => {
    expect(model('global_defs {\n fifo_write_vrrp_states_on_reload\n}\n' + vi('')).globalDefs.fifoWriteVrrpStatesOnReload).toBe(true);
    expect(model(vi('')).globalDefs.fifoWriteVrrpStatesOnReload).toBeUndefined();
  });
});

describe('an instance removed by a reload', () => {
  const stop: VrrpAction[] = [
    { type: 'log', level: 'info', message: '(VI_1) sent 0 priority' },
    { type: 'notify', kind: 'INSTANCE', name: 'VI_1', state: 'STOP', priority: 97 },
  ];
  it('notify_deleted: DELETED, with its own script', () => {
    expect(removalNotifies(stop, 'VI_1', true, false)[1]).toEqual({ type: 'notify', kind: 'INSTANCE', name: 'VI_1', state: 'DELETED', priority: 97 });
    expect(removalNotifies(stop, 'VI_1', true, true)[1]).toMatchObject({ state: 'DELETED' });
  });
  it('without: FAULT, but with DELETED\'s own script (none); in FAULT already: nothing', () => {
    expect(removalNotifies(stop, 'VI_1', false, false)[1]).toEqual({ type: 'notify', kind: 'INSTANCE', name: 'VI_1', state: 'FAULT', priority: 97, scriptOf: 'DELETED' });
    expect(removalNotifies(stop, 'VI_1', false, true)).toEqual([stop[0]]);
  });
});

describe('fifo_write_vrrp_states_on_reload lines', () => {
  it('the groups, then the instances not MASTER, in the order given', () => {
    expect(reloadStateLines(
      [{ name: 'VG1', state: 'BACKUP' }, { name: 'VG2', state: 'MASTER' }, { name: 'VG3', state: 'INIT' }],
      [{ name: 'VI_1', state: 'MASTER', priority: 100 }, { name: 'VI_2', state: 'BACKUP', priority: 90 }, { name: 'VI_3', state: 'FAULT', priority: 80 }],
    )).toEqual(['GROUP "VG1" BACKUP 0\n', 'GROUP "VG2" MASTER 0\n', 'INSTANCE "VI_2" BACKUP 90\n', 'INSTANCE "VI_3" FAULT 80\n']);
  });
});
