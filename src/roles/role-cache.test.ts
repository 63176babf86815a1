import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { checkOf } from './checks.js';
import type { Role } from './load.js';
import { RoleCache, roleCacheFile } from './role-cache.js';

const position = { file: 'role.yaml', line: 1, col: 1 };
const handler = { type: 'service', args: { name: 'nginx', state: 'reloaded' }, name: 'reload', tags: [], notify: [], position, argPositions: {} };

/** A role directory with a role.yaml, and the role a parse of it gives. */
function roleIn(root: string, extra: Record<string, unknown> = {}): { dir: string; role: Role } {
  const dir = join(root, 'web');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'role.yaml'), 'resources: []\n');
  const role: Role = {
    name: 'web',
    dir,
    defaults: { port: 8080, ...extra },
    resources: [{ ...handler, type: 'file', name: undefined, args: { path: '/etc/x' }, notify: ['reload'] }],
    handlers: new Map([['reload', handler]]),
    depends: [],
    checks: [{ variable: 'port', check: checkOf('port')!, spec: 'port' }],
    unique: [],
    status: [],
  };
  return { dir, role };
}

const setup = (extra?: Record<string, unknown>) => {
  const root = mkdtempSync(join(tmpdir(), 'provision-roles-'));
  const file = roleCacheFile(root);
  return { root, file, ...roleIn(root, extra), cache: () => new RoleCache(() => file, () => 'build-1') };
};

describe('RoleCache', () => {
  it('parses on a miss, keeps the role (0600), and the next run gets it without parsing, checks working', () => {
    const { file, dir, role, cache } = setup();
    const first = cache();
    expect(first.get(dir, () => role)).toBe(role);
    first.save();
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const load = vi.fn(() => role);
    const again = cache().get(dir, load);
    expect(load).not.toHaveBeenCalled();
    expect(again.handlers.get('reload')).toEqual(handler);
    expect(again.defaults).toEqual({ port: 8080 });
    expect(again.checks[0]!.check.problem(70000)).toBeDefined();
    expect(again.checks[0]!.check.problem(80)).toBeUndefined();
  });

  it.each([
    ['role.yaml changes', (dir: string) => writeFileSync(join(dir, 'role.yaml'), 'resources: [] # edited\n'), 'build-1'],
    ['defaults.yaml appears', (dir: string) => writeFileSync(join(dir, 'defaults.yaml'), 'port: 1\n'), 'build-1'],
    ['another build of provision runs', () => undefined, 'build-2'],
  ])('parses again when %s', (_, change, program) => {
    const { file, dir, role, cache } = setup();
    const first = cache();
    first.get(dir, () => role);
    first.save();
    change(dir);
    const load = vi.fn(() => role);
    new RoleCache(() => file, () => program).get(dir, load);
    expect(load).toHaveBeenCalledOnce();
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a date', new Date(0)],
    ['undefined in a list', [1, undefined]],
  ])('never keeps a role whose values JSON would change (%s)', (_, value) => {
    const { dir, role, cache } = setup({ odd: value });
    const first = cache();
    first.get(dir, () => role);
    first.save();
    const load = vi.fn(() => role);
    cache().get(dir, load);
    expect(load).toHaveBeenCalledOnce();
  });

  it.each([
    ['not JSON', '{ broken'],
    ['the previous format (JSON, no MAC)', JSON.stringify({ format: 'roles 1', roles: {} })],
    ['without a MAC', 'roles 2\nkey\t{}\n'],
  ])('rebuilds a cache file that is %s', (_, content) => {
    const { file, dir, role, cache } = setup();
    writeFileSync(file, content, { mode: 0o600 });
    const load = vi.fn(() => role);
    const c = cache();
    expect(c.get(dir, load)).toBe(role);
    expect(load).toHaveBeenCalledOnce();
    c.save();
    expect(readFileSync(file, 'utf8').split('\n')[1]).toBe('roles 2');
  });

  it('refuses a cache file that others can write', () => {
    const { file, dir, role, cache } = setup();
    const first = cache();
    first.get(dir, () => role);
    first.save();
    chmodSync(file, 0o666);
    expect(() => cache().get(dir, () => role)).toThrow(/others|write|permission|mode/i);
  });
});
