/** Maintainer scripts of real Debian 12 packages (test/fixtures/debian), read without running them. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scriptEffects } from './maintainer-scripts.js';

const fixture = (name: string): string => readFileSync(new URL(`../../../test/fixtures/debian/${name}`, import.meta.url), 'utf8');
const unique = (items: Array<{ path: string }>): string[] => [...new Set(items.map((i) => i.path))].sort();

describe('scriptEffects on real maintainer scripts', () => {
  it("nginx-common's postinst: debhelper enables and starts nginx.service; its own code may link the default site", () => {
    const e = scriptEffects(fixture('nginx-common.postinst'));
    expect(e.services.filter((s) => s.certain && !s.sysv)).toEqual([
      { unit: 'nginx.service', action: 'enable', certain: true, sysv: false },
      { unit: 'nginx.service', action: 'start', certain: true, sysv: false },
    ]);
    expect(unique(e.paths)).toEqual([
      '/etc/nginx/sites-available/default',
      '/etc/nginx/sites-enabled/default',
      '/usr/share/nginx/html/index.html',
      '/var/log/nginx',
      '/var/log/nginx/access.log',
      '/var/log/nginx/error.log',
      '/var/www/html',
      '/var/www/html/index.nginx-debian.html',
    ]);
    // What it only tests ([ -d /etc/nginx/sites-enabled ]) it does not change.
    expect(unique(e.paths)).not.toContain('/etc/nginx/sites-enabled');
    expect(e.trees).toEqual([]);
  });

  it("nginx's postinst: its own (re)starts are not certain", () => {
    const e = scriptEffects(fixture('nginx.postinst'));
    expect(e.services.map((s) => `${s.action} ${s.unit} ${s.certain}`)).toEqual(['restart nginx false', 'restart nginx false', 'restart nginx false', 'start nginx false']);
  });

  it("cron's postinst: the sysv start is skipped for the native unit, which debhelper enables and starts", () => {
    const e = scriptEffects(fixture('cron.postinst'));
    expect(e.services).toEqual([
      { unit: 'cron', action: 'enable', certain: true, sysv: true },
      { unit: 'cron', action: 'start', certain: true, sysv: true, skipNative: true },
      { unit: 'cron.service', action: 'enable', certain: true, sysv: false },
      { unit: 'cron.service', action: 'start', certain: true, sysv: false },
    ]);
    expect(unique(e.paths)).toEqual(['/usr/bin/crontab']);
  });

  it("mariadb-server's preinst creates the mysql group and user", () => {
    const e = scriptEffects(fixture('mariadb-server.preinst'));
    expect(e.accounts).toEqual([
      { kind: 'group', name: 'mysql', command: 'addgroup' },
      { kind: 'user', name: 'mysql', command: 'adduser' },
    ]);
    expect(unique(e.trees)).toContain('/var/lib/mysql');
  });

  it("mariadb-server's postinst: the data directory may change in full, /etc/mysql only where it names a file", () => {
    const e = scriptEffects(fixture('mariadb-server.postinst'));
    expect(e.tmpfiles).toEqual(['mariadb.conf']);
    expect(unique(e.trees)).toEqual(['/etc/logrotate.d/mysql-server', '/etc/logrotate.d/mysql-server.dpkg-bak', '/usr/share/mysql', '/var/lib/mysql', '/var/lib/mysql/debian-*', '/var/log/mysql']);
    expect(unique(e.paths).filter((p) => p.startsWith('/etc/mysql'))).toEqual(['/etc/mysql', '/etc/mysql/debian.cnf']);
    expect(e.services.filter((s) => s.certain && !s.sysv).map((s) => `${s.action} ${s.unit}`)).toEqual(['enable mariadb.service', 'start mariadb.service']);
  });

  it("ufw's postinst may change anything in /etc/ufw", () => {
    expect(unique(scriptEffects(fixture('ufw.postinst')).trees)).toContain('/etc/ufw');
  });
});

describe('scriptEffects on snippets', () => {
  it.each([
    ['adduser with a computed name', 'adduser --system "$USER"', { accounts: [{ kind: 'user', command: 'adduser' }] }],
    ['adduser --group makes the group too', 'adduser --system --group --home /var/lib/x svc', { accounts: [{ kind: 'user', name: 'svc', command: 'adduser' }, { kind: 'group', name: 'svc', command: 'adduser' }] }],
    ['adduser USER GROUP only adds a member', 'adduser www-data ssl-cert', { accounts: [] }],
    ['a redirect writes', 'echo x > /etc/x.conf', { paths: [{ path: '/etc/x.conf', command: 'echo' }] }],
    ['sed -i writes its files, not its script', "sed -i 's/a/b/' /etc/a", { paths: [{ path: '/etc/a', command: 'sed' }] }],
    ['sed without -i reads', "sed 's/a/b/' /etc/a", { paths: [] }],
    ['rm -rf a tree', 'rm -rf /var/cache/x', { trees: [{ path: '/var/cache/x', command: 'rm' }] }],
    ['systemd-sysusers', 'systemd-sysusers x.conf', { sysusers: true }],
  ])('%s', (_, script, expected) => {
    expect(scriptEffects(script)).toMatchObject(expected);
  });
});
