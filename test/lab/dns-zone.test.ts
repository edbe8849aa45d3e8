import { forwardZone, namedArgv, namedConf, REVERSE_ZONE } from '../../src/lab/dns-zone';

describe('lab DNS server (bind9) config', () => {
  const conf = namedConf('dns2', '10.0.100.6', '/run/halo-lab/dns2');

  it('listens on the server address only, authoritative, no control channel, no NOTIFY', () => {
    expect(conf).toMatch(/listen-on port 53 \{ 10\.0\.100\.6; \};/);
    expect(conf).toMatch(/listen-on-v6 \{ none; \};/);
    expect(conf).toMatch(/recursion no;/);
    expect(conf).toMatch(/^controls \{ \};$/m);
    expect(conf).toMatch(/notify no;/);
  });

  it('keeps every file named reads or writes under its own directory', () => {
    const paths = [...conf.matchAll(/"(\/[^"]*)"/g)].map((m) => m[1]);
    expect(paths.length).toBeGreaterThanOrEqual(7);
    for (const p of paths) expect(p.startsWith('/run/halo-lab/dns2')).toBe(true);
  });

  it('serves the thesis zones, and whoami names this server', () => {
    expect(conf).toMatch(/zone "lab\.local" \{ type master; file "\/run\/halo-lab\/dns2\/rd\.lab\.local";/);
    expect(conf).toMatch(/zone "100\.0\.10\.in-addr\.arpa" \{ type master; file "\/run\/halo-lab\/dns2\/ri\.lab\.local";/);
    expect(forwardZone('dns2')).toMatch(/^whoami\s+IN TXT "dns2"$/m);
    expect(REVERSE_ZONE).toMatch(/^50\s+IN PTR standby$/m);
  });

  it('runs named in the foreground with its log on stderr and one worker thread', () => {
    expect(namedArgv('/d/named.conf')).toEqual(['named', '-g', '-n', '1', '-c', '/d/named.conf', '-u', 'root']);
  });

  it('refuses an id that would break the config', () => {
    expect(() => namedConf('dns"2', '10.0.100.6', '/tmp/x')).toThrow(/dns"2/);
  });
});
