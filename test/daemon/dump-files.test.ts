/**
 * Where D-Bus PrintData / PrintStats write (src/daemon/dump-files.ts), as keepalived 2.2.7 names
 * its dump files: $TMPDIR when absolute, else /tmp (lib/utils.c set_tmp_dir); keepalived.data
 * named after net_namespace and instance with data_use_instance (global_data.c open_dump_file);
 * keepalived.stats never (vrrp_print.c).
 */
import { dumpFile, tmpDir, tmpFile } from '../../src/daemon/dump-files';
import { messages, model } from '../config/helpers';

const none = { dataUseInstance: false, instanceName: null, netNamespace: null };

describe('dump file paths', () => {
  it.each([
    [{}, '/tmp'],
    [{ TMPDIR: '/var/tmp/t1' }, '/var/tmp/t1'],
    [{ TMPDIR: 'relative/dir' }, '/tmp'],
    [{ TMPDIR: '' }, '/tmp'],
  ])('TMPDIR %j: %s', (env, dir) => {
    expect(tmpDir(env)).toBe(dir);
  });

  it.each([
    [none, '/t/keepalived.data'],
    [{ ...none, instanceName: 'i1' }, '/t/keepalived.data'],
    [{ ...none, dataUseInstance: true }, '/t/keepalived.data'],
    [{ ...none, dataUseInstance: true, instanceName: 'i1' }, '/t/keepalived.i1.data'],
    [{ ...none, dataUseInstance: true, netNamespace: 'blue' }, '/t/keepalived.blue.data'],
    [{ dataUseInstance: true, instanceName: 'i1', netNamespace: 'blue' }, '/t/keepalived.blue_i1.data'],
  ])('keepalived.data with %j: %s', (naming, path) => {
    expect(dumpFile('/t', 'keepalived.data', naming)).toBe(path);
  });

  it('keepalived_parent.data keeps its base name; the stats file is never renamed', () => {
    expect(dumpFile('/t', 'keepalived_parent.data', { dataUseInstance: true, instanceName: 'i1', netNamespace: null })).toBe('/t/keepalived_parent.i1.data');
    expect(tmpFile('/t', 'keepalived.stats')).toBe('/t/keepalived.stats');
  });

  it.each([
    ['', false, []],
    ['data_use_instance', true, []],
    ['data_use_instance on', true, []],
    ['data_use_instance no', false, []],
    ['data_use_instance maybe', false, ["2:20: warning: Invalid value 'maybe' for global date_use_instance specified"]],
  ])('global_defs %j: data_use_instance %s', (line, value, warnings) => {
    const text = `global_defs {\n ${line}\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n`;
    expect(model(text).globalDefs.dataUseInstance).toBe(value);
    expect(messages(text)).toEqual(warnings);
  });
});
