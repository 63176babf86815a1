import { describe, expect, it } from 'vitest';
import { packageType as pkg, type PackageCurrent, type PackageDesired } from './package.js';
import { applyLocally, argErrorOf, probeLocally, stubCommands, summaries, syntaxOk } from './test-support.js';

const desired = (args: Record<string, unknown>): PackageDesired => pkg.validate(args);
const fresh = (packages: PackageCurrent['packages']): PackageCurrent => ({ packages, listsAge: 60 });

describe('package.validate', () => {
  it.each([
    ['an unknown key, with a suggestion', { name: 'nginx', sate: 'present' }, 'sate', /did you mean 'state'/],
    ['no name', { state: 'present' }, 'name', /'name' is required/],
    ['a name that is not a package name', { name: ["nginx'; rm -rf / #"] }, 'name', /Debian package name/],
    ['a name that looks like an option', { name: '-y' }, 'name', /Debian package name/],
    ['a bad state', { name: 'nginx', state: 'installed' }, 'state', /one of present, latest, absent/],
    ['a negative cache_valid_time', { name: 'nginx', cache_valid_time: -1 }, 'cache_valid_time', /non-negative integer/],
    ['a name that is a mapping', { name: { a: 1 } }, 'name', /must be a string, got a mapping/],
  ])('rejects %s', (_, args, key, message) => {
    const error = argErrorOf(pkg, args);
    expect(error.key).toBe(key);
    expect(error.message).toMatch(message);
  });

  it('accepts one name or a list, with defaults', () => {
    expect(pkg.validate({ name: 'nginx' })).toEqual({ names: ['nginx'], state: 'present', purge: false, cacheValidTime: 3600 });
    expect(pkg.validate({ name: ['libc6:i386', 'g++'], state: 'latest', cache_valid_time: '0' })).toMatchObject({ names: ['libc6:i386', 'g++'], cacheValidTime: 0 });
  });
});

describe('package.parse', () => {
  it('reads status, version, candidate and the age of the lists', () => {
    const output = ['lists_age=120', 'status.nginx=installed 1.22.1-9', 'candidate.nginx=1.22.1-10', 'status.curl=', 'candidate.curl=(none)', 'status.vim=config-files 2:9.0'].join('\n');
    expect(pkg.parse(output, desired({ name: ['nginx', 'curl', 'vim', 'tree'] }))).toEqual({
      listsAge: 120,
      packages: {
        nginx: { status: 'installed', version: '1.22.1-9', candidate: '1.22.1-10' },
        curl: { status: 'not-installed', version: undefined, candidate: undefined },
        vim: { status: 'config-files', version: '2:9.0', candidate: undefined },
        tree: { status: 'not-installed', version: undefined, candidate: undefined },
      },
    });
  });
});

describe('package.diff', () => {
  const installed = { status: 'installed', version: '1.22.0', candidate: '1.22.1' };
  const missing = { status: 'not-installed', candidate: '1.22.1-9' };
  it.each<[string, PackageDesired, PackageCurrent, string[]]>([
    ['installed', desired({ name: 'nginx' }), fresh({ nginx: installed }), []],
    ['missing', desired({ name: 'nginx' }), fresh({ nginx: missing }), ['nginx: absent → present (1.22.1-9)']],
    ['missing, lists old', desired({ name: 'nginx' }), { packages: { nginx: missing }, listsAge: 7300 }, ['apt-get update (apt lists are 2 h old, cache_valid_time is 1 h)', 'nginx: absent → present (1.22.1-9)']],
    ['missing, no candidate', desired({ name: 'nginx' }), fresh({ nginx: { status: 'not-installed' } }), ['apt-get update (no candidate for nginx)', 'nginx: absent → present (no candidate before apt-get update)']],
    ['removed, config left', desired({ name: 'nginx' }), fresh({ nginx: { status: 'config-files', version: '1.22.0', candidate: '1.22.1' } }), ['nginx: config-files → present (1.22.1)']],
    ['latest, older installed', desired({ name: 'nginx', state: 'latest' }), fresh({ nginx: installed }), ['nginx: 1.22.0 → 1.22.1 (latest)']],
    ['latest, newest installed', desired({ name: 'nginx', state: 'latest' }), fresh({ nginx: { ...installed, candidate: '1.22.0' } }), []],
    ['latest, lists old', desired({ name: 'nginx', state: 'latest' }), { packages: { nginx: installed }, listsAge: 90000 }, ['apt-get update (apt lists are 1 d old, cache_valid_time is 1 h)', 'nginx: 1.22.0 → latest (upgraded if apt-get update finds a newer version)']],
    ['latest, lists age unknown', desired({ name: 'nginx', state: 'latest', cache_valid_time: 86400 }), { packages: { nginx: installed } }, ['apt-get update (apt lists never updated)', 'nginx: 1.22.0 → latest (upgraded if apt-get update finds a newer version)']],
    ['absent, installed', desired({ name: 'nginx', state: 'absent' }), fresh({ nginx: installed }), ['nginx: 1.22.0 → absent']],
    ['absent, config left', desired({ name: 'nginx', state: 'absent' }), fresh({ nginx: { status: 'config-files' } }), []],
    ['purged, config left', desired({ name: 'nginx', state: 'absent', purge: true }), fresh({ nginx: { status: 'config-files' } }), ['nginx: config-files → purged']],
    ['absent, not there', desired({ name: 'nginx', state: 'absent', purge: true }), fresh({ nginx: { status: 'not-installed' } }), []],
    ['only what is missing', desired({ name: ['nginx', 'curl'] }), fresh({ nginx: installed, curl: { status: 'not-installed', candidate: '7.88' } }), ['curl: absent → present (7.88)']],
  ])('%s', (_, want, current, expected) => {
    expect(summaries(pkg.diff(want, current))).toEqual(expected);
  });
});

describe('package.applyMany', () => {
  const apt = 'DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120';
  const install = `${apt} install -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold`;

  it('installs every missing package of the host in one call, after at most one update, removals first', () => {
    const script = pkg.applyMany!([
      { desired: desired({ name: ['nginx', 'curl'] }), current: { packages: { nginx: { status: 'not-installed', candidate: '1' }, curl: { status: 'installed', version: '7' } }, listsAge: 9000 } },
      { desired: desired({ name: 'g++' }), current: { packages: { 'g++': { status: 'not-installed' } }, listsAge: 9000 } },
      { desired: desired({ name: 'nginx', state: 'latest' }), current: { packages: { nginx: { status: 'not-installed', candidate: '1' } }, listsAge: 9000 } },
      { desired: desired({ name: 'apache2', state: 'absent' }), current: { packages: { apache2: { status: 'installed', version: '2.4' } }, listsAge: 9000 } },
    ]);
    expect(script.split('\n')).toEqual([`${apt} remove -y -q apache2`, `${apt} update -q`, `${install} nginx g++`]);
    expect(syntaxOk(script)).toBe(true);
  });

  it('skips the update when the lists are fresh and every package has a candidate', () => {
    const script = pkg.apply(desired({ name: 'nginx' }), fresh({ nginx: { status: 'not-installed', candidate: '1' } }));
    expect(script).toBe(`${install} nginx`);
  });

  it('runs the apt-get calls with each name as one word', () => {
    const stubs = stubCommands(['apt-get']);
    const script = pkg.applyMany!([
      { desired: desired({ name: ['nginx', 'libc6:i386'] }), current: { packages: {} } },
      { desired: desired({ name: 'old', state: 'absent', purge: true }), current: fresh({ old: { status: 'config-files' } }) },
    ]);
    expect(applyLocally(script, stubs.env).code).toBe(0);
    const lock = '[-o] [DPkg::Lock::Timeout=120]';
    expect(stubs.calls()).toEqual([
      `apt-get ${lock} [purge] [-y] [-q] [old]`,
      `apt-get ${lock} [update] [-q]`,
      `apt-get ${lock} [install] [-y] [-q] [-o] [Dpkg::Options::=--force-confdef] [-o] [Dpkg::Options::=--force-confold] [nginx] [libc6:i386]`,
    ]);
  });
});

describe('package.probe', () => {
  it('asks dpkg for every package and apt only when a candidate matters, and exits 0', () => {
    const stubs = stubCommands(['dpkg-query', 'apt-cache'], {
      'dpkg-query': 'case "$4" in nginx) echo "installed 1.22.1-9" ;; *) echo "dpkg-query: no packages found matching $4" >&2; exit 1 ;; esac',
      'apt-cache': 'printf "%s:\\n  Installed: (none)\\n  Candidate: 7.88.1-10\\n" "$3"',
    });
    const current = probeLocally(pkg, desired({ name: ['nginx', 'curl'] }), stubs.env);
    expect(current.packages).toEqual({
      nginx: { status: 'installed', version: '1.22.1-9', candidate: undefined },
      curl: { status: 'not-installed', version: undefined, candidate: '7.88.1-10' },
    });
    expect(current.listsAge === undefined || current.listsAge >= 0).toBe(true);
    expect(stubs.calls()).toEqual([
      'dpkg-query [-W] [-f=${db:Status-Status} ${Version}\\n] [--] [nginx]',
      'dpkg-query [-W] [-f=${db:Status-Status} ${Version}\\n] [--] [curl]',
      'apt-cache [policy] [--] [curl]',
    ]);
  });
});
