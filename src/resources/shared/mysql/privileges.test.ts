import { describe, expect, it } from 'vitest';
import { canonicalObject, declaredGrants, describeStep, type Grants, grantSteps, parseDeclaredPrivilege, parseShowGrants, stepStatement } from './privileges.js';

describe('canonicalObject', () => {
  it.each([
    ['*.*', '*.*'],
    ['app.*', '`app`.*'],
    ['`app`.*', '`app`.*'],
    ['app.users', '`app`.`users`'],
    ['`my``db`.`t`', '`my``db`.`t`'],
    ['*.users', undefined],
    ['app', undefined],
    ['app.*; DROP', undefined],
  ])('%s', (text, expected) => {
    expect(canonicalObject(text)).toBe(expected);
  });
});

describe('parseDeclaredPrivilege', () => {
  it('reads privileges and the object', () => {
    expect(parseDeclaredPrivilege('REPLICATION SLAVE, select ON *.*')).toEqual({ privileges: ['REPLICATION SLAVE', 'select'], object: '*.*' });
  });

  it.each([
    ['no ON', 'SELECT', /not like "SELECT, INSERT ON app.\*"/],
    ['a bad object', 'SELECT ON app', /not like/],
    ['a column privilege', 'SELECT (a) ON app.t', /column privileges are not supported/],
    ['SQL after the object', "SELECT ON app.* TO 'x'@'%'", /not like/],
  ])('rejects %s', (_, text, message) => {
    expect(() => parseDeclaredPrivilege(text)).toThrow(message);
  });
});

describe('declaredGrants', () => {
  it('merges objects and spells names as the flavour does', () => {
    const declared = ['REPLICATION SLAVE, REPLICATION CLIENT ON *.*', 'select ON app.*', 'INSERT ON `app`.*', 'ALL ON logs.*', 'USAGE ON *.*'];
    expect(declaredGrants(declared, 'mariadb')).toEqual({ '*.*': ['BINLOG MONITOR', 'REPLICATION SLAVE'], '`app`.*': ['INSERT', 'SELECT'], '`logs`.*': ['ALL PRIVILEGES'] });
    expect(declaredGrants(declared, 'mysql')['*.*']).toEqual(['REPLICATION CLIENT', 'REPLICATION SLAVE']);
  });
});

describe('parseShowGrants', () => {
  it('reads MariaDB 10.11 output', () => {
    const lines = [
      "GRANT SELECT, REPLICATION SLAVE, BINLOG MONITOR, SHOW VIEW, TRIGGER ON *.* TO `repl`@`10.77.0.13` IDENTIFIED BY PASSWORD '*CEF70F14B00183BBB4670258B5F7B193CBE17934'",
      'GRANT USAGE ON `app`.* TO `t1`@`10.%` WITH GRANT OPTION',
      'GRANT SELECT, SELECT (`v`), INSERT ON `app`.`t` TO `t1`@`10.%`',
      'GRANT PROXY ON ``@`%` TO `root`@`localhost` WITH GRANT OPTION',
      'GRANT EXECUTE ON PROCEDURE `app`.`p` TO `t1`@`10.%`',
    ];
    expect(parseShowGrants(lines, 'mariadb')).toEqual({
      '*.*': ['BINLOG MONITOR', 'REPLICATION SLAVE', 'SELECT', 'SHOW VIEW', 'TRIGGER'],
      '`app`.*': ['GRANT OPTION'],
      '`app`.`t`': ['INSERT', 'SELECT'],
    });
  });

  it('reads MySQL 8 output, dynamic privileges on lines of their own, and skips roles', () => {
    const lines = [
      'GRANT REPLICATION SLAVE ON *.* TO `repl`@`10.0.0.2`',
      'GRANT BACKUP_ADMIN ON *.* TO `repl`@`10.0.0.2`',
      'GRANT ALL PRIVILEGES ON `app`.* TO `repl`@`10.0.0.2`',
      'GRANT `reader`@`%` TO `repl`@`10.0.0.2`',
      'GRANT USAGE ON *.* TO `repl`@`10.0.0.2`',
    ];
    expect(parseShowGrants(lines, 'mysql')).toEqual({ '*.*': ['BACKUP_ADMIN', 'REPLICATION SLAVE'], '`app`.*': ['ALL PRIVILEGES'] });
  });
});

describe('grantSteps', () => {
  it.each<[string, Grants, Grants, string[]]>([
    ['in state', { '`app`.*': ['SELECT'] }, { '`app`.*': ['SELECT'] }, []],
    ['a new account', { '*.*': ['REPLICATION SLAVE'], '`app`.*': ['SELECT'] }, {}, ['grant REPLICATION SLAVE ON *.*', 'grant SELECT ON `app`.*']],
    ['one more, one less', { '`app`.*': ['INSERT', 'SELECT'] }, { '`app`.*': ['DELETE', 'SELECT'] }, ['revoke DELETE ON `app`.*', 'grant INSERT ON `app`.*']],
    ['an object no longer declared', {}, { '`old`.*': ['SELECT'] }, ['revoke SELECT ON `old`.*']],
    ['ALL covers the others, not GRANT OPTION', { '`app`.*': ['ALL PRIVILEGES'] }, { '`app`.*': ['GRANT OPTION', 'SELECT'] }, ['revoke GRANT OPTION ON `app`.*', 'grant ALL PRIVILEGES ON `app`.*']],
    ['from ALL to fewer', { '`app`.*': ['SELECT'] }, { '`app`.*': ['ALL PRIVILEGES'] }, ['revoke ALL PRIVILEGES ON `app`.*', 'grant SELECT ON `app`.*']],
  ])('%s', (_, want, have, expected) => {
    expect(grantSteps(want, have).map(describeStep)).toEqual(expected);
  });

  it('makes the statements', () => {
    const [revoke, grant] = grantSteps({ '`app`.*': ['SELECT'] }, { '`app`.*': ['DELETE'] });
    expect(stepStatement(revoke!, "'app'@'%'")).toBe("REVOKE DELETE ON `app`.* FROM 'app'@'%'");
    expect(stepStatement(grant!, "'app'@'%'")).toBe("GRANT SELECT ON `app`.* TO 'app'@'%'");
  });
});
