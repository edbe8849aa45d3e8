/**
 * The Debian package, built from this checkout and judged as an operator would meet it:
 * deploy/build-deb.sh builds it and lintian finds no error; then, in a throw-away copy of this
 * machine (test/deploy/throwaway-root.sh: a private mount namespace, an overlay of / on a tmpfs,
 * chroot, with every checkout hidden), `dpkg -i` installs it beside Debian's keepalived,
 * `halo check` and `halo run` work from the installed files alone, the unit verifies, the man
 * pages and the completion work, and `dpkg -r` / `dpkg -P` leave nothing behind
 * (test/deploy/deb-in-root.sh does the steps and prints one "ok" line per check).
 * Root tier: mount namespaces and chroot need root.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeNeeding, root, tool } from '../support/prerequisites';

jest.setTimeout(600_000);

const ROOT = join(__dirname, '..', '..');
const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const arch = spawnSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).stdout.trim();
const DEB = join(ROOT, 'build', `halo_${version}_${arch}.deb`);

describeNeeding(root, tool('dpkg-deb', 'dpkg'), tool('lintian'), tool('unshare', 'util-linux'), tool('keepalived'), tool('man', 'man-db'))('Debian package', () => {
  let build: ReturnType<typeof spawnSync>;
  beforeAll(() => {
    build = spawnSync('bash', [join(ROOT, 'deploy', 'build-deb.sh'), '--no-deps'], { encoding: 'utf8', cwd: ROOT });
  });

  it('builds with deploy/build-deb.sh and lintian reports no error', () => {
    expect(build.stderr).not.toMatch(/^E: /m);
    expect(build.status).toBe(0);
    expect(build.stdout).toContain('build-deb: lintian: no errors');
    expect(existsSync(DEB)).toBe(true);
    const info = spawnSync('dpkg-deb', ['-f', DEB], { encoding: 'utf8' }).stdout;
    expect(info).toMatch(/^Depends: nodejs \(>= 18\), nodejs \(<< \d+~\), iproute2, nftables, libc6/m);
    // raw-socket (a nan addon) for Debian 12's nodejs 18 (ABI 108) and for the building node
    expect(build.stdout).toMatch(/raw-socket built for Node ABIs .*\b108\b/);
    expect(info).not.toMatch(/^(Conflicts|Breaks|Replaces):/m);
    const files = spawnSync('dpkg-deb', ['-c', DEB], { encoding: 'utf8' }).stdout;
    for (const f of ['./usr/sbin/halo', './lib/systemd/system/halo.service', './etc/default/halo',
      './usr/share/man/man8/halo.8.gz', './usr/share/man/man5/halo.conf.5.gz', './usr/share/bash-completion/completions/halo',
      './usr/lib/halo/dist/cli/main.js', './usr/lib/halo/native/build/Release/halo_native.node',
      './usr/share/halo/prometheus/halo-alerts.yml', './usr/share/halo/grafana/halo-dashboard.json'])
      expect(files).toContain(f);
    expect(files).not.toContain('./usr/lib/halo/dist/lab/');
    expect(files).not.toMatch(/node_modules\/(typescript|jest|ts-jest)\//);
  });

  const EXPECTED = (): Array<string | ReturnType<typeof expect.stringMatching>> => [
    expect.stringMatching(/^ok dpkg -i beside keepalived 1:2\.2\.7/),
    'ok halo.service not enabled on install',
    `ok halo --version: halo ${version}`,
    'ok halo check of /usr/share/doc/halo/examples/master.conf',
    expect.stringMatching(/^ok halo check of a bad file: exit 1, \/tmp\/bad\.conf:\d+:\d+: error: /),
    'ok halo lab: not part of this installation',
    'ok halo run from the package: MASTER, VIP added, removed on SIGTERM',
    'ok systemd-analyze verify halo.service',
    'ok man halo, man halo.conf',
    'ok bash completion',
    'ok dpkg -r: program gone, /etc/default/halo kept',
    'ok dpkg -P: nothing left',
  ];

  function inRoot(script: string): { status: number | null; report: string; oks: string[] } {
    const r = spawnSync('bash', [join(ROOT, 'test', 'deploy', 'throwaway-root.sh'), join(ROOT, 'test', 'deploy', script), DEB, join(ROOT, 'test', 'deploy', 'deb-in-root.sh')], { encoding: 'utf8' });
    return { status: r.status, report: `${r.stdout}\n${r.stderr}`, oks: r.stdout.split('\n').filter((l) => l.startsWith('ok ')) };
  }

  it('installs beside keepalived, runs from its own files, and is removed and purged cleanly', () => {
    const r = inRoot('deb-in-root.sh');
    if (r.status !== 0) throw new Error(`exit ${r.status}:\n${r.report}`);
    expect(r.oks).toEqual(EXPECTED());
  });

  it("does the same with Debian 12's own nodejs 18 (apt-get from the Debian archive)", () => {
    const r = inRoot('deb-node18-in-root.sh');
    if (r.status !== 0) throw new Error(`exit ${r.status}:\n${r.report}`);
    expect(r.oks[0]).toMatch(/^ok Debian's nodejs 18\.\d+\.\d+\S*: v18\./);
    expect(r.oks.slice(1)).toEqual(EXPECTED());
  });
});
