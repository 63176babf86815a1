import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { directory, type DirectoryDesired } from './index.js';
import { ABSENT, type PathState } from '../shared/path-state.js';
import type { Effects, PathOutlook } from '../shared/lookahead.js';
import { ahead, applyLocally, argErrorOf, cleanup, converge, predicted, probeLocally, probeManyLocally, stubCommands, summaries, tempDir } from '../../../test/support/resources.js';

const me = userInfo().username;
const myGroup = execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim();

function dirState(overrides: Partial<PathState> = {}): PathState {
  return { type: 'directory', mode: '0755', owner: 'root', uid: '0', group: 'root', gid: '0', size: 4096, ...overrides };
}

describe('directory.validate', () => {
  it.each([
    ['an unknown key, with a suggestion', { path: '/srv/www', mdoe: '0755' }, 'mdoe', /did you mean 'mode'/],
    ['a relative path', { path: 'srv' }, 'path', /absolute path/],
    ['removing /', { path: '/', state: 'absent' }, 'path', /refusing to remove '\/'/],
    ['removing /etc', { path: '/etc/', state: 'absent' }, 'path', /refusing to remove '\/etc'/],
    ['removing /usr/lib by a detour', { path: '/usr/share/../lib', state: 'absent' }, 'path', /refusing to remove '\/usr\/lib'/],
    ['removing a top-level directory of any name', { path: '/data', state: 'absent' }, 'path', /system directory/],
    ['attributes with state absent', { path: '/srv/www', state: 'absent', mode: '0755' }, 'mode', /makes no sense/],
    ['a bad state', { path: '/srv/www', state: 'directory' }, 'state', /one of present, absent/],
  ])('rejects %s', (_, args, key, message) => {
    const error = argErrorOf(directory, args);
    expect(error.key).toBe(key);
    expect(error.message).toMatch(message);
  });

  it('normalises the path', () => {
    expect(directory.validate({ path: '/srv//www/./site/', mode: 750 })).toEqual({ path: '/srv/www/site', state: 'present', attributes: { owner: undefined, group: undefined, mode: '0750' } });
  });
});

describe('directory.parse', () => {
  const desired = directory.validate({ path: '/srv/www' });
  it.each<[string, string, PathState]>([
    ['nothing there', 'type=absent', ABSENT],
    ['a directory', 'type=directory\nmode=2775\nowner=www-data\nuid=33\ngroup=www-data\ngid=33\nsize=4096', dirState({ mode: '2775', owner: 'www-data', uid: '33', group: 'www-data', gid: '33' })],
    ['a file', 'type=regular empty file\nmode=644\nowner=root\nuid=0\ngroup=root\ngid=0\nsize=0', dirState({ type: 'file', mode: '0644', size: 0 })],
  ])('%s', (_, output, expected) => {
    expect(directory.parse(output, desired)).toEqual(expected);
  });
});

describe('directory.diff', () => {
  const present = (args: Record<string, unknown> = {}): DirectoryDesired => directory.validate({ path: '/srv/www', ...args });
  it.each<[string, DirectoryDesired, PathState, string[]]>([
    ['in state', present({ mode: '0755', owner: 'root' }), dirState(), []],
    ['new', present(), ABSENT, ['absent → directory']],
    ['new with attributes', present({ owner: 'www-data', mode: '0750' }), ABSENT, ['absent → directory (owner www-data, mode 0750)']],
    ['attributes', present({ owner: 'www-data', group: 33, mode: '2775' }), dirState(), ['owner root → www-data', 'group root → 33', 'mode 0755 → 2775']],
    ['a file in the way', present(), dirState({ type: 'file' }), ['/srv/www exists and is not a directory (apply will fail)']],
    ['removal', present({ state: 'absent' }), dirState(), ['directory → absent (removed with everything in it)']],
    ['removal, already absent', present({ state: 'absent' }), ABSENT, []],
  ])('%s', (_, desired, current, expected) => {
    expect(summaries(directory.decide(desired, current).changes)).toEqual(expected);
  });
});

describe('directory never changes the owner, group or mode of a system directory (app_dir: /etc would lock others out of /etc)', () => {
  const wanted = { owner: 'root', group: 'app', mode: '0750' };
  it.each([['/'], ['/etc'], ['/usr/'], ['/var'], ['/opt'], ['/root'], ['/home'], ['/usr/./lib'], ['/etc/ssh'], ['/etc/systemd'], ['/var/lib'], ['/srv'], ['/snap'], ['/mnt']])('%s', (path) => {
    const decision = directory.decide(directory.validate({ path, ...wanted }), dirState());
    expect(decision.action.kind).toBe('blocked');
    expect(summaries(decision.changes)).toEqual([expect.stringMatching(/refusing to change the owner, group or mode of .*: it is a system directory \(apply will fail\)/)]);
  });

  it.each([
    ['a system directory already as declared', '/etc', { mode: '0755', owner: 'root' }, dirState(), 'none'],
    ['a new directory of its own', '/opt/app', wanted, ABSENT, 'create'],
    ['a directory of its own', '/opt/app', wanted, dirState(), 'attributes'],
    ['a top-level directory of its own', '/data', { owner: 'app' }, dirState(), 'attributes'],
  ])('leaves alone %s', (_, path, args, current, kind) => {
    expect(directory.decide(directory.validate({ path, ...args }), current).action.kind).toBe(kind);
  });
});

describe('directory on this machine (probe → diff → apply → probe)', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => cleanup(dir));

  it('creates a directory and its parents, with a path full of shell syntax', () => {
    const path = join(dir, "a b", "it's '; rm -rf x #", '$(touch pwned)');
    const result = converge(directory, { path, owner: me, group: myGroup, mode: '0750' });
    expect(result.applied?.stderr).toBe('');
    expect(result.after).toEqual([]);
    expect(statSync(path).mode & 0o7777).toBe(0o750);
    expect(statSync(join(dir, 'a b')).mode & 0o777).toBe(0o755);
    expect(existsSync('pwned')).toBe(false);
  });

  it('gives a new directory 0755 when no mode is given', () => {
    const path = join(dir, 'plain');
    expect(converge(directory, { path }).after).toEqual([]);
    expect(statSync(path).mode & 0o7777).toBe(0o755);
  });

  it('changes the mode, clearing a setgid bit', () => {
    const path = join(dir, 'shared');
    mkdirSync(path);
    chmodSync(path, 0o2775);
    const result = converge(directory, { path, mode: '0755' });
    expect(summaries(result.before)).toEqual(['mode 2775 → 0755']);
    expect(result.after).toEqual([]);
    expect(statSync(path).mode & 0o7777).toBe(0o755);
  });

  it('removes a directory with its content', () => {
    const path = join(dir, 'old');
    mkdirSync(join(path, 'sub'), { recursive: true });
    writeFileSync(join(path, 'sub', 'f'), 'x');
    expect(converge(directory, { path, state: 'absent' }).after).toEqual([]);
    expect(existsSync(path)).toBe(false);
  });

  it('fails when a file is in the way', () => {
    const path = join(dir, 'file');
    writeFileSync(path, 'x');
    const desired = directory.validate({ path });
    const result = applyLocally(directory.apply(desired, directory.decide(desired, probeLocally(directory, desired))));
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`provision: ${path} exists and is not a directory\n`);
  });

  it('creates a directory that the probe saw missing, even if it appeared since', () => {
    const path = join(dir, 'raced');
    const desired = directory.validate({ path, mode: '0700' });
    const script = directory.apply(desired, directory.decide(desired, probeLocally(directory, desired)));
    mkdirSync(path);
    expect(applyLocally(script).code).toBe(0);
    expect(statSync(path).mode & 0o777).toBe(0o700);
  });
});

describe('directory.probeMany', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => cleanup(dir));

  it('reads what one probe per directory reads, with one stat call', () => {
    mkdirSync(join(dir, 'open'));
    mkdirSync(join(dir, 'closed'));
    chmodSync(join(dir, 'closed'), 0o700);
    writeFileSync(join(dir, 'a-file'), 'x');
    const items = ['open', 'missing', 'closed', 'a-file', 'open'].map((name) => directory.validate({ path: join(dir, name) }));
    expect(probeManyLocally(directory, items)).toEqual(items.map((item) => probeLocally(directory, item)));
    const calls = stubCommands(['stat'], { stat: 'exec /usr/bin/stat "$@"' });
    probeManyLocally(directory, items, calls.env);
    expect(calls.calls()).toHaveLength(1);
    // Nor does the shell start one of its own: the script's only command substitutions are the stat calls (all paths, and one path when that fails).
    const script = directory.probeMany!(items, 'END');
    expect(script.match(/\$\(/g)).toEqual(['$(', '$(']);
    expect(script.match(/\$\(stat /g)).toHaveLength(2);
  });
});

describe('directory.predict: the directory as earlier changes of the run leave it', () => {
  const at = (outlook: PathOutlook): Effects => ({ paths: new Map([['/etc/mysql/conf.d', outlook]]) });
  const want = directory.validate({ path: '/etc/mysql/conf.d', mode: '0755' });
  it.each<[string, PathState, Effects, string]>([
    ['nothing touches it', ABSENT, {}, 'unaffected'],
    ['a package ships it', ABSENT, at({ kind: 'directory', by: 'package mariadb-common', attributes: { owner: 'root', group: 'root', mode: '0755' } }), 'known: in state (package mariadb-common creates it)'],
    ['a package ships it with other attributes', ABSENT, at({ kind: 'directory', by: 'package x', attributes: { owner: 'root', group: 'root', mode: '0700' } }), 'known: mode 0700 → 0755 (package x creates it)'],
    ['one already there keeps its attributes', dirState({ mode: '0750' }), at({ kind: 'directory', by: 'package x', attributes: { owner: 'root', group: 'root', mode: '0755' } }), 'unaffected'],
    ['a script may change it', ABSENT, at({ kind: 'unknown', by: 'package x', why: 'w' }), 'unknown: package x may change /etc/mysql/conf.d: w | if it is not there: absent → directory (mode 0755) | if it is there: its attributes are compared at apply'],
  ])('%s', (_, current, effects, expected) => {
    expect(predicted(directory, want, current, ahead(effects))).toBe(expected);
  });
});

describe('directory never changes the owner or mode of what a symbolic link points to', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => cleanup(dir));

  /** A directory `target` (mode 0755) and a link `link` to it. */
  function linked(): { target: string; link: string } {
    const target = join(dir, 'target');
    mkdirSync(target);
    chmodSync(target, 0o755);
    const link = join(dir, 'link');
    symlinkSync(target, link);
    return { target, link };
  }

  it('a link at the path is seen as a link and refused: its target keeps its mode', () => {
    const { target, link } = linked();
    const desired = directory.validate({ path: link, mode: '0700', owner: me });
    const current = probeLocally(directory, desired);
    expect(current.type).toBe('link');
    expect(summaries(directory.decide(desired, current).changes)).toEqual([`${link} is a symbolic link: refusing to manage what it points to (set follow: true to allow it) (apply will fail)`]);
    const result = applyLocally(directory.apply(desired, directory.decide(desired, current)));
    expect(result.code).toBe(1);
    expect(statSync(target).mode & 0o777).toBe(0o755);
  });

  it('a link put there after the probe is refused by apply, on the host, in the same script', () => {
    const { target } = linked();
    const path = join(dir, 'raced');
    mkdirSync(path);
    const desired = directory.validate({ path, mode: '0700' });
    const script = directory.apply(desired, directory.decide(desired, probeLocally(directory, desired)));
    rmSync(path, { recursive: true });
    symlinkSync(target, path);
    const result = applyLocally(script);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`provision: ${path} is a symbolic link: refusing to change the owner or mode of what it points to (set follow: true to allow it)`);
    expect(statSync(target).mode & 0o777).toBe(0o755);
  });

  it('follow: true says the link may be followed: its target gets the mode', () => {
    const { target, link } = linked();
    expect(converge(directory, { path: link, mode: '0700', follow: true }).after).toEqual([]);
    expect(statSync(target).mode & 0o777).toBe(0o700);
  });

  it.each([
    ['attributes', dirState({ mode: '0755', owner: 'root' }), ['if [ -L /srv/www ]; then', 'chown -h app -- /srv/www', 'chmod 00700 -- /srv/www']],
    ['create', ABSENT, ['if [ -L /srv/www ]; then', 'chown -h app -- /srv/www', 'chmod 00700 -- /srv/www']],
  ])('the %s script checks for a link and chowns with -h', (_, current, parts) => {
    const script = String(directory.apply(directory.validate({ path: '/srv/www', owner: 'app', mode: '0700' }), directory.decide(directory.validate({ path: '/srv/www', owner: 'app', mode: '0700' }), current)));
    for (const part of parts) expect(script).toContain(part);
    expect(script).not.toMatch(/chown (?!-h)/);
  });

  it('probes with stat -L only when told to follow', () => {
    expect(String(directory.probe(directory.validate({ path: '/srv/www' })))).not.toContain('stat -L');
    expect(String(directory.probe(directory.validate({ path: '/srv/www', follow: true })))).toContain('stat -L');
  });
});
