import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resourceTypes } from './index.js';
import { applyLocally, argErrorOf, cleanup, probeLocally, stubCommands, syntaxOk, tempDir } from '../../test/support/resources.js';
import { runsOnControl, type AnyHostResourceType } from './types.js';

describe('resourceTypes', () => {
  it('holds every type under its own name', () => {
    expect(Object.keys(resourceTypes).sort()).toEqual(['archive', 'certificate', 'command', 'directory', 'file', 'group', 'internal_tls', 'line', 'mysql_database', 'mysql_global', 'mysql_replica', 'mysql_user', 'package', 'service', 'sumo_connection', 'sumo_dashboard', 'sumo_monitor', 'ufw', 'user']);
    for (const [name, type] of Object.entries(resourceTypes)) expect(type.name).toBe(name);
  });

  it.each(Object.keys(resourceTypes))('%s rejects an unknown key', (name) => {
    expect(argErrorOf(resourceTypes[name]!, { bogus_key: 1 }).key).toBe('bogus_key');
  });

  it('marks exactly the types behind an API as run on the control node', () => {
    expect(Object.values(resourceTypes).filter(runsOnControl).map((t) => t.name).sort()).toEqual(['sumo_connection', 'sumo_dashboard', 'sumo_monitor']);
  });
});

describe('a value never escapes its quoting', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => cleanup(dir));

  /** Values that would create `mark` (in the temp dir) if any shell ever read them as code. */
  const hostile = (mark: string): string[] => [`'; touch ${mark} #`, `$(touch ${mark})`, `\`touch ${mark}\``, `"; touch ${mark}; "`, `\\'; touch ${mark}; '`];
  /** Every command that could change this machine, stubbed. */
  const dangerous = ['apt-get', 'dpkg-query', 'apt-cache', 'systemctl', 'getent', 'id', 'useradd', 'usermod', 'userdel', 'groupadd', 'groupmod', 'groupdel'];

  /** Declarations putting the value in every argument that is not shell text by design. */
  const declarations = (value: string, base: string): Array<[string, Record<string, unknown>]> => [
    ['file', { path: join(base, value), content: value, owner: 'root', group: '0' }],
    ['file', { path: join(base, value), content: value, validate: 'test -f %s' }],
    ['file', { path: join(base, value), state: 'absent' }],
    ['directory', { path: join(base, value), owner: '0', mode: '0700' }],
    ['line', { path: join(base, value), line: value, regexp: value, create: true }],
    ['line', { path: join(base, value), line: value, state: 'absent' }],
    ['command', { cmd: 'true', creates: join(base, value), chdir: join(base, value) }],
    ['user', { name: 'app', home: join(base, value), shell: join(base, value) }],
  ];

  it('in probe and apply scripts, run for real with machine-changing commands stubbed', () => {
    const stubs = stubCommands(dangerous);
    const mark = join(dir, 'pwned');
    for (const value of hostile(mark)) {
      for (const [name, args] of declarations(value, dir)) {
        const type = resourceTypes[name] as AnyHostResourceType;
        // The values hold '/', so a path's parents are made first: the scripts then run to the end.
        for (const key of ['path', 'chdir']) if (typeof args[key] === 'string') mkdirSync(dirname(args[key]), { recursive: true });
        const desired = type.validate(args);
        const current = probeLocally(type, desired, stubs.env);
        const script = type.apply(desired, type.decide(desired, current));
        expect(syntaxOk(script), `${name} apply syntax`).toBe(true);
        applyLocally(script, stubs.env);
        expect(existsSync(mark), `${name} with ${value}`).toBe(false);
      }
    }
    // Forty probes and forty apply batches, each a few processes: 17 s alone, 79 s on two cores at load 19.
  }, 180_000);
});

describe('values are checked where they enter', () => {
  /** Declarations putting `value` in an owner or group: only account names and numeric ids reach chown. */
  const owners = (value: string): Array<[string, Record<string, unknown>, string]> => [
    ['file', { path: '/srv/x', content: '', owner: value }, 'owner'],
    ['file', { path: '/srv/x', content: '', group: value }, 'group'],
    ['directory', { path: '/srv/x', owner: value }, 'owner'],
    ['directory', { path: '/srv/x', group: value }, 'group'],
  ];
  it.each(['--help', '-R', 'a b', 'root:root', '$(id)', 'Root', ''])('an owner or group %j is refused, never passed to chown', (value) => {
    for (const [name, args, key] of owners(value)) {
      const error = argErrorOf(resourceTypes[name]!, args);
      expect(error.key, `${name} ${key}`).toBe(key);
    }
  });

  it.each(['www-data', '1001', '_apt', 'systemd-network'])('an owner %j is accepted', (value) => {
    expect(() => resourceTypes.directory!.validate({ path: '/srv/x', owner: value, group: value })).not.toThrow();
  });

  /** A NUL byte in any value that becomes a path or a shell word: the kernel and the shell would cut the value there. */
  const withNul: Array<[string, Record<string, unknown>, string]> = [
    ['directory', { path: '/usr/l\u0000ib', state: 'absent' }, 'path'],
    ['file', { path: '/etc/x\u0000y', content: 'x' }, 'path'],
    ['file', { path: '/etc/x', content: 'x', validate: 'test -f %s\u0000' }, 'validate'],
    ['line', { path: '/etc/x', line: 'a\u0000b' }, 'line'],
    ['command', { cmd: 'true\u0000; rm -rf /' }, 'cmd'],
    ['command', { cmd: 'true', creates: '/x\u0000' }, 'creates'],
    ['service', { name: 'nginx\u0000' }, 'name'],
    ['package', { name: 'nginx\u0000' }, 'name'],
  ];
  it.each(withNul)('%s refuses a NUL byte in %j', (name, args, key) => {
    const error = argErrorOf(resourceTypes[name]!, args);
    expect(error.key).toBe(key);
  });

  it('the removal guard sees the whole path: "/usr/l\\0ib" never becomes rm -rf -- /usr/lib', () => {
    expect(argErrorOf(resourceTypes.directory!, { path: '/usr/l\u0000ib', state: 'absent' }).message).toMatch(/NUL/);
  });
});
