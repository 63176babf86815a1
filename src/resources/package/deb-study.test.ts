/**
 * The study of packages, run on this machine against a .deb built here, with
 * apt and dpkg's database stood in (the study must not reach any registry):
 * apt's simulation, a file: URI to read the .deb in place, then the .deb's
 * control area, file list and small files. And the parsers, table-driven.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseListing, parseStudy, studyScript } from './deb-study.js';
import { runSh, stubCommands, tempDir } from '../../../test/support/resources.js';

/** Builds demo_1:1.0_all.deb (its file name encodes the epoch as %3a, as apt's do) in `dir`. */
function buildDeb(dir: string): string {
  const root = join(dir, 'root');
  for (const d of ['DEBIAN', 'etc', 'lib/systemd/system', 'usr/bin']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'DEBIAN/control'), 'Package: demo\nVersion: 1:1.0\nArchitecture: all\nMaintainer: nobody <nobody@example.org>\nDepends: libdemo (>= 1), base-files | other\nDescription: demo\n');
  writeFileSync(join(root, 'DEBIAN/conffiles'), '/etc/demo.conf\n');
  writeFileSync(join(root, 'DEBIAN/postinst'), '#!/bin/sh\nset -e\nln -s /etc/demo.conf /etc/demo.link\n# Automatically added by dh_installsystemd/13\ndeb-systemd-helper enable demo.service >/dev/null || true\n# End automatically added section\n');
  chmodSync(join(root, 'DEBIAN/postinst'), 0o755);
  writeFileSync(join(root, 'etc/demo.conf'), 'setting = 1\n');
  writeFileSync(join(root, 'lib/systemd/system/demo.service'), '[Service]\nExecStart=/usr/bin/demo\n[Install]\nWantedBy=multi-user.target\n');
  writeFileSync(join(root, 'usr/bin/demo'), '#!/bin/sh\n');
  chmodSync(join(root, 'usr/bin/demo'), 0o755);
  const deb = join(dir, 'demo_1%3a1.0_all.deb');
  execFileSync('dpkg-deb', ['--root-owner-group', '--build', root, deb], { stdio: 'ignore' });
  return deb;
}

describe('the package study', () => {
  it('reads a .deb from a file: repository in place, and removes its temporary directory', () => {
    const dir = tempDir();
    const deb = buildDeb(dir);
    const uri = `file:${deb.replace(/%/g, '%25')}`;
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    const stubs = stubCommands(['apt-get', 'dpkg-query', 'dpkg-statoverride'], {
      'apt-get': `case "$*" in *--print-uris*) echo "'${uri}' demo_1%3a1.0_all.deb 100 SHA256:x" ;; *-s*) printf 'Inst demo (1:1.0 local [all]) []\\nConf demo (1:1.0 local [all])\\n' ;; esac`,
      'dpkg-query': 'exit 1',
    });
    const run = runSh(studyScript(['demo'], [], []), { ...stubs.env, TMPDIR: tmp });
    expect(run.code, run.stderr).toBe(0);
    expect(readdirSync(tmp)).toEqual([]);
    const study = parseStudy(run.stdout);
    expect(study.errors).toEqual([]);
    expect(study.configureOrder).toEqual(['demo']);
    const [pkg] = study.installs;
    expect(pkg).toMatchObject({ name: 'demo', version: '1:1.0', arch: 'all', before: 'not-installed', conffiles: ['/etc/demo.conf'], depends: 'libdemo (>= 1), base-files | other' });
    expect(pkg!.scripts.postinst).toContain('ln -s /etc/demo.conf /etc/demo.link');
    expect(pkg!.entries).toEqual(
      expect.arrayContaining([
        { path: '/etc/demo.conf', type: 'file', mode: '0644', owner: 'root', group: 'root', size: 12 },
        { path: '/usr/bin/demo', type: 'file', mode: '0755', owner: 'root', group: 'root', size: 10 },
        { path: '/lib/systemd/system', type: 'directory', mode: '0755', owner: 'root', group: 'root', size: 0 },
      ]),
    );
    expect(pkg!.files.get('/etc/demo.conf')?.content).toBe('setting = 1\n');
    expect(pkg!.files.get('/lib/systemd/system/demo.service')?.content).toContain('WantedBy=multi-user.target');
    // Only what apt was asked: a simulation and the URIs, never an install.
    expect(stubs.calls().filter((c) => c.startsWith('apt-get')).every((c) => c.includes('[-s]') || c.includes('[--print-uris]'))).toBe(true);
    expect(existsSync(deb)).toBe(true);
  });

  it('says so when apt cannot do it, and when a .deb cannot be read', () => {
    const stubs = stubCommands(['apt-get', 'dpkg-query', 'dpkg-statoverride'], {
      'apt-get': `case "$*" in *-s*) printf 'Inst ghost (1.0 local [all])\\n' ;; download*) echo 'E: no such package' ; exit 100 ;; esac`,
      'dpkg-query': 'exit 1',
    });
    const study = parseStudy(runSh(studyScript(['ghost'], [], []), stubs.env).stdout);
    expect(study.installs).toMatchObject([{ name: 'ghost', entries: undefined }]);
    expect(study.errors).toEqual(['no such package', 'ghost 1.0: its .deb could not be read']);
  });
});

describe('parseListing', () => {
  it.each([
    ['drwxr-xr-x root/root         0 2023-05-18 14:03 ./etc/', { path: '/etc', type: 'directory', mode: '0755', owner: 'root', group: 'root', size: 0 }],
    ['-rw-r----- root/adm       1897 2023-05-18 14:03 ./etc/default/ufw', { path: '/etc/default/ufw', type: 'file', mode: '0640', owner: 'root', group: 'adm', size: 1897 }],
    ['-rwsr-xr-x root/root     59976 2023-05-18 14:03 ./usr/bin/passwd', { path: '/usr/bin/passwd', type: 'file', mode: '4755', owner: 'root', group: 'root', size: 59976 }],
    ['lrwxrwxrwx root/root         0 2023-05-18 14:03 ./usr/sbin/a b -> ../bin/c d', { path: '/usr/sbin/a b', type: 'link', mode: '0777', owner: 'root', group: 'root', size: 0, target: '../bin/c d' }],
    ['hrw-r--r-- root/root         0 2023-05-18 14:03 ./x link to ./y', { path: '/x', type: 'hardlink', mode: '0644', owner: 'root', group: 'root', size: 0, target: './y' }],
    ['not a listing line', undefined],
  ])('%s', (line, expected) => {
    expect(parseListing(line)).toEqual(expected);
  });
});

describe('parseStudy', () => {
  it('reads the host facts, removals and statoverrides', () => {
    const study = parseStudy(
      [
        'systemd=yes',
        'usrmerge=yes',
        'helper_state=nginx.service',
        'override=root crontab 2755 /usr/bin/crontab',
        'removed=old purge',
        'path=/etc/old.conf',
        'conffile=remove-on-upgrade /etc/old.conf',
        `script_postrm=${Buffer.from('rm -rf /var/lib/old\n').toString('base64')}`,
        'end=',
      ].join('\n'),
    );
    expect(study).toMatchObject({ systemd: true, policyRcD: false, usrMerged: true, installs: [], removals: [{ name: 'old', purge: true, paths: ['/etc/old.conf'], conffiles: ['/etc/old.conf'], scripts: { postrm: 'rm -rf /var/lib/old\n' } }] });
    expect([...study.helperState]).toEqual(['nginx.service']);
    expect(study.overrides.get('/usr/bin/crontab')).toEqual({ owner: 'root', group: 'crontab', mode: '2755' });
  });
});
