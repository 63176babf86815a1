import { describe, expect, it } from 'vitest';
import { mysqlDatabase, type MysqlDatabaseCurrent, type MysqlDatabaseDesired } from './index.js';
import type { ServerState } from '../shared/mysql/server.js';
import { clientCalls, fakeClient, statements } from '../../../test/support/mysql.js';
import type { Effects } from '../shared/lookahead.js';
import { ahead, argErrorOf, predicted, probeLocally, probeManyLocally, probeScriptLocally, stubCommands, summaries, syntaxOk } from '../../../test/support/resources.js';
import { splitItems } from '../../engine/batch.js';
import { mysqlUser } from '../mysql-user/index.js';

const want = (args: Record<string, unknown> = {}): MysqlDatabaseDesired => mysqlDatabase.validate({ name: 'app', ...args });
const MARIADB: ServerState = { status: 'up', version: '10.11.6-MariaDB', flavour: 'mariadb' };
const up = (exists: boolean): MysqlDatabaseCurrent => ({ server: MARIADB, exists });

describe('mysql_database.validate', () => {
  it.each([
    ['an unknown key, with a suggestion', { name: 'app', stat: 'present' }, 'stat', /did you mean 'state'/],
    ['a name with SQL in it', { name: 'app`; DROP DATABASE mysql; --' }, 'name', /a database name/],
    ['a system schema', { name: 'MySQL' }, 'name', /system schema/],
    ['an unknown state', { name: 'app', state: 'dropped' }, 'state', /one of present, absent/],
    ['binlog that is not a boolean', { name: 'app', binlog: 'sometimes' }, 'binlog', /true or false/],
  ])('rejects %s', (_, args, key, message) => {
    const error = argErrorOf(mysqlDatabase, args);
    expect(error.key).toBe(key);
    expect(error.message).toMatch(message);
  });

  it('defaults to present, in the binary log', () => {
    expect(want()).toEqual({ name: 'app', state: 'present', binlog: true });
  });
});

describe('mysql_database.parse', () => {
  it.each<[string, string, MysqlDatabaseCurrent]>([
    ['no server', 'server=missing', { server: { status: 'missing' }, exists: false, error: undefined }],
    ['a server that is down', 'ERROR 2002 (HY000): Can\'t connect\nserver=down', { server: { status: 'down', reason: "ERROR 2002 (HY000): Can't connect" }, exists: false, error: undefined }],
    ['the database', 'version=10.11.6-MariaDB\nexists=1', { ...up(true), error: undefined }],
    ['no database', 'version=10.11.6-MariaDB\nexists=0', { ...up(false), error: undefined }],
    ['a failed query', 'version=10.11.6-MariaDB\n--------------\nSELECT CONCAT(\'exists=\', COUNT(*)) FROM information_schema.SCHEMATA\n--------------\n\nERROR 1045 (28000) at line 3: denied', { ...up(false), error: 'ERROR 1045 (28000) at line 3: denied' }],
  ])('%s', (_, output, expected) => {
    expect(mysqlDatabase.parse(output, want())).toEqual(expected);
  });
});

describe('mysql_database.diff and apply', () => {
  it.each<[string, MysqlDatabaseDesired, MysqlDatabaseCurrent, string[], string[]]>([
    ['in state', want(), up(true), [], []],
    ['to create', want(), up(false), ['absent → present'], ['CREATE DATABASE IF NOT EXISTS `app`;']],
    ['to drop', want({ state: 'absent' }), up(true), ['present → absent (dropped with its tables)'], ['DROP DATABASE IF EXISTS `app`;']],
    ['already absent', want({ state: 'absent' }), up(false), [], []],
    ['no server yet', want(), { server: { status: 'missing' }, exists: false }, ['absent → present (server not installed yet)'], ['CREATE DATABASE IF NOT EXISTS `app`;']],
    ['absent, no server', want({ state: 'absent' }), { server: { status: 'missing' }, exists: false }, [], []],
    ['absent, server down', want({ state: 'absent' }), { server: { status: 'down', reason: '' }, exists: false }, ['drop if present (server not running)'], ['DROP DATABASE IF EXISTS `app`;']],
    ['local to a replica', want({ binlog: false }), up(false), ['absent → present'], ['SET SESSION sql_log_bin=0;', 'CREATE DATABASE IF NOT EXISTS `app`;']],
  ])('%s', (_, desired, current, changes, sql) => {
    expect(summaries(mysqlDatabase.decide(desired, current).changes)).toEqual(changes);
    const script = mysqlDatabase.apply(desired, mysqlDatabase.decide(desired, current));
    expect(syntaxOk(script)).toBe(true);
    expect(statements(script)).toEqual(sql);
    // No flavour in the SQL: one client call, the statements' own.
    expect(clientCalls(script, current.server)).toEqual(sql.length === 0 ? [] : ['mariadb [-N] [-B]']);
  });

  it('fails apply when the state could not be read', () => {
    const current = { ...up(false), error: 'ERROR 1045 (28000): Access denied' };
    expect(summaries(mysqlDatabase.decide(want(), current).changes)).toEqual(['cannot read the databases: ERROR 1045 (28000): Access denied (apply will fail)']);
    expect(mysqlDatabase.apply(want(), mysqlDatabase.decide(want(), current))).toContain("fail 'cannot read the databases: ERROR 1045 (28000): Access denied'");
  });
});

describe('mysql_database probe', () => {
  it('asks information_schema, read-only, in one client call, and exits 0', () => {
    const stubs = fakeClient('10.11.6-MariaDB', { 'information_schema.SCHEMATA': 'exists=1' });
    expect(probeLocally(mysqlDatabase, want(), stubs.env)).toEqual({ ...up(true), server: { status: 'up', version: '10.11.6-MariaDB', flavour: 'mariadb' }, error: undefined });
    expect(stubs.calls()).toEqual(['mariadb [-N] [-B] [--force] [--unbuffered]']);
  });

  it('probes all databases of a host in one client call, and a failing query fails only its own item', () => {
    const stubs = fakeClient('10.11.6-MariaDB', { "SCHEMA_NAME = 'app'": 'exists=1', "SCHEMA_NAME = 'shop'": 'ERROR 1045 (28000) at line 6: denied' });
    expect(probeManyLocally(mysqlDatabase, [want(), want({ name: 'shop' }), want({ name: 'new' })], stubs.env)).toEqual([
      { ...up(true), error: undefined },
      { ...up(false), error: 'ERROR 1045 (28000) at line 6: denied' },
      { ...up(false), error: undefined },
    ]);
    expect(stubs.calls()).toEqual(['mariadb [-N] [-B] [--force] [--unbuffered]']);
  });

  it("shares the client call of the host's accounts (one probe family): each type reads its own part as its own probe prints it", () => {
    const stubs = fakeClient('10.11.6-MariaDB', { 'information_schema.SCHEMATA': 'exists=1', 'mysql.user': 'auth=mysql_native_password:2A41' });
    const user = mysqlUser.validate({ name: 'app', host: 'localhost', state: 'absent' });
    expect(mysqlUser.probeFamily!.family).toBe(mysqlDatabase.probeFamily!.family);
    const separator = '@@sep';
    const output = probeScriptLocally(mysqlDatabase.probeFamily!.family.probeMany([mysqlDatabase.probeFamily!.part(want()), mysqlUser.probeFamily!.part(user)], separator), stubs.env);
    expect(stubs.calls()).toEqual(['mariadb [-N] [-B] [--force] [--unbuffered]']);
    const [database, account] = splitItems(output, separator, 2)!;
    expect(mysqlDatabase.parse(database!, want())).toEqual(probeLocally(mysqlDatabase, want(), stubs.env));
    expect(mysqlUser.parse(account!, user)).toEqual(probeLocally(mysqlUser, user, stubs.env));
  });

  it('on a fresh host (a client, no server program): each member of the family reads itself as missing, and no client is started', () => {
    const stubs = stubCommands(['mariadb'], { mariadb: 'exit 3' });
    const user = mysqlUser.validate({ name: 'app', host: 'localhost', password: 'correct-horse-9' });
    const separator = '@@sep';
    const output = probeScriptLocally(mysqlDatabase.probeFamily!.family.probeMany([mysqlDatabase.probeFamily!.part(want()), mysqlUser.probeFamily!.part(user)], separator), stubs.env);
    const [database, account] = splitItems(output, separator, 2)!;
    expect(mysqlDatabase.parse(database!, want())).toEqual({ server: { status: 'missing' }, exists: false });
    expect(mysqlUser.parse(account!, user)).toEqual(probeLocally(mysqlUser, user, stubs.env));
    expect(mysqlUser.parse(account!, user)).toMatchObject({ server: { status: 'missing' } });
    expect(stubs.calls()).toEqual([]);
  });

  it('tells every database of a host that the server is down', () => {
    const down = { server: { status: 'down', reason: "ERROR 2002 (HY000): Can't connect to local server through socket" }, exists: false };
    expect(probeManyLocally(mysqlDatabase, [want(), want({ name: 'shop' })], fakeClient('', {}, true).env)).toEqual([down, down]);
  });

  it('reads a server that is down as down, not as a failed query', () => {
    expect(probeLocally(mysqlDatabase, want(), fakeClient('', {}, true).env)).toEqual({ server: { status: 'down', reason: "ERROR 2002 (HY000): Can't connect to local server through socket" }, exists: false });
  });
});

describe('mysql_database.predict: a server installed earlier in the run starts empty', () => {
  const server: Effects = { paths: new Map([['/usr/sbin/mariadbd', { kind: 'file', by: 'package mariadb-server (mariadb-server-core)', attributes: { owner: 'root', group: 'root', mode: '0755' }, size: 1, keepsExisting: false }]]) };
  it.each<[string, MysqlDatabaseCurrent, Effects, string]>([
    ['no server is installed', { server: { status: 'missing' }, exists: false }, {}, 'unaffected'],
    ['a package installs the server', { server: { status: 'missing' }, exists: false }, server, 'known: absent → present (server not installed yet) (package mariadb-server (mariadb-server-core) installs the server; a new one has no databases and no accounts but its own)'],
    ['onto a data directory already there', { server: { status: 'missing', dataDir: true }, exists: false }, server, 'unknown: package mariadb-server (mariadb-server-core) installs the server, which starts with the data already in /var/lib/mysql'],
    ['a server that is up already', up(true), server, 'unaffected'],
  ])('%s', (_, current, effects, expected) => {
    expect(predicted(mysqlDatabase, want(), current, ahead(effects))).toBe(expected);
  });

  it('the probe says whether a data directory is there when the server is missing', () => {
    expect(mysqlDatabase.parse('server=missing\ndatadir=yes\n', want())).toEqual({ server: { status: 'missing', dataDir: true }, exists: false });
  });
});
