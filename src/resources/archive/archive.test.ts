import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { archive } from './index.js';
import type { ResolveContext } from '../types.js';
import { argErrorOf, cleanup, converge, tempDir } from '../../../test/support/resources.js';

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => cleanup(dir));

/** A small source directory for the cases that get past it. */
const SMALL = mkdtempSync(join(tmpdir(), 'provision-archive-src-'));
writeFileSync(join(SMALL, 'a.txt'), 'a\n');
afterAll(() => cleanup(SMALL));

/** The control node of these tests: every path allowed as it is, no templates. */
const control: ResolveContext = {
  controlPath: (path) => path,
  template: () => {
    throw new Error('no templates here');
  },
  host: { name: 'web-01', address: '10.0.0.1' },
  controlStateDir: '/nonexistent',
};

/** The arguments as the plan hands them to validate: resolved on the control node first. */
function resolved(args: Record<string, unknown>): Record<string, unknown> {
  return archive.resolve!(args, control);
}

function release(files: Record<string, string>): string {
  const src = join(dir, 'src');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(src, name, '..'), { recursive: true });
    writeFileSync(join(src, name), text);
  }
  return src;
}

describe('archive', () => {
  it('unpacks a directory, then is in state, and replaces the tree when the source changes', () => {
    const src = release({ 'server.js': 'v1\n', 'lib/util.js': "it's $(x)\n" });
    const dest = join(dir, 'app', 'current');
    const me = userInfo().username;
    const first = converge(archive, resolved({ src, dest, owner: me, mode: '0750' }));
    expect(first.before[0]!.summary).toMatch(/^absent → .*src \([0-9a-f]{12}, \d+ bytes packed\)$/);
    expect(first.after).toEqual([]);
    expect(readFileSync(join(dest, 'lib/util.js'), 'utf8')).toBe("it's $(x)\n");
    expect(execFileSync('stat', ['-c', '%a', dest]).toString().trim()).toBe('750');

    writeFileSync(join(src, 'server.js'), 'v2\n');
    writeFileSync(join(dest, 'stray'), 'left by hand\n');
    const second = converge(archive, resolved({ src, dest }));
    expect(second.before[0]!.summary).toMatch(/^content [0-9a-f]{12} → /);
    expect(second.after).toEqual([]);
    expect(readFileSync(join(dest, 'server.js'), 'utf8')).toBe('v2\n');
    expect(() => readFileSync(join(dest, 'stray'))).toThrow();
    expect(execFileSync('ls', [join(dir, 'app')]).toString()).toBe('current\n');
  });

  it('the same directory content always has the same hash (reproducible tar)', () => {
    const src = release({ 'a.txt': 'a\n' });
    const one = archive.validate(resolved({ src, dest: '/opt/app/current' }));
    execFileSync('touch', ['-d', '2001-01-01', join(src, 'a.txt')]);
    expect(archive.validate(resolved({ src, dest: '/opt/app/current' })).sha256).toBe(one.sha256);
  });

  it('takes a .tar.gz as it is', () => {
    const src = release({ 'x.txt': 'x\n' });
    const tgz = join(dir, 'release.tar.gz');
    execFileSync('tar', ['-C', src, '-czf', tgz, '.']);
    const dest = join(dir, 'opt', 'rel');
    expect(converge(archive, resolved({ src: tgz, dest })).after).toEqual([]);
    expect(readFileSync(join(dest, 'x.txt'), 'utf8')).toBe('x\n');
  });

  it.each([
    [{ src: '/nonexistent/release', dest: '/opt/app/x' }, 'src', "'src' /nonexistent/release does not exist on the control node"],
    [{ src: '/etc/hostname', dest: '/opt/app/x' }, 'src', "'src' must be a directory, a .tar, .tar.gz or .tgz file, got /etc/hostname"],
    [{ src: SMALL, dest: '/opt' }, 'dest', "'dest' must be at least two levels deep (it is replaced as a whole), got '/opt'"],
    [{ src: '/nonexistent/release', dest: '/opt/a', sorce: 1 }, 'sorce', "unknown key 'sorce'"],
  ])('rejects %j', (args, key, message) => {
    // A typo'd key is reported before the source is looked at.
    const err = argErrorOf({ validate: (a) => archive.validate(resolved(a)) }, args);
    expect(err.key).toBe(key);
    expect(err.message.startsWith(message), err.message).toBe(true);
  });

  it.each([
    [{ src: 'relative', dest: '/opt/app/x' }, "'src' must be an absolute path, got 'relative'"],
    [{ src: '/tmp', dest: '/opt/app/x' }, "'src' /tmp was not read on the control node"],
  ])('validate alone reads no file: it refuses a source resolve did not read, %j', (args, message) => {
    expect(argErrorOf(archive, args).message).toBe(message);
  });
});
