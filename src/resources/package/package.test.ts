import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aptCall, aptFunctions } from './apt.js';
import { packageType as pkg, type PackageCurrent, type PackageDesired } from './index.js';
import { lines, phase } from '../shared/script.js';
import { applyLocally, argErrorOf, countedCommands, holdPosixLock, probeLocally, probeManyLocally, stubCommands, summaries, syntaxOk } from '../../../test/support/resources.js';
import { userText } from '../../shell/quote.js';

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
    ['a negative lock_timeout', { name: 'nginx', lock_timeout: -1 }, 'lock_timeout', "'lock_timeout' must be a whole number of seconds from 0 to 3600, got number -1"],
    ['a lock_timeout over an hour', { name: 'nginx', lock_timeout: 3601 }, 'lock_timeout', "'lock_timeout' must be a whole number of seconds from 0 to 3600, got number 3601"],
    ['a fractional lock_timeout', { name: 'nginx', lock_timeout: 1.5 }, 'lock_timeout', "'lock_timeout' must be a whole number of seconds from 0 to 3600, got number 1.5"],
    ['a lock_timeout with a unit', { name: 'nginx', lock_timeout: '5s' }, 'lock_timeout', `'lock_timeout' must be a whole number of seconds from 0 to 3600, got string "5s"`],
    ['a lock_timeout that is a boolean', { name: 'nginx', lock_timeout: true }, 'lock_timeout', "'lock_timeout' must be a whole number of seconds from 0 to 3600, got boolean true"],
  ])('rejects %s', (_, args, key, message) => {
    const error = argErrorOf(pkg, args);
    expect(error.key).toBe(key);
    if (typeof message === 'string') expect(error.message).toBe(message);
    else expect(error.message).toMatch(message);
  });

  it('accepts one name or a list, with defaults', () => {
    expect(pkg.validate({ name: 'nginx' })).toEqual({ names: ['nginx'], state: 'present', purge: false, cacheValidTime: 3600, lockTimeout: 120 });
    expect(pkg.validate({ name: ['libc6:i386', 'g++'], state: 'latest', cache_valid_time: '0' })).toMatchObject({ names: ['libc6:i386', 'g++'], cacheValidTime: 0 });
  });

  it.each([
    [0, 0],
    [3600, 3600],
    ['45', 45],
    [null, 120],
  ])('takes lock_timeout %j as %d seconds', (value, seconds) => {
    expect(pkg.validate({ name: 'nginx', lock_timeout: value }).lockTimeout).toBe(seconds);
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
    ['missing, lists old', desired({ name: 'nginx' }), { packages: { nginx: missing }, listsAge: 7300 }, ['apt-get update (apt lists are older than cache_valid_time, 1 h)', 'nginx: absent → present (1.22.1-9)']],
    ['missing, lists older than a 2-day window', desired({ name: 'nginx', cache_valid_time: 172800 }), { packages: { nginx: missing }, listsAge: 200000 }, ['apt-get update (apt lists are older than cache_valid_time, 2 days)', 'nginx: absent → present (1.22.1-9)']],
    ['missing, no candidate', desired({ name: 'nginx' }), fresh({ nginx: { status: 'not-installed' } }), ['apt-get update (no candidate for nginx)', 'nginx: absent → present (no candidate before apt-get update)']],
    ['removed, config left', desired({ name: 'nginx' }), fresh({ nginx: { status: 'config-files', version: '1.22.0', candidate: '1.22.1' } }), ['nginx: config-files → present (1.22.1)']],
    ['latest, older installed', desired({ name: 'nginx', state: 'latest' }), fresh({ nginx: installed }), ['nginx: 1.22.0 → 1.22.1 (latest)']],
    ['latest, newest installed', desired({ name: 'nginx', state: 'latest' }), fresh({ nginx: { ...installed, candidate: '1.22.0' } }), []],
    ['latest, lists old', desired({ name: 'nginx', state: 'latest' }), { packages: { nginx: installed }, listsAge: 90000 }, ['apt-get update (apt lists are older than cache_valid_time, 1 h)', 'nginx: 1.22.0 → latest (upgraded if apt-get update finds a newer version)']],
    ['latest, lists age unknown', desired({ name: 'nginx', state: 'latest', cache_valid_time: 86400 }), { packages: { nginx: installed } }, ['apt-get update (apt lists never updated)', 'nginx: 1.22.0 → latest (upgraded if apt-get update finds a newer version)']],
    ['absent, installed', desired({ name: 'nginx', state: 'absent' }), fresh({ nginx: installed }), ['nginx: 1.22.0 → absent']],
    ['absent, config left', desired({ name: 'nginx', state: 'absent' }), fresh({ nginx: { status: 'config-files' } }), []],
    ['purged, config left', desired({ name: 'nginx', state: 'absent', purge: true }), fresh({ nginx: { status: 'config-files' } }), ['nginx: config-files → purged']],
    ['absent, not there', desired({ name: 'nginx', state: 'absent', purge: true }), fresh({ nginx: { status: 'not-installed' } }), []],
    ['only what is missing', desired({ name: ['nginx', 'curl'] }), fresh({ nginx: installed, curl: { status: 'not-installed', candidate: '7.88' } }), ['curl: absent → present (7.88)']],
  ])('%s', (_, want, current, expected) => {
    expect(summaries(pkg.decide(want, current).changes)).toEqual(expected);
  });

  // A plan saved with `plan --out` is applied later: what it says must not change while the host does not.
  it('says the same while the lists only grow older (an hour boundary crossed between plan and apply)', () => {
    const at = (listsAge: number) => summaries(pkg.decide(desired({ name: 'nginx' }), { packages: { nginx: missing }, listsAge }).changes);
    expect(at(7199)).toEqual(at(7200));
    expect(at(3601)).toEqual(at(90000));
  });
});

describe('package.applyMany', () => {
  const decided = (d: PackageDesired, current: PackageCurrent) => ({ desired: d, decision: pkg.decide(d, current) });
  const install = 'install -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold';

  it('installs every missing package of the host in one call, after at most one update, removals first', () => {
    const script = pkg.applyMany!([
      decided(desired({ name: ['nginx', 'curl'] }), { packages: { nginx: { status: 'not-installed', candidate: '1' }, curl: { status: 'installed', version: '7' } }, listsAge: 9000 }),
      decided(desired({ name: 'g++' }), { packages: { 'g++': { status: 'not-installed' } }, listsAge: 9000 }),
      decided(desired({ name: 'nginx', state: 'latest' }), { packages: { nginx: { status: 'not-installed', candidate: '1' } }, listsAge: 9000 }),
      decided(desired({ name: 'apache2', state: 'absent' }), { packages: { apache2: { status: 'installed', version: '2.4' } }, listsAge: 9000 }),
    ]);
    expect(script).toBe(lines(aptFunctions(), 'provision_apt 120 remove -y -q apache2', phase('apt-update'), 'provision_apt 120 update -q', phase('install'), `provision_apt 120 ${install} nginx g++`));
    expect(syntaxOk(script)).toBe(true);
  });

  it('skips the update when the lists are fresh and every package has a candidate', () => {
    const script = pkg.apply(desired({ name: 'nginx' }), pkg.decide(desired({ name: 'nginx' }), fresh({ nginx: { status: 'not-installed', candidate: '1' } })));
    expect(script).toBe(lines(aptFunctions(), phase('install'), `provision_apt 120 ${install} nginx`));
  });

  it('waits for the locks as long as the most patient declaration of the group allows', () => {
    const missing = (name: string, lockTimeout: number) => decided(desired({ name, lock_timeout: lockTimeout }), fresh({ [name]: { status: 'not-installed', candidate: '1' } }));
    const script = pkg.applyMany!([missing('nginx', 5), missing('curl', 300), missing('ufw', 0)]);
    expect(script.split('\n').at(-1)).toBe(`provision_apt 300 ${install} nginx curl ufw`);
  });

  it('runs nothing when nothing is to do', () => {
    expect(pkg.apply(desired({ name: 'nginx' }), pkg.decide(desired({ name: 'nginx' }), fresh({ nginx: { status: 'installed', version: '1' } })))).toBe(':');
  });

  it('runs the apt-get calls with each name as one word', () => {
    const stubs = stubCommands(['apt-get']);
    const script = pkg.applyMany!([
      decided(desired({ name: ['nginx', 'libc6:i386'] }), { packages: {} }),
      decided(desired({ name: 'old', state: 'absent', purge: true }), fresh({ old: { status: 'config-files' } })),
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

describe('package: apt and dpkg locks', () => {
  /** A dpkg and an apt lists lock file in a temporary directory, standing in for the real ones. */
  function lockFiles(dir: string) {
    for (const sub of ['dpkg', 'lists']) mkdirSync(join(dir, sub));
    const files = { dpkg: join(dir, 'dpkg', 'lock-frontend'), lists: join(dir, 'lists', 'lock') };
    for (const file of Object.values(files)) writeFileSync(file, '');
    return files;
  }

  it('says which lock is held, by whom, and for how long it waited, when a held lock made apt-get fail', async () => {
    const dir = stubCommands([]).dir;
    const { dpkg } = lockFiles(dir);
    const pid = await holdPosixLock(dpkg);
    const stubs = stubCommands(['apt-get'], { 'apt-get': `echo "E: Unable to acquire the dpkg frontend lock (${dpkg}), is another process using it?"; exit 100` });
    const run = applyLocally(lines(aptFunctions([dpkg]), aptCall(1, userText('install -y -q curl'))), stubs.env);
    expect(run.code).toBe(100);
    const output = run.stdout + run.stderr;
    expect(output).toContain(`E: Unable to acquire the dpkg frontend lock (${dpkg}), is another process using it?\n`);
    expect(output).toMatch(new RegExp(`provision: the dpkg lock ${dpkg} is held by another process \\(pid ${pid}: perl -e use Fcntl; .*\\) and was not released within 1 s \\(lock_timeout\\)\n$`));
    expect(stubs.calls()[0]).toBe('apt-get [-o] [DPkg::Lock::Timeout=1] [install] [-y] [-q] [curl]');
  });

  it('tries the lists lock of apt-get update again until the time is up, then says so', async () => {
    const dir = stubCommands([]).dir;
    const { lists } = lockFiles(dir);
    await holdPosixLock(lists);
    const stubs = stubCommands(['apt-get'], { 'apt-get': `echo "E: Could not get lock ${lists}. It is held by process 1 (x)"; exit 100` });
    const started = Date.now();
    const run = applyLocally(lines(aptFunctions([lists]), aptCall(2, userText('update -q'))), stubs.env);
    expect(run.code).toBe(100);
    expect(run.stderr).toMatch(new RegExp(`^provision: the apt lists lock ${lists} is held by another process \\(pid \\d+: perl .*\\) and was not released within 2 s \\(lock_timeout\\)\n$`));
    expect(stubs.calls().length).toBeGreaterThanOrEqual(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    expect(Date.now() - started).toBeLessThan(6_000);
  });

  it('goes on when the lock is free again, and fails at once with apt-get\'s own output when no lock is held', async () => {
    const dir = stubCommands([]).dir;
    const { lists } = lockFiles(dir);
    await holdPosixLock(lists);
    const once = stubCommands(['apt-get'], { 'apt-get': `if [ ! -e "$(dirname "$0")/failed" ]; then touch "$(dirname "$0")/failed"; echo "E: Could not get lock ${lists}. It is held by process 1 (x)"; exit 100; fi; echo "Reading package lists..."` });
    const retried = applyLocally(lines(aptFunctions([lists]), aptCall(30, userText('update -q'))), once.env);
    expect(retried).toMatchObject({ code: 0, stdout: 'Reading package lists...\n', stderr: '' });
    expect(once.calls()).toHaveLength(2);

    const broken = stubCommands(['apt-get'], { 'apt-get': `echo "E: Could not get lock ${dir}/dpkg/lock-frontend. It is held by process 1 (x)"; echo 'E: Sub-process /usr/bin/dpkg returned an error code (1)'; exit 100` });
    const failed = applyLocally(lines(aptFunctions([lists, join(dir, 'dpkg', 'lock-frontend')]), aptCall(30, userText('install -y -q curl'))), broken.env);
    expect(failed).toMatchObject({ code: 100, stdout: `E: Could not get lock ${dir}/dpkg/lock-frontend. It is held by process 1 (x)\nE: Sub-process /usr/bin/dpkg returned an error code (1)\n`, stderr: '' });
    expect(broken.calls()).toHaveLength(1);
  });
});

describe('package.probe', () => {
  /** dpkg-query as it answers -W for several names: known ones in its own order (libc6 under its Multi-Arch name), unknown ones on stderr. */
  const dpkgQuery = `shift 3
for n in "$@"; do case "$n" in
  nginx) echo "nginx installed 1.22.1-9" ;;
  libc6) echo "libc6:amd64 installed 2.36-9" ;;
  *) echo "dpkg-query: no packages found matching $n" >&2 ;;
esac; done | sort
exit 1`;
  const aptCache = 'printf "%s:\\n  Installed: (none)\\n  Candidate: 7.88.1-10\\n" "$3"';

  it('asks dpkg once for every package and apt only when a candidate matters, and exits 0', () => {
    const stubs = stubCommands(['dpkg-query', 'apt-cache'], { 'dpkg-query': dpkgQuery, 'apt-cache': aptCache });
    const current = probeLocally(pkg, desired({ name: ['nginx', 'curl', 'libc6'] }), stubs.env);
    expect(current.packages).toEqual({
      nginx: { status: 'installed', version: '1.22.1-9', candidate: undefined },
      curl: { status: 'not-installed', version: undefined, candidate: '7.88.1-10' },
      libc6: { status: 'installed', version: '2.36-9', candidate: undefined },
    });
    expect(current.listsAge === undefined || current.listsAge >= 0).toBe(true);
    expect(stubs.calls()).toEqual(['dpkg-query [-W] [-f=${binary:Package} ${db:Status-Status} ${Version}\\n] [--] [nginx] [curl] [libc6]', 'apt-cache [policy] [--] [curl]']);
  });

  it('takes the age of the apt lists from the newest of their times, with stat and date only, once for all declarations that may install', () => {
    const stubs = countedCommands(['stat', 'date', 'sort', 'tail', 'dpkg-query', 'apt-cache'], { stat: 'printf "100\\n300\\n200\\n"', date: 'echo 1000', 'dpkg-query': 'echo "nginx installed 1.22.1-9"', 'apt-cache': aptCache });
    const currents = probeManyLocally(pkg, [desired({ name: 'nginx', state: 'latest' }), desired({ name: 'nginx' }), desired({ name: 'curl' })], stubs.env);
    expect(currents.map((c) => c.listsAge)).toEqual([700, undefined, 700]);
    expect(stubs.calls().map((c) => c.split(' ')[0])).toEqual(['dpkg-query', 'stat', 'date', 'apt-cache', 'apt-cache']);
  });

  it('reads neither the lists\' age nor apt\'s candidates when every package is installed and none is to be the latest', () => {
    const stubs = countedCommands(['stat', 'date', 'dpkg-query', 'apt-cache'], { 'dpkg-query': dpkgQuery });
    const items = [desired({ name: ['nginx', 'libc6'] }), desired({ name: ['curl'], state: 'absent' })];
    const currents = probeManyLocally(pkg, items, stubs.env);
    expect(stubs.calls().map((c) => c.split(' ')[0])).toEqual(['dpkg-query']);
    expect(currents.map((c) => c.listsAge)).toEqual([undefined, undefined]);
    // Nothing is decided from the age then: the same decisions as with any age.
    items.forEach((item, i) => expect(pkg.decide(item, currents[i]!)).toEqual(pkg.decide(item, { ...currents[i]!, listsAge: 0 })));
  });

  it('reads the packages of several declarations with one dpkg-query, each declaration its own', () => {
    const stubs = stubCommands(['dpkg-query', 'apt-cache'], { 'dpkg-query': dpkgQuery, 'apt-cache': aptCache });
    const items = [desired({ name: ['nginx'] }), desired({ name: ['curl', 'nginx'], state: 'absent' }), desired({ name: ['libc6'] })];
    const currents = probeManyLocally(pkg, items, stubs.env);
    expect(currents.map((c) => c.packages)).toEqual([
      { nginx: { status: 'installed', version: '1.22.1-9', candidate: undefined } },
      { curl: { status: 'not-installed', version: undefined, candidate: undefined }, nginx: { status: 'installed', version: '1.22.1-9', candidate: undefined } },
      { libc6: { status: 'installed', version: '2.36-9', candidate: undefined } },
    ]);
    expect(stubs.calls()).toEqual(['dpkg-query [-W] [-f=${binary:Package} ${db:Status-Status} ${Version}\\n] [--] [nginx] [curl] [libc6]']);
    // The same states as one probe per declaration.
    expect(items.map((item) => probeLocally(pkg, item, stubs.env).packages)).toEqual(currents.map((c) => c.packages));
  });

  it('asks dpkg again for a NAME:ARCH it did not list under that name', () => {
    const stubs = stubCommands(['dpkg-query', 'apt-cache'], {
      'dpkg-query': 'case "$2" in *binary*) echo "curl installed 7.88.1-10" ;; *) echo "installed 7.88.1-10" ;; esac',
      'apt-cache': aptCache,
    });
    expect(probeLocally(pkg, desired({ name: ['curl:amd64'] }), stubs.env).packages).toEqual({ 'curl:amd64': { status: 'installed', version: '7.88.1-10', candidate: undefined } });
    expect(stubs.calls()[1]).toBe('dpkg-query [-W] [-f=${db:Status-Status} ${Version}\\n] [--] [curl:amd64]');
  });
});
