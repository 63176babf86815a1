import { readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyLocally, countedCommands, probeScriptLocally, runSh, stubCommands, syntaxOk } from '../../../../test/support/resources.js';
import { APPLY_PREAMBLE, flavourCase, forServer, probeQuery, runSql, serverProbe } from './client.js';
import { parseProbe, parseServer } from './server.js';
import { fakeClient } from '../../../../test/support/mysql.js';
import { insert, sh, userText } from '../../../shell/quote.js';

/** Programs a probe used to start beside the client: none of them may run (the stand-in client itself uses cat). */
const OTHER_PROGRAMS = ['base64', 'head', 'sed', 'awk', 'tr', 'cut'];

describe('serverProbe with probeQuery', () => {
  const probe = (sql = 'SELECT 1;'): ReturnType<typeof serverProbe> => serverProbe(probeQuery(sql));

  it('says missing when there is no server program, without running the client', () => {
    const stubs = stubCommands(['mariadb']);
    expect(parseServer(probeScriptLocally(probe(), stubs.env))).toEqual({ status: 'missing' });
    expect(stubs.calls()).toEqual([]);
  });

  it("says down, with the client's error, when the server does not answer, and exits 0", () => {
    const stubs = fakeClient('', {}, true);
    expect(parseProbe(probeScriptLocally(probe(), stubs.env))).toEqual({ server: { status: 'down', reason: "ERROR 2002 (HY000): Can't connect to local server through socket" } });
  });

  it('asks the version and runs the statements in ONE client call, starting no other program', () => {
    const stubs = fakeClient('10.11.6-MariaDB-0+deb12u1', { 'FROM t': 'row=a' });
    const others = countedCommands(OTHER_PROGRAMS);
    const out = probeScriptLocally(probe('SELECT x FROM t;'), { PATH: `${others.dir}:${stubs.env['PATH']}` });
    expect(parseProbe(out)).toEqual({ server: { status: 'up', version: '10.11.6-MariaDB-0+deb12u1', flavour: 'mariadb' } });
    expect(out).toContain('row=a\n');
    expect(stubs.calls()).toEqual(['mariadb [-N] [-B] [--force] [--unbuffered]']);
    expect(others.calls()).toEqual([]);
  });

  it('sends the SQL on stdin as it is, quotes, backslashes and shell syntax included', () => {
    const log = join(stubCommands([]).dir, 'stdin.sql');
    const spy = stubCommands(['mariadb', 'mariadbd'], { mariadb: `cat >'${log}'` });
    const sql = "SELECT x FROM t WHERE y = 'it''s \\\\ $(id) `id`';\nPROVISION_TEXT\n";
    probeScriptLocally(probe(sql), spy.env);
    expect(readFileSync(log, 'utf8')).toBe(`SET SESSION sql_mode='';\nSELECT CONCAT('version=', VERSION()) AS version;\n${sql}`);
  });

  it('tells a failing statement (an ERROR line; the others still run) from a server that is down', () => {
    const stubs = fakeClient('10.11.6-MariaDB', { 'FROM t': 'ERROR 1142 (42000) at line 3: denied', 'FROM u': 'row=u' });
    const out = probeScriptLocally(probe('SELECT x FROM t;\nSELECT y FROM u;'), stubs.env);
    expect(parseProbe(out)).toEqual({ server: { status: 'up', version: '10.11.6-MariaDB', flavour: 'mariadb' }, error: 'ERROR 1142 (42000) at line 3: denied' });
    expect(out).toContain('row=u');
  });
});

describe('parseServer and parseProbe', () => {
  it.each<[string, string, ReturnType<typeof parseProbe>]>([
    ['no server', 'server=missing', { server: { status: 'missing' } }],
    ['no server, data there', 'server=missing\ndatadir=yes', { server: { status: 'missing', dataDir: true } }],
    ['a server that does not answer', "ERROR 2002 (HY000): Can't connect\nserver=down", { server: { status: 'down', reason: "ERROR 2002 (HY000): Can't connect" } }],
    ['a client that says nothing', 'server=down', { server: { status: 'down', reason: '' } }],
    ['MariaDB', 'version=10.11.6-MariaDB\nx=1', { server: { status: 'up', version: '10.11.6-MariaDB', flavour: 'mariadb' } }],
    ['a header line before the row (no -N)', 'version\nversion=8.0.36', { server: { status: 'up', version: '8.0.36', flavour: 'mysql' } }],
    ['MySQL 5.7, too old', 'version=5.7.44-log', { server: { status: 'up', version: '5.7.44-log', flavour: 'mysql', unsupported: 'MySQL 5.7.44-log is too old (8.0.26 or newer is needed)' } }],
    ['MariaDB 10.3, too old', 'version=10.3.39-MariaDB', { server: { status: 'up', version: '10.3.39-MariaDB', flavour: 'mariadb', unsupported: 'MariaDB 10.3.39-MariaDB is too old (10.5 or newer is needed)' } }],
    ['a failed statement: the first error', 'version=8.0.36\n--------------\nSELECT 1\n--------------\n\nERROR 1142 (42000) at line 3: denied\nERROR 1146 (42S02) at line 4: no table', { server: { status: 'up', version: '8.0.36', flavour: 'mysql' }, error: 'ERROR 1142 (42000) at line 3: denied' }],
  ])('%s', (_, output, expected) => {
    expect(parseServer(output)).toEqual(expected.server);
    expect(parseProbe(output)).toEqual(expected);
  });

  it('leaves out the errors expected', () => {
    const output = 'version=8.0.36\nERROR 1141 (42000) at line 4: no such grant\nERROR 1142 (42000) at line 5: denied';
    expect(parseProbe(output, [1141]).error).toBe('ERROR 1142 (42000) at line 5: denied');
    expect(parseProbe(output.split('\n').slice(0, 2).join('\n'), [1141]).error).toBeUndefined();
  });
});

describe('apply scripts', () => {
  it('run the SQL through the client on stdin, never as an argument, in its one client call', () => {
    const log = join(stubCommands([]).dir, 'stdin.sql');
    const spy = stubCommands(['mariadb', 'mariadbd'], { mariadb: `cat >>'${log}'` });
    const result = applyLocally(sh`${insert(APPLY_PREAMBLE)}\n${insert(runSql("SELECT 'secret-ish';\n"))}`, spy.env);
    expect(result.code).toBe(0);
    expect(spy.calls()).toEqual(['mariadb [-N] [-B]']);
    expect(runSh(`cat '${log}'`).stdout).toBe("SELECT 'secret-ish';\n");
  });

  it("fail clearly when there is no client, or with the client's error when the server does not answer", () => {
    // A PATH holding nothing but sh and what the engine's apply batch itself runs.
    const bare = stubCommands([]);
    for (const tool of ['sh', 'flock', 'date', 'cat', 'rm']) symlinkSync(runSh(`command -v ${tool}`).stdout.trim(), join(bare.dir, tool));
    const none = applyLocally(APPLY_PREAMBLE, { PATH: bare.dir });
    expect(none.stderr).toContain('provision: no MySQL/MariaDB client (mariadb or mysql) on this host');
    const down = applyLocally(sh`${insert(APPLY_PREAMBLE)}\n${insert(runSql('SELECT 1;\n'))}`, fakeClient('', {}, true).env);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('ERROR 2002');
  });

  it('choose by flavour on the host, asking the server, when the probe could not tell', () => {
    const byFlavour = (flavour: string, version?: string): ReturnType<typeof userText> => userText(`echo ${flavour} ${version ?? 'newest'}`);
    const script = forServer({ status: 'missing' }, byFlavour);
    expect(script).toBe(flavourCase(byFlavour));
    expect(syntaxOk(script)).toBe(true);
    const chosen = (version: string): string => applyLocally(sh`${insert(APPLY_PREAMBLE)}\n${insert(script)}`, fakeClient(version).env).stdout;
    expect(chosen('10.11.6-MariaDB')).toBe('mariadb newest\n');
    // MySQL 8.0 and 8.1 spell some replication statements the older way: each gets the text built for its series.
    expect(chosen('8.0.36')).toBe('mysql 8.0\n');
    expect(chosen('8.1.0')).toBe('mysql 8.1\n');
    expect(chosen('8.4.3')).toBe('mysql newest\n');
    const down = applyLocally(sh`${insert(APPLY_PREAMBLE)}\n${insert(script)}`, fakeClient('', {}, true).env);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('ERROR 2002');
    expect(down.stderr).toContain('provision: the MySQL/MariaDB server does not answer');
  });

  it('use the flavour the probe saw, without asking the server again', () => {
    expect(forServer({ status: 'up', version: '8.0.36', flavour: 'mysql' }, (flavour, version) => userText(`echo ${flavour} ${version}`))).toBe('echo mysql 8.0.36');
    expect(forServer({ status: 'up', version: '10.11.6-MariaDB', flavour: 'mariadb' }, (flavour) => userText(`echo ${flavour}`))).toBe('echo mariadb');
  });
});
