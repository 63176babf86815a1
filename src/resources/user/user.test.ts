import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { Effects } from '../shared/lookahead.js';
import { accountToolStubs as accountStubs, ahead, applyLocally, argErrorOf, predicted, probeLocally, summaries } from '../../../test/support/resources.js';
import { user, type UserAccount, type UserCurrent, type UserDesired } from './index.js';

describe('user.validate', () => {
  it.each([
    ['an unknown key, with a suggestion', { name: 'app', shel: '/bin/sh' }, 'shel', /did you mean 'shell'/],
    ['a name with shell syntax', { name: "app'; rm -rf / #" }, 'name', /user or group name/],
    ['a name like an option', { name: '-r' }, 'name', /user or group name/],
    ['a too long name', { name: 'a'.repeat(33) }, 'name', /at most 32/],
    ['a uid that is not a number', { name: 'app', uid: 'ten' }, 'uid', /non-negative integer/],
    ['a bad supplementary group', { name: 'app', groups: ['adm', 'a,b'] }, 'groups', /user or group name/],
    ['a relative home', { name: 'app', home: 'home/app' }, 'home', /absolute path/],
    ['create_home that is not a boolean', { name: 'app', create_home: 'sure' }, 'create_home', /true or false/],
    ['attributes with state absent', { name: 'app', state: 'absent', uid: 5 }, 'uid', /unknown key 'uid'/],
  ])('rejects %s', (_, args, key, message) => {
    const error = argErrorOf(user, args);
    expect(error.key).toBe(key);
    expect(error.message).toMatch(message);
  });

  it('reads every attribute', () => {
    expect(user.validate({ name: 'app', uid: '1500', group: 33, groups: 'adm', home: '/srv/app', shell: '/usr/sbin/nologin', system: true, create_home: false })).toEqual({
      name: 'app',
      state: 'present',
      uid: 1500,
      group: '33',
      groups: ['adm'],
      home: '/srv/app',
      shell: '/usr/sbin/nologin',
      system: true,
      createHome: false,
    });
  });
});

describe('user.parse', () => {
  it.each<[string, string, UserCurrent]>([
    ['no such user', '', {}],
    [
      'a user',
      'entry=app:x:1001:1001:App:/home/app:/bin/bash\ngroups=app sudo adm',
      { account: { uid: '1001', gid: '1001', group: 'app', groups: ['adm', 'sudo'], home: '/home/app', shell: '/bin/bash' } },
    ],
    [
      'a primary group without a name (id names it by number), also listed as supplementary',
      'entry=app:x:1001:4242::/home/app:/bin/sh\ngroups=4242 adm 4242',
      { account: { uid: '1001', gid: '4242', group: '4242', groups: ['adm'], home: '/home/app', shell: '/bin/sh' } },
    ],
    ['a user whose groups id could not read', 'entry=app:x:1001:1001::/home/app:/bin/sh\ngroups=', { account: { uid: '1001', gid: '1001', group: '', groups: [], home: '/home/app', shell: '/bin/sh' } }],
  ])('%s', (_, output, expected) => {
    expect(user.parse(output, user.validate({ name: 'app' }))).toEqual(expected);
  });
});

describe('user.diff', () => {
  const account: UserAccount = { uid: '1001', gid: '1001', group: 'app', groups: ['adm'], home: '/home/app', shell: '/bin/sh' };
  const want = (args: Record<string, unknown>): UserDesired => user.validate({ name: 'app', ...args });
  it.each<[string, UserDesired, UserCurrent, string[]]>([
    ['in state', want({ uid: 1001, group: 'app', groups: ['adm', 'app'], shell: '/bin/sh' }), { account }, []],
    ['primary group given as gid', want({ group: 1001 }), { account }, []],
    ['new', want({ uid: 1500, groups: ['adm', 'sudo'], system: true, create_home: false }), {}, ['absent → present (uid 1500, groups adm, sudo, system, no home directory)']],
    ['new, defaults', want({}), {}, ['absent → present']],
    [
      'every attribute',
      want({ uid: 1500, group: 'www-data', groups: [], home: '/srv/app', shell: '/bin/bash' }),
      { account },
      ['uid 1001 → 1500', 'group app → www-data', 'groups adm → (none)', 'home /home/app → /srv/app', 'shell /bin/sh → /bin/bash'],
    ],
    ['removal', user.validate({ name: 'app', state: 'absent' }), { account }, ['present → absent (home directory kept)']],
    ['removal, already absent', user.validate({ name: 'app', state: 'absent' }), {}, []],
  ])('%s', (_, desired, current, expected) => {
    expect(summaries(user.decide(desired, current).changes)).toEqual(expected);
  });
});

describe('user probe on this machine', () => {
  it.each(['root', 'nobody', 'daemon'])('reads the primary group of %s as id -gn names it, and its other groups as id -Gn does', (name) => {
    const id = (option: string) => execFileSync('id', [option, '--', name], { encoding: 'utf8' }).trim();
    const [primary = '', ...rest] = id('-Gn').split(' ');
    expect(primary).toBe(id('-gn'));
    expect(probeLocally(user, user.validate({ name })).account).toMatchObject({ group: id('-gn'), groups: rest.filter((g) => g !== primary).sort() });
  });
});

describe('user scripts (account tools stubbed)', () => {
  it('probes with getent and id, and exits 0 for a missing user', () => {
    const stubs = accountStubs();
    expect(probeLocally(user, user.validate({ name: 'app' }), stubs.env)).toEqual({});
    const found = accountStubs({ passwd: 'app:x:1001:1001::/home/app:/bin/sh', groups: 'app adm' });
    expect(probeLocally(user, user.validate({ name: 'app' }), found.env).account?.groups).toEqual(['adm']);
    expect(found.calls()).toEqual(['getent [passwd] [--] [app]', 'id [-Gn] [--] [app]']);
  });

  it('creates with useradd, each value one word', () => {
    const stubs = accountStubs();
    const desired = user.validate({ name: 'app', uid: 1500, groups: ['adm', 'sudo'], home: "/srv/it's app", shell: '/bin/bash', system: true });
    expect(applyLocally(user.apply(desired, user.decide(desired, {})), stubs.env).code).toBe(0);
    expect(stubs.calls().at(-1)).toBe("useradd [--system] [--create-home] [-u] [1500] [-G] [adm,sudo] [-d] [/srv/it's app] [-s] [/bin/bash] [--] [app]");
  });

  it('sets the attributes when the user appeared since the probe', () => {
    const stubs = accountStubs({ passwd: 'app:x:999:999::/nonexistent:/usr/sbin/nologin' });
    expect(applyLocally(user.apply(user.validate({ name: 'app', shell: '/bin/sh' }), user.decide(user.validate({ name: 'app', shell: '/bin/sh' }), {})), stubs.env).code).toBe(0);
    expect(stubs.calls().at(-1)).toBe('usermod [-s] [/bin/sh] [--] [app]');
  });

  it('modifies only what differs, and can empty the supplementary groups', () => {
    const stubs = accountStubs();
    const account: UserAccount = { uid: '1001', gid: '1001', group: 'app', groups: ['adm'], home: '/home/app', shell: '/bin/sh' };
    expect(applyLocally(user.apply(user.validate({ name: 'app', uid: 1001, groups: [], shell: '/bin/sh' }), user.decide(user.validate({ name: 'app', uid: 1001, groups: [], shell: '/bin/sh' }), { account })), stubs.env).code).toBe(0);
    expect(stubs.calls()).toEqual(['usermod [-G] [] [--] [app]']);
  });

  it('deletes with userdel', () => {
    const stubs = accountStubs({ passwd: 'app:x:1001:1001::/home/app:/bin/sh' });
    const account: UserAccount = { uid: '1001', gid: '1001', group: 'app', groups: [], home: '/home/app', shell: '/bin/sh' };
    expect(applyLocally(user.apply(user.validate({ name: 'app', state: 'absent' }), user.decide(user.validate({ name: 'app', state: 'absent' }), { account })), stubs.env).code).toBe(0);
    expect(stubs.calls().at(-1)).toBe('userdel [--] [app]');
  });
});


describe('user.predict: the account as earlier changes leave it', () => {
  const creates: Effects = { accounts: new Map([['user:mysql', { by: 'package mariadb-server', exists: true, why: "mariadb-server's preinst creates it (adduser)" }]]) };
  it.each<[string, Record<string, unknown>, Effects, string]>([
    ['nothing touches it', { name: 'mysql' }, {}, 'unaffected'],
    ['a package creates it, nothing else declared', { name: 'mysql', system: true }, creates, "known: in state (package mariadb-server: mariadb-server's preinst creates it (adduser))"],
    ['a package creates it, to be absent', { name: 'mysql', state: 'absent' }, creates, "known: present → absent (home directory kept) (package mariadb-server: mariadb-server's preinst creates it (adduser))"],
    ['a package creates it, attributes declared', { name: 'mysql', shell: '/bin/false' }, creates, "unknown: package mariadb-server creates user mysql (mariadb-server's preinst creates it (adduser)); its attributes are compared at apply | if it is there then: its attributes set as declared where they differ | if it is not: absent → present (shell /bin/false)"],
  ])('%s', (_, args, effects, expected) => {
    expect(predicted(user, user.validate(args), {}, ahead(effects))).toBe(expected);
  });
});
