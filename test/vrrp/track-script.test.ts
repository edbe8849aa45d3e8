/** vrrp_script rise/fall (keepalived.conf(5): `rise`, `fall`, `init_fail`). */
import { createScriptTracker, scriptResult } from '../../src/vrrp/track-script';
import { script } from './harness';

describe('script tracker', () => {
  it('init state unknown; rise 2 needs two consecutive successes', () => {
    const cfg = script('chk', { rise: 2, fall: 3 });
    let st = createScriptTracker(cfg);
    expect(st.up).toBeNull();
    let r = scriptResult(st, cfg, true);
    expect(r.changed).toBe(false);
    r = scriptResult(r.state, cfg, true);
    expect(r).toMatchObject({ changed: true, log: 'VRRP_Script(chk) succeeded', state: { up: true } });
    st = r.state;
  });
  it('fall 3: two failures are not enough, a success in between resets the count', () => {
    const cfg = script('chk', { rise: 1, fall: 3, initState: 'up' });
    let st = createScriptTracker(cfg);
    for (const ok of [false, false, true, false, false]) st = scriptResult(st, cfg, ok).state;
    expect(st.up).toBe(true);
    const r = scriptResult(st, cfg, false);
    expect(r).toMatchObject({ changed: true, log: 'VRRP_Script(chk) failed', state: { up: false } });
  });
  it('init_fail starts down', () => {
    expect(createScriptTracker(script('chk', { initState: 'down' })).up).toBe(false);
  });
});
