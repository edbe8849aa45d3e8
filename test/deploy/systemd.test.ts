import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const UNIT = join(__dirname, '..', '..', 'deploy', 'systemd', 'halo.service');

describe('deploy/systemd/halo.service', () => {
  it('passes systemd-analyze verify', () => {
    const r = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8' });
    expect(r.error).toBeUndefined();
    expect(r.stderr.trim()).toBe('');
    expect(r.status).toBe(0);
  });

  it('runs halo in the foreground, reloads with SIGHUP, cleans up after any stop, with only the capabilities it needs', () => {
    const unit = readFileSync(UNIT, 'utf8');
    expect(unit).toMatch(/^ExecStart=.* run -f /m);
    expect(unit).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
    expect(unit).toMatch(/^ExecStopPost=.* cleanup -f /m);
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW/m);
    expect(unit).toMatch(/^Conflicts=keepalived\.service$/m);
  });
});
