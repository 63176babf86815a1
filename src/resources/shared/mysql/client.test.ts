import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFields } from '../probe-output.js';
import { applyLocally, countedCommands, probeScriptLocally, runSh, stubCommands, syntaxOk } from '../../../../test/support/resources.js';
import { APPLY_PREAMBLE, flavourCase, forServer, query, runSql, serverProbe } from './client.js';
import { parseServer } from './server.js';
import { fakeClient } from '../../../../test/support/mysql.js';
import { insert, sh, userText } from '../../../shell/quote.js';


describe('serverProbe', () => {
  it('says missing when there is no server program, without running the client', () => {
    const stubs = stubCommands(['mariadb']);
    expect(parseServer(parseFields(probeScriptLocally(serverProbe(userText('echo body=ran')), stubs.env)))).toEqual({ status: 'missing' });
    expect(stubs.calls()).toEqual([]);
  });

  it("says down, with the client's error, when the server does not answer", () => {
    const stubs = fakeClient('', {}, true);
    const out = probeScriptLocally(serverProbe(userText('echo body=ran')), stubs.env);
    expect(parseServer(parseFields(out))).toEqual({ status: 'down', reason: "ERROR 2002 (HY000): Can't connect to local server through socket" });
    expect(out).not.toContain('body=ran');
  });

  it('says up with the version and flavour, then runs the body', () => {
    const stubs = fakeClient('10.11.6-MariaDB-0+deb12u1');
    const out = probeScriptLocally(serverProbe(userText('echo body=ran')), stubs.env);
    expect(parseServer(parseFields(out))).toEqual({ status: 'up', version: '10.11.6-MariaDB-0+deb12u1', flavour: 'mariadb' });
    expect(out).toContain('body=ran');
    expect(stubs.calls()).toEqual(['mariadb [-N] [-B] [-e] [SELECT VERSION()]']);
  });

  it.each([
    ['MySQL 8.0.36', '8.0.36', { status: 'up', version: '8.0.36', flavour: 'mysql' }],
    ['MySQL 5.7, too old', '5.7.44-log', { status: 'up', version: '5.7.44-log', flavour: 'mysql', unsupported: 'MySQL 5.7.44-log is too old (8.0.26 or newer is needed)' }],
    ['MariaDB 10.3, too old', '10.3.39-MariaDB', { status: 'up', version: '10.3.39-MariaDB', flavour: 'mariadb', unsupported: 'MariaDB 10.3.39-MariaDB is too old (10.5 or newer is needed)' }],
  ])('tells %s', (_, version, expected) => {
    expect(parseServer(parseFields(`server=up\nversion=${version}`))).toEqual(expected);
  });
});

describe('query', () => {
  it('sends the SQL on stdin and prefixes every row', () => {
    const stubs = fakeClient('10.11.6-MariaDB', { 'FROM t': 'a\nb' });
    expect(probeScriptLocally(serverProbe(query("SELECT x FROM t WHERE y = 'it''s';", 'row=')), stubs.env)).toContain('row=a\nrow=b\n');
    expect(stubs.calls().at(-1)).toBe('mariadb [-N] [-B]');
  });

  it('prefixes rows in the shell (no sed), keeping spaces and backslashes', () => {
    const stubs = fakeClient('10.11.6-MariaDB', { 'FROM t': '  a\\tb \nc' });
    const sed = countedCommands(['sed']);
    expect(probeScriptLocally(serverProbe(query('SELECT x FROM t;', 'row=')), { PATH: `${sed.dir}:${stubs.env['PATH']}` })).toContain('row=  a\\tb \nrow=c\n');
    expect(sed.calls()).toEqual([]);
  });

  it("turns a failing query into one error= line with the client's first line", () => {
    const stubs = stubCommands(['mariadb', 'mariadbd'], { mariadb: `case "$*" in *VERSION*) echo 10.11.6-MariaDB ;; *) printf 'ERROR 1142 (42000): denied\\nmore\\n' >&2; exit 1 ;; esac` });
    const out = probeScriptLocally(serverProbe(query('SELECT 1;', 'row=')), stubs.env);
    expect(parseFields(out).get('error')).toBe('ERROR 1142 (42000): denied');
  });
});

describe('apply scripts', () => {
  it('run the SQL through the client on stdin, never as an argument', () => {
    const log = join(stubCommands([]).dir, 'stdin.sql');
    const spy = stubCommands(['mariadb', 'mariadbd'], { mariadb: `case "$*" in *VERSION*) echo 10.11.6-MariaDB ;; *) cat >>'${log}' ;; esac` });
    const result = applyLocally(sh`${insert(APPLY_PREAMBLE)}\n${insert(runSql("SELECT 'secret-ish';\n"))}`, spy.env);
    expect(result.code).toBe(0);
    expect(spy.calls()).toEqual(['mariadb [-N] [-B] [-e] [SELECT VERSION()]', 'mariadb [-N] [-B]']);
    expect(runSh(`cat '${log}'`).stdout).toBe("SELECT 'secret-ish';\n");
  });

  it('fail clearly when there is no client, or the server does not answer', () => {
    // A PATH holding nothing but sh and what the engine's apply batch itself runs.
    const bare = stubCommands([]);
    for (const tool of ['sh', 'flock', 'date', 'cat', 'rm']) symlinkSync(runSh(`command -v ${tool}`).stdout.trim(), join(bare.dir, tool));
    const none = applyLocally(APPLY_PREAMBLE, { PATH: bare.dir });
    expect(none.stderr).toContain('provision: no MySQL/MariaDB client (mariadb or mysql) on this host');
    const down = applyLocally(APPLY_PREAMBLE, fakeClient('', {}, true).env);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('ERROR 2002');
    expect(down.stderr).toContain('provision: the MySQL/MariaDB server does not answer');
  });

  it('choose by flavour on the host when the probe could not tell', () => {
    const script = forServer({ status: 'missing' }, (flavour) => userText(`echo ${flavour}`));
    expect(script).toBe(flavourCase((flavour) => userText(`echo ${flavour}`)));
    expect(syntaxOk(script)).toBe(true);
    expect(runSh(`provision_version=10.11.6-MariaDB\n${script}`).stdout).toBe('mariadb\n');
    expect(runSh(`provision_version=8.0.36\n${script}`).stdout).toBe('mysql\n');
    expect(forServer({ status: 'up', version: '8.0.36', flavour: 'mysql' }, (flavour) => userText(`echo ${flavour}`))).toBe('echo mysql');
  });
});
