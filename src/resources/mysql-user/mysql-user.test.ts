import { afterAll, describe, expect, it } from 'vitest';
import { clearSecretsForTests, redact, Secret } from '../../secrets.js';
import { mysqlUser, type MysqlAccount, type MysqlUserCurrent, type MysqlUserDesired } from './index.js';
import { nativePasswordHash } from '../shared/mysql/password.js';
import type { ServerState } from '../shared/mysql/server.js';
import { clientCalls, fakeClient, heredocs, outsideHeredocs, statements } from '../../../test/support/mysql.js';
import { argErrorOf, probeLocally, probeManyLocally, stubCommands, summaries, syntaxOk } from '../../../test/support/resources.js';

const PASSWORD = "s3cr3t 'app' \"pw\" $(id)";
const secret = new Secret(PASSWORD);
afterAll(() => clearSecretsForTests());

const want = (args: Record<string, unknown> = {}): MysqlUserDesired =>
  mysqlUser.validate({ name: 'app', host: '%', password: secret, privileges: ['ALL ON app.*'], ...args });
const MARIADB: ServerState = { status: 'up', version: '10.11.6-MariaDB', flavour: 'mariadb' };
const MYSQL: ServerState = { status: 'up', version: '8.0.36', flavour: 'mysql' };
const hex = (text: string): string => Buffer.from(text, 'latin1').toString('hex');
/** An account as MariaDB stores one made by this resource. */
const native = (password = PASSWORD, grants: MysqlAccount['grants'] = { '`app`.*': ['ALL PRIVILEGES'] }): MysqlAccount => ({ plugin: 'mysql_native_password', authHex: hex(nativePasswordHash(password)), grants });
const on = (server: ServerState, accounts: Record<string, MysqlAccount> = {}): MysqlUserCurrent => ({ server, accounts });

describe('mysql_user.validate', () => {
  it.each([
    ['an unknown key, with a suggestion', { name: 'app', host: '%', password: 'x', privilege: [] }, 'privilege', /did you mean 'privileges'/],
    ['a name with a quote', { name: "app'", host: '%', password: 'x' }, 'name', /MySQL user name/],
    ['a host with a quote', { name: 'app', host: "%'; DROP USER root; --", password: 'x' }, 'host', /a host like/],
    ['no host', { name: 'app', password: 'x' }, 'host', /'host' is required/],
    ['only commas for hosts', { name: 'app', host: ' , ', password: 'x' }, 'host', /at least one host/],
    ['no password', { name: 'app', host: '%' }, 'password', /'password' is required/],
    ['a password with a line break', { name: 'app', host: '%', password: 'a\nb' }, 'password', /line break/],
    ['a password that is a mapping', { name: 'app', host: '%', password: { secret: 'X' } }, 'password', /string or a secret/],
    ['a privilege without ON', { name: 'app', host: '%', password: 'x', privileges: ['SELECT'] }, 'privileges', /not like "SELECT, INSERT ON app.\*"/],
    ['a password with state absent', { name: 'app', host: '%', state: 'absent', password: 'x' }, 'password', /unknown key 'password'/],
  ])('rejects %s', (_, args, key, message) => {
    const error = argErrorOf(mysqlUser, args);
    expect(error.key).toBe(key);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(PASSWORD);
  });

  it('takes hosts as a list or comma-separated (as the addresses helper gives), without duplicates', () => {
    expect(want({ host: '10.0.0.2, 10.0.0.3,10.0.0.2' }).hosts).toEqual(['10.0.0.2', '10.0.0.3']);
    expect(want({ host: ['localhost', '10.0.0.%'] }).hosts).toEqual(['localhost', '10.0.0.%']);
  });

  it('makes a plain password a Secret, so that it is masked too', () => {
    const desired = mysqlUser.validate({ name: 'app', host: '%', password: 'plain-text-password' });
    expect(desired.state === 'present' && desired.password).toBeInstanceOf(Secret);
    expect(redact('was plain-text-password')).toBe('was ********');
    expect(JSON.stringify(desired)).not.toContain('plain-text-password');
  });
});

describe('mysql_user.parse', () => {
  const desired = want({ host: 'localhost,10.0.0.%' });
  it('reads MariaDB accounts and grants, host by host', () => {
    const output = [
      'version=10.11.6-MariaDB-0+deb12u1',
      'account=localhost',
      `auth=mysql_native_password:${hex('*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19')}`,
      "GRANT USAGE ON *.* TO `app`@`localhost` IDENTIFIED BY PASSWORD '*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19'",
      'GRANT SELECT, INSERT ON `app`.* TO `app`@`localhost`',
      'account=10.0.0.%',
      '--------------',
      "SHOW GRANTS FOR 'app'@'10.0.0.%'",
      '--------------',
      '',
      "ERROR 1141 (42000) at line 8: There is no such grant defined for user 'app' on host '10.0.0.%'",
    ].join('\n');
    expect(mysqlUser.parse(output, desired)).toEqual({
      server: { status: 'up', version: '10.11.6-MariaDB-0+deb12u1', flavour: 'mariadb' },
      accounts: { localhost: { plugin: 'mysql_native_password', authHex: hex('*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19'), grants: { '`app`.*': ['INSERT', 'SELECT'] } } },
    });
  });

  it('reads a MySQL 8 caching_sha2_password account (binary salt, so hex)', () => {
    const auth = hex('$A$005$&M\x15\x06UEK\rS#{: d}\x1a\x1ak\'Pmqo1L9Dlfn03ogl4DiNubgaRsN4FYJjhE57s08Z39s2');
    const output = `version=8.0.36\naccount=localhost\nauth=caching_sha2_password:${auth}\nGRANT REPLICATION CLIENT ON *.* TO \`app\`@\`localhost\``;
    expect(mysqlUser.parse(output, desired).accounts).toEqual({ localhost: { plugin: 'caching_sha2_password', authHex: auth, grants: { '*.*': ['REPLICATION CLIENT'] } } });
  });

  it('keeps the first query error', () => {
    const output = 'version=8.0.36\naccount=localhost\nERROR 1142 (42000) at line 3: SELECT command denied\nERROR 1141 (42000) at line 4: no such grant\nERROR 1142 (42000) at line 5: again';
    expect(mysqlUser.parse(output, desired).error).toBe('ERROR 1142 (42000) at line 3: SELECT command denied');
  });

  it.each<[string, string, MysqlUserCurrent]>([
    ['no server', 'server=missing', { server: { status: 'missing' }, accounts: {} }],
    ['a server that is down', "ERROR 2002 (HY000): Can't connect\nserver=down", { server: { status: 'down', reason: "ERROR 2002 (HY000): Can't connect" }, accounts: {} }],
  ])('reads %s, with no error', (_, output, expected) => {
    expect(mysqlUser.parse(output, desired)).toEqual(expected);
  });
});

describe('mysql_user.diff and apply', () => {
  const ALTER_NATIVE = `ALTER USER IF EXISTS 'app'@'%' IDENTIFIED BY PASSWORD '${nativePasswordHash(PASSWORD)}';`;
  it.each<[string, MysqlUserDesired, MysqlUserCurrent, string[], string[]]>([
    ['in state (MariaDB)', want(), on(MARIADB, { '%': native() }), [], []],
    [
      'a new account on MariaDB: only the hash is sent',
      want(),
      on(MARIADB),
      ["'app'@'%': absent → present", "'app'@'%': grant ALL PRIVILEGES ON `app`.*"],
      [`CREATE USER IF NOT EXISTS 'app'@'%' IDENTIFIED BY PASSWORD '${nativePasswordHash(PASSWORD)}';`, "GRANT ALL PRIVILEGES ON `app`.* TO 'app'@'%';"],
    ],
    [
      'a new account on MySQL 8: caching_sha2_password',
      want(),
      on(MYSQL),
      ["'app'@'%': absent → present", "'app'@'%': grant ALL PRIVILEGES ON `app`.*"],
      ["CREATE USER IF NOT EXISTS 'app'@'%' IDENTIFIED WITH caching_sha2_password BY 's3cr3t \\'app\\' \"pw\" $(id)';", "GRANT ALL PRIVILEGES ON `app`.* TO 'app'@'%';"],
    ],
    ['a changed password', want(), on(MARIADB, { '%': native('old password') }), ["'app'@'%': password changed"], [ALTER_NATIVE]],
    [
      'a native account on MySQL 8 becomes caching_sha2',
      want(),
      on(MYSQL, { '%': native() }),
      ["'app'@'%': auth plugin mysql_native_password → caching_sha2_password"],
      ["ALTER USER IF EXISTS 'app'@'%' IDENTIFIED WITH caching_sha2_password BY 's3cr3t \\'app\\' \"pw\" $(id)';"],
    ],
    [
      'privileges to revoke and grant',
      want({ privileges: ['REPLICATION SLAVE, REPLICATION CLIENT ON *.*'] }),
      on(MARIADB, { '%': native(PASSWORD, { '*.*': ['REPLICATION SLAVE', 'SELECT'], '`app`.*': ['ALL PRIVILEGES'] }) }),
      ["'app'@'%': revoke SELECT ON *.*", "'app'@'%': grant BINLOG MONITOR ON *.*", "'app'@'%': revoke ALL PRIVILEGES ON `app`.*"],
      ["REVOKE SELECT ON *.* FROM 'app'@'%';", "GRANT BINLOG MONITOR ON *.* TO 'app'@'%';", "REVOKE ALL PRIVILEGES ON `app`.* FROM 'app'@'%';"],
    ],
    [
      'one host of two missing',
      want({ host: 'localhost,%' }),
      on(MARIADB, { '%': native() }),
      ["'app'@'localhost': absent → present", "'app'@'localhost': grant ALL PRIVILEGES ON `app`.*"],
      [`CREATE USER IF NOT EXISTS 'app'@'localhost' IDENTIFIED BY PASSWORD '${nativePasswordHash(PASSWORD)}';`, "GRANT ALL PRIVILEGES ON `app`.* TO 'app'@'localhost';"],
    ],
    ['to drop', mysqlUser.validate({ name: 'app', host: '%', state: 'absent' }), on(MARIADB, { '%': native() }), ["'app'@'%': present → absent"], ["DROP USER IF EXISTS 'app'@'%';"]],
    ['already absent', mysqlUser.validate({ name: 'app', host: '%', state: 'absent' }), on(MARIADB), [], []],
    ['absent, no server', mysqlUser.validate({ name: 'app', host: '%', state: 'absent' }), on({ status: 'missing' }), [], []],
    [
      'local to a replica',
      want({ binlog: 'false' }),
      on(MARIADB, { '%': native('old') }),
      ["'app'@'%': password changed"],
      ['SET SESSION sql_log_bin=0;', ALTER_NATIVE],
    ],
  ])('%s', (_, desired, current, changes, sql) => {
    expect(summaries(mysqlUser.decide(desired, current).changes)).toEqual(changes);
    const script = mysqlUser.apply(desired, mysqlUser.decide(desired, current));
    expect(syntaxOk(script)).toBe(true);
    expect(statements(script)).toEqual(sql);
    // The flavour the probe saw decides the SQL: one client call, the statements' own.
    expect(clientCalls(script, current.server)).toEqual(sql.length === 0 ? [] : ['mariadb [-N] [-B]']);
  });

  it('converges from any state when the server was not running at probe time, choosing the flavour on the host', () => {
    const desired = want({ host: 'localhost,%' });
    const current = on({ status: 'missing' });
    expect(summaries(mysqlUser.decide(desired, current).changes)).toEqual([
      "'app'@'localhost': absent → present with ALL ON app.* (server not installed yet)",
      "'app'@'%': absent → present with ALL ON app.* (server not installed yet)",
    ]);
    const script = mysqlUser.apply(desired, mysqlUser.decide(desired, current));
    expect(syntaxOk(script)).toBe(true);
    expect(script).toContain('case "$provision_version" in');
    // The server is asked its version on the host, then the statements for it run.
    expect(clientCalls(script, MYSQL)).toEqual(['mariadb [-N] [-B] [-e] [SELECT VERSION()]', 'mariadb [-N] [-B]']);
    const [mariadb, mysql] = heredocs(script);
    expect(mariadb!.split('\n').slice(1, 5)).toEqual([
      `CREATE USER IF NOT EXISTS 'app'@'localhost' IDENTIFIED BY PASSWORD '${nativePasswordHash(PASSWORD)}';`,
      `ALTER USER IF EXISTS 'app'@'localhost' IDENTIFIED BY PASSWORD '${nativePasswordHash(PASSWORD)}';`,
      "REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'app'@'localhost';",
      "GRANT ALL PRIVILEGES ON `app`.* TO 'app'@'localhost';",
    ]);
    expect(mysql).toContain("CREATE USER IF NOT EXISTS 'app'@'%' IDENTIFIED WITH caching_sha2_password BY");
  });

  it('fails apply when the accounts could not be read', () => {
    const current = { ...on(MARIADB), error: 'ERROR 1142' };
    expect(summaries(mysqlUser.decide(want(), current).changes)).toEqual(['cannot read the accounts: ERROR 1142 (apply will fail)']);
    expect(mysqlUser.apply(want(), mysqlUser.decide(want(), current))).toContain("fail 'cannot read the accounts: ERROR 1142'");
  });
});

describe('the password', () => {
  const desired = want({ host: 'localhost,%' });
  const states: Array<[string, MysqlUserCurrent]> = [
    ['MariaDB, new', on(MARIADB)],
    ['MariaDB, changed', on(MARIADB, { localhost: native('old'), '%': native('old') })],
    ['MySQL 8, new', on(MYSQL)],
    ['MySQL 8, changed', on(MYSQL, { localhost: native('old'), '%': native('old') })],
    ['server missing', on({ status: 'missing' })],
  ];

  it('is never in the probe script, the label or a summary', () => {
    expect(mysqlUser.probe(desired)).not.toContain(PASSWORD);
    expect(mysqlUser.label(desired)).toBe('app@localhost,%');
    for (const [, current] of states) expect(JSON.stringify(mysqlUser.decide(desired, current).changes)).not.toContain(PASSWORD);
  });

  it.each(states)('is only inside the stdin here-documents of the apply script (%s), and only for MySQL 8', (name, current) => {
    const script = mysqlUser.apply(desired, mysqlUser.decide(desired, current));
    expect(script).not.toContain(PASSWORD);
    expect(outsideHeredocs(script)).not.toContain(nativePasswordHash(PASSWORD));
    const inside = heredocs(script).join('\n');
    expect(inside.includes("s3cr3t \\'app\\'")).toBe(!name.startsWith('MariaDB'));
  });
});

describe('mysql_user probe', () => {
  it('probes all users of a host in one client call, each part as its own probe reads it', () => {
    const stubs = fakeClient('10.11.6-MariaDB', {
      "User = 'app' AND Host = 'localhost'": `auth=mysql_native_password:${hex(nativePasswordHash(PASSWORD))}`,
      "SHOW GRANTS FOR 'app'@'localhost'": 'GRANT ALL PRIVILEGES ON `app`.* TO `app`@`localhost`',
      "SHOW GRANTS FOR 'repl'@": "ERROR 1141 (42000) at line 9: There is no such grant defined for user 'repl' on host '10.0.0.2'",
    });
    const items = [want({ host: 'localhost' }), want({ name: 'repl', host: '10.0.0.2' })];
    expect(probeManyLocally(mysqlUser, items, stubs.env)).toEqual([{ server: MARIADB, accounts: { localhost: native() } }, { server: MARIADB, accounts: {} }]);
    expect(stubs.calls()).toEqual(['mariadb [-N] [-B] [--force] [--unbuffered]']);
  });

  it.each<[string, () => ReturnType<typeof stubCommands>, MysqlUserCurrent]>([
    ['is down', () => fakeClient('', {}, true), { server: { status: 'down', reason: "ERROR 2002 (HY000): Can't connect to local server through socket" }, accounts: {} }],
    ['is missing', () => stubCommands(['mariadb']), { server: { status: 'missing' }, accounts: {} }],
  ])('tells every user of a host that the server %s', (_, stubs, expected) => {
    expect(probeManyLocally(mysqlUser, [want({ host: 'localhost' }), want({ name: 'repl', host: '%' })], stubs().env)).toEqual([expected, expected]);
  });

  it('reads every account and its grants in one read-only client call, and exits 0', () => {
    const stubs = fakeClient('10.11.6-MariaDB', {
      "Host = 'localhost'": `auth=mysql_native_password:${hex(nativePasswordHash(PASSWORD))}`,
      "SHOW GRANTS FOR 'app'@'localhost'": 'GRANT ALL PRIVILEGES ON `app`.* TO `app`@`localhost`',
      "SHOW GRANTS FOR 'app'@'%'": "ERROR 1141 (42000) at line 6: There is no such grant defined for user 'app' on host '%'",
    });
    const desired = want({ host: 'localhost,%' });
    const current = probeLocally(mysqlUser, desired, stubs.env);
    expect(current).toEqual({ server: MARIADB, accounts: { localhost: native() } });
    expect(mysqlUser.decide(desired, current).changes.length).toBe(2);
    expect(stubs.calls()).toEqual(['mariadb [-N] [-B] [--force] [--unbuffered]']);
  });

  it('reports an error other than "no such grant" as the error, once', () => {
    const stubs = fakeClient('10.11.6-MariaDB', { 'FROM mysql.user': 'ERROR 1142 (42000) at line 2: SELECT command denied to user' });
    const current = probeLocally(mysqlUser, want({ host: 'localhost,%' }), stubs.env);
    expect(current).toEqual({ server: MARIADB, accounts: {}, error: 'ERROR 1142 (42000) at line 2: SELECT command denied to user' });
  });
});
