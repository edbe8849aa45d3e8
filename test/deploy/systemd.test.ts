import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DEPLOY = join(__dirname, '..', '..', 'deploy');
const UNIT = join(DEPLOY, 'systemd', 'halo.service');

describe('deploy/systemd/halo.service', () => {
  it('passes systemd-analyze verify (with /usr/sbin/halo and the man pages where the package puts them)', () => {
    // The unit names the packaged command and man pages; here they live in a scratch directory
    // (the package test verifies the installed unit as it is).
    const dir = mkdtempSync(join(tmpdir(), 'halo-unit-'));
    try {
      const halo = join(dir, 'halo');
      writeFileSync(halo, '#!/bin/sh\n');
      chmodSync(halo, 0o755);
      for (const [page, sect] of [['halo.8', 'man8'], ['halo.conf.5', 'man5']]) {
        mkdirSync(join(dir, 'man', sect), { recursive: true });
        writeFileSync(join(dir, 'man', sect, page), readFileSync(join(DEPLOY, 'man', page), 'utf8'));
      }
      const unit = join(dir, 'halo.service');
      writeFileSync(unit, readFileSync(UNIT, 'utf8').replaceAll('/usr/sbin/halo', halo));
      const r = spawnSync('systemd-analyze', ['verify', unit], {
        encoding: 'utf8',
        env: { ...process.env, MANPATH: `${join(dir, 'man')}:/usr/share/man` },
      });
      expect(r.error).toBeUndefined();
      expect(r.stderr.trim()).toBe('');
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs halo in the foreground, reloads with SIGHUP, cleans up after any stop, with only the capabilities it needs', () => {
    const unit = readFileSync(UNIT, 'utf8');
    expect(unit).toMatch(/^ExecStartPre=\/usr\/sbin\/halo check -f \$\{HALO_CONF\} \$CHECK_ARGS$/m);
    expect(unit).toMatch(/^ExecStart=\/usr\/sbin\/halo run -f \$\{HALO_CONF\} .*\$DAEMON_ARGS$/m);
    expect(unit).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
    expect(unit).toMatch(/^ExecStopPost=\/usr\/sbin\/halo cleanup -f \$\{HALO_CONF\}$/m);
    expect(unit).toMatch(/^EnvironmentFile=-\/etc\/default\/halo$/m);
    expect(unit).toMatch(/^Environment=HALO_CONF=\/etc\/keepalived\/keepalived.conf$/m);
    expect(unit).toMatch(/^SyslogIdentifier=halo$/m);
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW/m);
    expect(unit).toMatch(/^Conflicts=keepalived\.service$/m);
  });
});
