import { describe, expect, it } from 'vitest';
import { mysqlGlobal, type MysqlGlobalCurrent, type MysqlGlobalDesired } from './index.js';
import type { ServerState } from '../shared/mysql/server.js';
import { clientCalls, fakeClient, statements } from '../../../test/support/mysql.js';
import { argErrorOf, probeLocally, summaries, syntaxOk } from '../../../test/support/resources.js';

const want = (args: Record<string, unknown> = {}): MysqlGlobalDesired => mysqlGlobal.validate({ name: 'expire_logs_days', value: '9', ...args });
const MARIADB: ServerState = { status: 'up', version: '10.11.6-MariaDB', flavour: 'mariadb' };
const up = (value: number): MysqlGlobalCurrent => ({ server: MARIADB, value });

describe('mysql_global.validate: which settings change without a restart', () => {
  it.each([
    ['expire_logs_days', '7', 7],
    ['binlog_expire_logs_seconds', 86400, 86400],
  ])('takes %s at run time', (name, value, expected) => {
    expect(mysqlGlobal.validate({ name, value })).toEqual({ name, value: expected });
  });

  it.each([
    ['a setting that needs a restart', { name: 'bind_address', value: '0' }, 'name', /not a setting provision changes at run time.*need a restart/],
    ['a dynamic setting the role keeps as it is', { name: 'server_id', value: '2' }, 'name', /not a setting/],
    ['SQL in the name', { name: 'expire_logs_days = 1; DROP DATABASE app', value: '1' }, 'name', /not a setting/],
    ['a value above the maximum', { name: 'expire_logs_days', value: '100' }, 'value', /from 0 to 99, got '100'/],
    ['a value that is not a number', { name: 'expire_logs_days', value: '7; SHUTDOWN' }, 'value', /whole number/],
    ['no value', { name: 'expire_logs_days' }, 'value', /whole number/],
    ['an unknown key', { name: 'expire_logs_days', value: '7', scope: 'session' }, 'scope', /scope/],
  ])('rejects %s', (_, args, key, message) => {
    const error = argErrorOf(mysqlGlobal, args);
    expect(error.key).toBe(key);
    expect(error.message).toMatch(message);
  });
});

describe('mysql_global.parse', () => {
  it.each<[string, string, MysqlGlobalCurrent]>([
    ['no server', 'server=missing', { server: { status: 'missing' }, error: undefined }],
    ['a server that is down', "ERROR 2002 (HY000): Can't connect\nserver=down", { server: { status: 'down', reason: "ERROR 2002 (HY000): Can't connect" }, error: undefined }],
    ["MariaDB's value in days, a decimal", 'version=10.11.6-MariaDB\nvalue=7.000000', { ...up(7), error: undefined }],
    ['a failed query', 'version=10.11.6-MariaDB\nERROR 1227 (42000) at line 3: denied', { server: MARIADB, error: 'ERROR 1227 (42000) at line 3: denied' }],
  ])('%s', (_, output, expected) => {
    expect(mysqlGlobal.parse(output, want())).toEqual(expected);
  });
});

describe('mysql_global.decide and apply', () => {
  it.each<[string, MysqlGlobalCurrent, string[], string[]]>([
    ['in state', up(9), [], []],
    ['another value: set live', up(7), ['7 → 9 (SET GLOBAL, no restart)'], ['SET GLOBAL expire_logs_days = 9;']],
    ['no server yet: its first start reads the option file', { server: { status: 'missing' } }, [], []],
    ['server not running: its start reads the option file', { server: { status: 'down', reason: '' } }, [], []],
  ])('%s', (_, current, changes, sql) => {
    const decision = mysqlGlobal.decide(want(), current);
    expect(summaries(decision.changes)).toEqual(changes);
    const script = mysqlGlobal.apply(want(), decision);
    expect(syntaxOk(script)).toBe(true);
    expect(statements(script)).toEqual(sql);
    expect(clientCalls(script, current.server)).toEqual(sql.length === 0 ? [] : ['mariadb [-N] [-B]']);
  });

  it('fails apply when the value could not be read', () => {
    const current = { server: MARIADB, error: 'ERROR 1227 (42000): denied' };
    expect(summaries(mysqlGlobal.decide(want(), current).changes)).toEqual(['cannot read expire_logs_days: ERROR 1227 (42000): denied (apply will fail)']);
    expect(mysqlGlobal.apply(want(), mysqlGlobal.decide(want(), current))).toContain("fail 'cannot read expire_logs_days: ERROR 1227 (42000): denied'");
  });
});

describe('mysql_global probe', () => {
  it('reads the global value, in one client call', () => {
    const stubs = fakeClient('10.11.6-MariaDB', { '@@GLOBAL.expire_logs_days': 'value=7.000000' });
    expect(probeLocally(mysqlGlobal, want(), stubs.env)).toEqual({ ...up(7), error: undefined });
    expect(stubs.calls()).toEqual(['mariadb [-N] [-B] [--force] [--unbuffered]']);
  });
});
