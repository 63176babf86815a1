import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { debEffects, dependencyNames, installSection } from './deb-effects.js';
import type { DebEntry, DebPackage, Study } from './deb-study.js';

const fixture = (name: string): string => readFileSync(new URL(`../../../test/fixtures/debian/${name}`, import.meta.url), 'utf8');

const entry = (path: string, type: DebEntry['type'] = 'file', over: Partial<DebEntry> = {}): DebEntry => ({ path, type, mode: type === 'directory' ? '0755' : '0644', owner: 'root', group: 'root', size: 10, ...over });
const unitFile = (install: string): string => `[Unit]\nDescription=x\n[Service]\nExecStart=/bin/true\n${install}`;

function deb(name: string, over: Partial<DebPackage> = {}): DebPackage {
  return { name, version: '1.0', arch: 'all', before: 'not-installed', entries: [], conffiles: [], depends: '', scripts: {}, files: new Map(), ...over };
}

function study(installs: DebPackage[], over: Partial<Study> = {}): Study {
  return { systemd: true, policyRcD: false, usrMerged: false, helperState: new Set(), overrides: new Map(), installs, configureOrder: installs.map((d) => d.name), removals: [], errors: [], ...over };
}

/** nginx and nginx-common as Debian 12 ships them (their real postinsts), trimmed to what matters here. */
const nginxCommon = deb('nginx-common', {
  entries: [entry('/etc/nginx', 'directory'), entry('/etc/nginx/sites-enabled', 'directory'), entry('/etc/nginx/nginx.conf'), entry('/lib/systemd/system/nginx.service')],
  conffiles: ['/etc/nginx/nginx.conf'],
  scripts: { postinst: fixture('nginx-common.postinst') },
  files: new Map([
    ['/etc/nginx/nginx.conf', { sha256: 'abc', content: 'user www-data;\n' }],
    ['/lib/systemd/system/nginx.service', { sha256: 'def', content: unitFile('[Install]\nWantedBy=multi-user.target\n') }],
  ]),
});
const nginx = deb('nginx', { depends: 'libc6 (>= 2.34), nginx-common (<< 1.22.2)', scripts: { postinst: fixture('nginx.postinst') } });

describe('debEffects', () => {
  it('a declared package and the dependency it brings: files, conffiles, the unit debhelper enables and starts', () => {
    const effects = debEffects(study([nginxCommon, nginx]), [{ names: ['nginx'] }]);
    expect(effects.paths?.get('/etc/nginx/sites-enabled')).toEqual({ kind: 'directory', by: 'package nginx (nginx-common)', attributes: { owner: 'root', group: 'root', mode: '0755' } });
    expect(effects.paths?.get('/etc/nginx/nginx.conf')).toMatchObject({ kind: 'file', keepsExisting: true, sha256: 'abc', content: 'user www-data;\n' });
    // Its own code links the default site, under conditions: may.
    expect(effects.paths?.get('/etc/nginx/sites-enabled/default')).toEqual({ kind: 'unknown', by: 'package nginx (nginx-common)', why: "nginx-common's postinst names it (ln)" });
    expect(effects.units?.get('nginx.service')).toMatchObject({ by: 'package nginx (nginx-common)', loadState: 'loaded', activeState: 'active', unitFileState: 'enabled' });
  });

  it.each([
    ['no systemd running: enabled, not started', { systemd: false }, { activeState: 'inactive', unitFileState: 'enabled' }],
    ['a policy-rc.d may forbid the start', { policyRcD: true }, { activeState: undefined, unitFileState: 'enabled' }],
    ['deb-systemd-helper remembers an earlier install: was-enabled decides', { helperState: new Set(['nginx.service']) }, { activeState: undefined, unitFileState: undefined }],
  ])('%s', (_, host, expected) => {
    const unit = debEffects(study([nginxCommon], host), [{ names: ['nginx-common'] }]).units?.get('nginx.service');
    expect(unit).toMatchObject({ loadState: 'loaded' });
    expect({ activeState: unit?.activeState, unitFileState: unit?.unitFileState }).toEqual(expected);
  });

  it('a unit without [Install] is static and is not started by deb-systemd-invoke', () => {
    const pkg = deb('svc', {
      entries: [entry('/lib/systemd/system/svc.service')],
      files: new Map([['/lib/systemd/system/svc.service', { sha256: 'x', content: unitFile('') }]]),
      scripts: { postinst: "# Automatically added by dh_installsystemd/13\ndeb-systemd-helper enable 'svc.service' >/dev/null || true\ndeb-systemd-invoke start 'svc.service' >/dev/null || true\n# End automatically added section\n" },
    });
    expect(debEffects(study([pkg]), [{ names: ['svc'] }]).units?.get('svc.service')).toMatchObject({ activeState: 'inactive', unitFileState: 'static' });
  });

  it('accounts from adduser, whole trees a script may change, statoverrides and merged /usr', () => {
    const server = deb('mariadb-server', {
      entries: [entry('/var/lib/mysql', 'directory'), entry('/lib/mysql/plugin', 'directory'), entry('/usr/bin/crontab', 'file', { mode: '0755' })],
      scripts: { preinst: fixture('mariadb-server.preinst') },
    });
    const effects = debEffects(study([server], { usrMerged: true, overrides: new Map([['/usr/bin/crontab', { owner: 'root', group: 'crontab', mode: '2755' }]]) }), [{ names: ['mariadb-server'] }]);
    expect(effects.accounts?.get('user:mysql')).toEqual({ by: 'package mariadb-server', exists: true, why: "mariadb-server's preinst creates it (adduser)" });
    expect(effects.accounts?.get('group:mysql')).toMatchObject({ exists: true });
    expect(effects.paths?.get('/var/lib/mysql')).toMatchObject({ kind: 'unknown' });
    expect(effects.trees).toContainEqual(expect.objectContaining({ path: '/var/lib/mysql', kind: 'unknown' }));
    expect(effects.paths?.get('/usr/lib/mysql/plugin')).toMatchObject({ kind: 'directory' });
    expect(effects.paths?.get('/usr/bin/crontab')).toMatchObject({ attributes: { owner: 'root', group: 'crontab', mode: '2755' } });
  });

  it('removals: files go, conffiles stay unless purged, directories only when empty', () => {
    const effects = debEffects(study([], { removals: [{ name: 'old', purge: false, paths: ['/etc/old', '/etc/old/a.conf', '/usr/bin/old'], conffiles: ['/etc/old/a.conf'], scripts: {} }] }), []);
    expect(effects.paths?.get('/usr/bin/old')).toEqual({ kind: 'absent', by: 'package old (removed)' });
    expect(effects.paths?.get('/etc/old/a.conf')).toBeUndefined();
    expect(effects.paths?.get('/etc/old')).toMatchObject({ kind: 'unknown' });
  });

  it('nothing learnt at all: anything may change', () => {
    expect(debEffects(study([deb('x', { entries: undefined })], { errors: ['E: broken'] }), [{ names: ['x'] }])).toEqual({ anything: { by: 'package x', why: 'what it brings could not be learnt: E: broken' } });
  });
});

describe('installSection', () => {
  it.each([
    ['[Install]\nWantedBy=multi-user.target\nAlias=mysql.service mysqld.service\nAlso=x.socket', { installable: true, aliases: ['mysql.service', 'mysqld.service'], also: ['x.socket'] }],
    ['[Service]\nExecStart=/bin/x\n', { installable: false, aliases: [], also: [] }],
    ['[Install]\n', { installable: false, aliases: [], also: [] }],
  ])('%s', (text, expected) => {
    expect(installSection(text)).toEqual(expected);
  });
});

describe('dependencyNames', () => {
  it('every alternative, without versions or architectures', () => {
    expect(dependencyNames('libc6 (>= 2.34), nginx-common (<< 1.2) | foo:any, bar')).toEqual(['libc6', 'nginx-common', 'foo', 'bar']);
  });
});
