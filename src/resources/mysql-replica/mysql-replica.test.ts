import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clearSecretsForTests, Secret } from '../../secrets.js';
import { mysqlReplica, type MysqlReplicaCurrent, type MysqlReplicaDesired } from './index.js';
import { passwordFingerprint } from '../shared/mysql/password.js';
import type { ServerState } from '../shared/mysql/server.js';
import { clientCalls, fakeClient, heredocs, outsideHeredocs, statements } from '../../../test/support/mysql.js';
import { applyLocally, argErrorOf, probeLocally, stubCommands, summaries, syntaxOk } from '../../../test/support/resources.js';

const PASSWORD = `r3pl "pw" \\ $(id) 'x'`;
const secret = new Secret(PASSWORD);
afterAll(() => clearSecretsForTests());

const fixture = (name: string): string => readFileSync(new URL(`../../../test/fixtures/mysql/${name}`, import.meta.url), 'utf8');
const want = (args: Record<string, unknown> = {}): MysqlReplicaDesired => mysqlReplica.validate({ primary: '10.77.0.12', user: 'repl', password: secret, ...args });
const MARIADB: ServerState = { status: 'up', version: '10.11.19-MariaDB-0+deb12u1', flavour: 'mariadb' };
const MYSQL: ServerState = { status: 'up', version: '8.0.36', flavour: 'mysql' };

/** A MariaDB replica of 10.77.0.12 as repl, both threads running, read-only, with the password of `desired`. */
function replicating(desired: MysqlReplicaDesired, overrides: Partial<MysqlReplicaCurrent> = {}): MysqlReplicaCurrent {
  return {
    server: MARIADB,
    readOnly: true,
    source: { host: '10.77.0.12', port: 3306, user: 'repl', gtid: 'Slave_Pos', passwordFingerprint: passwordFingerprint(desired.fingerprintSalt, PASSWORD) },
    io: 'Yes',
    sql: 'Yes',
    lastIoError: '',
    lastSqlError: '',
    ...overrides,
  };
}
const notReplica = (server: ServerState, readOnly = false): MysqlReplicaCurrent => ({ server, readOnly, io: '', sql: '', lastIoError: '', lastSqlError: '' });

describe('mysql_replica.validate', () => {
  it.each([
    ['an unknown key, with a suggestion', { primary: 'db', user: 'repl', password: 'x', readonly: true }, 'readonly', /did you mean 'read_only'/],
    ['a primary with shell syntax', { primary: 'db; rm -rf /', user: 'repl', password: 'x' }, 'primary', /host name or an address/],
    ['no primary', { user: 'repl', password: 'x' }, 'primary', /'primary' is required/],
    ['a port out of range', { primary: 'db', port: 70000, user: 'repl', password: 'x' }, 'port', /between 1 and 65535/],
    ['a user with a quote', { primary: 'db', user: "r'", password: 'x' }, 'user', /MySQL user name/],
    ['no password', { primary: 'db', user: 'repl' }, 'password', /'password' is required/],
    ['another state', { primary: 'db', user: 'repl', password: 'x', state: 'stopped' }, 'state', /one of replicating/],
    ['no time to wait', { primary: 'db', user: 'repl', password: 'x', wait: 0 }, 'wait', /at least 1 second/],
  ])('rejects %s', (_, args, key, message) => {
    const error = argErrorOf(mysqlReplica, args);
    expect(error.key).toBe(key);
    expect(error.message).toMatch(message);
  });

  it('has defaults, and a new fingerprint salt each time', () => {
    expect(want()).toMatchObject({ state: 'replicating', primary: '10.77.0.12', port: 3306, user: 'repl', readOnly: true, seed: true, wait: 120 });
    expect(want().fingerprintSalt).not.toBe(want().fingerprintSalt);
  });
});

describe('mysql_replica.parse', () => {
  const desired = want();
  /** What the probe prints (-B: a header line before each row), the shell's fingerprint after the client's output. */
  const probeOutput = (version: string, status: string): string =>
    `version\nversion=${version}\nread_only\nread_only=1\nmaster_info\nmaster_info=/var/lib/mysql/master.info\n${status}\npassword_fingerprint=abc  -\n`;

  it('reads SHOW SLAVE STATUS of MariaDB (\\G)', () => {
    expect(mysqlReplica.parse(probeOutput('10.11.19-MariaDB-0+deb12u1', fixture('mariadb-slave-status.txt')), desired)).toEqual({
      server: MARIADB,
      readOnly: true,
      source: { host: '10.77.0.12', port: 3306, user: 'repl', gtid: 'Slave_Pos', passwordFingerprint: 'abc' },
      io: 'Yes',
      sql: 'Yes',
      lastIoError: '',
      lastSqlError: '',
    });
  });

  it('reads a stopped SQL thread and its error', () => {
    const current = mysqlReplica.parse(probeOutput('10.11.19-MariaDB-0+deb12u1', fixture('mariadb-slave-status-sql-error.txt')), desired);
    expect(current).toMatchObject({ io: 'Yes', sql: 'No' });
    expect(current.lastSqlError).toMatch(/^Could not execute Write_rows_v1 event on table app\.t; Duplicate entry '4' for key 'PRIMARY'/);
  });

  it('reads SHOW REPLICA STATUS of MySQL 8', () => {
    const current = mysqlReplica.parse(probeOutput('8.0.36', fixture('mysql8-replica-status.txt')), desired);
    expect(current).toMatchObject({ server: MYSQL, source: { host: '10.0.0.11', port: 3306, user: 'repl', gtid: '1' }, io: 'Connecting', sql: 'Yes' });
    expect(current.lastIoError).toContain('Authentication requires secure connection');
  });

  it.each<[string, string, MysqlReplicaCurrent]>([
    ['a server that is no replica', 'version\nversion=10.11.19-MariaDB\nread_only\nread_only=0\nmaster_info\nmaster_info=/var/lib/mysql/master.info\npassword_fingerprint=abc  -', notReplica({ status: 'up', version: '10.11.19-MariaDB', flavour: 'mariadb' })],
    ['no server', 'server=missing', notReplica({ status: 'missing' })],
    ['a server that is down', "ERROR 2002 (HY000): Can't connect\nserver=down", notReplica({ status: 'down', reason: "ERROR 2002 (HY000): Can't connect" })],
    ['a failed query', 'version\nversion=10.11.19-MariaDB\n--------------\nSHOW REPLICA STATUS\n--------------\n\nERROR 1227 (42000) at line 7: denied', { ...notReplica({ status: 'up', version: '10.11.19-MariaDB', flavour: 'mariadb' }), error: 'ERROR 1227 (42000) at line 7: denied' }],
  ])('%s', (_, output, expected) => {
    expect(mysqlReplica.parse(output, desired)).toEqual(expected);
  });
});

describe('mysql_replica.diff', () => {
  const desired = want();
  it.each<[string, MysqlReplicaCurrent, string[]]>([
    ['in state', replicating(desired), []],
    ['no replica yet', notReplica(MARIADB), ["not a replica → replicating from 10.77.0.12:3306 as repl (seeded from a dump of the primary first)", 'read_only OFF → ON']],
    ['no server yet', notReplica({ status: 'missing' }), ['replicating from 10.77.0.12:3306 as repl (server not installed yet; seeded from a dump of the primary first unless it is a replica by then)']],
    ['stopped (STOP SLAVE)', replicating(desired, { io: 'No', sql: 'No' }), ['IO thread No → Yes', 'SQL thread No → Yes']],
    ['an SQL error', replicating(desired, { sql: 'No', lastSqlError: "Duplicate entry '4'" }), ["SQL thread No → Yes (last error: Duplicate entry '4')"]],
    ['another primary', replicating(desired, { source: { host: '10.77.0.11', port: 3307, user: 'repl', gtid: 'Slave_Pos', passwordFingerprint: passwordFingerprint(desired.fingerprintSalt, PASSWORD) } }), ['primary 10.77.0.11:3307 → 10.77.0.12:3306']],
    ['another password', replicating(desired, { source: { host: '10.77.0.12', port: 3306, user: 'repl', gtid: 'Slave_Pos', passwordFingerprint: passwordFingerprint(desired.fingerprintSalt, 'old') } }), ['replication password changed']],
    ['no password readable: not compared', replicating(desired, { source: { host: '10.77.0.12', port: 3306, user: 'repl', gtid: 'Slave_Pos' } }), []],
    ['positions instead of GTIDs', replicating(desired, { source: { host: '10.77.0.12', port: 3306, user: 'old', gtid: 'No', passwordFingerprint: passwordFingerprint(desired.fingerprintSalt, PASSWORD) } }), ['replication user old → repl', 'GTID positioning (Using_Gtid) No → Slave_Pos']],
    ['writable', replicating(desired, { readOnly: false }), ['read_only OFF → ON']],
    ['MySQL 5.7', notReplica({ status: 'up', version: '5.7.44', flavour: 'mysql', unsupported: 'MySQL 5.7.44 is too old (8.0.26 or newer is needed)' }), ['MySQL 5.7.44 is too old (8.0.26 or newer is needed) (apply will fail)']],
    ['MySQL 5.7, which knows no SHOW REPLICA STATUS', { ...notReplica({ status: 'up', version: '5.7.44', flavour: 'mysql', unsupported: 'MySQL 5.7.44 is too old (8.0.26 or newer is needed)' }), error: 'ERROR 1064 (42000)' }, ['MySQL 5.7.44 is too old (8.0.26 or newer is needed) (apply will fail)']],
    ['a failed query', { ...notReplica(MARIADB), error: 'ERROR 1227' }, ['cannot read the replication state: ERROR 1227 (apply will fail)']],
  ])('%s', (_, current, expected) => {
    expect(summaries(mysqlReplica.decide(desired, current).changes)).toEqual(expected);
  });

  it('says when it will replicate from the start of the binary logs instead of seeding', () => {
    expect(summaries(mysqlReplica.decide(want({ seed: false }), notReplica(MARIADB, true)).changes)).toEqual(["not a replica → replicating from 10.77.0.12:3306 as repl (from the start of the primary's binary logs)"]);
  });
});

describe('mysql_replica.apply', () => {
  const desired = want();
  const changeMaster = `CHANGE MASTER TO MASTER_HOST='10.77.0.12', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD='r3pl "pw" \\\\ $(id) \\'x\\'', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=2;`;
  const changeSource = `CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.77.0.12', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD='r3pl "pw" \\\\ $(id) \\'x\\'', SOURCE_AUTO_POSITION=1, SOURCE_CONNECT_RETRY=2, GET_SOURCE_PUBLIC_KEY=1;`;

  it.each<[string, MysqlReplicaCurrent, string[]]>([
    ['MariaDB, new replica', notReplica(MARIADB), ['SET GLOBAL read_only = ON;', 'STOP SLAVE;', 'RESET MASTER;', 'STOP SLAVE;', changeMaster, 'START SLAVE;']],
    ['MySQL 8, new replica', notReplica(MYSQL), ['SET GLOBAL read_only = ON;', 'STOP REPLICA;', 'RESET MASTER;', 'STOP REPLICA;', changeSource, 'START REPLICA;']],
    ['MariaDB, stopped', replicating(desired, { io: 'No', sql: 'No' }), ['START SLAVE;']],
    ['MySQL 8, stopped', { ...replicating(desired, { io: 'No', sql: 'No' }), server: MYSQL, source: { host: '10.77.0.12', port: 3306, user: 'repl', gtid: '1' } }, ['START REPLICA;']],
    ['MariaDB, other settings', replicating(desired, { source: { host: '10.77.0.11', port: 3306, user: 'repl', gtid: 'Slave_Pos' } }), ['STOP SLAVE;', changeMaster, 'START SLAVE;']],
    ['writable', replicating(desired, { readOnly: false }), ['SET GLOBAL read_only = ON;']],
    ['MySQL 8, writable', { ...replicating(desired, { readOnly: false }), server: MYSQL, source: { host: '10.77.0.12', port: 3306, user: 'repl', gtid: '1' } }, ['SET GLOBAL read_only = ON;']],
  ])('%s', (_, current, sql) => {
    const script = mysqlReplica.apply(desired, mysqlReplica.decide(desired, current));
    expect(syntaxOk(script)).toBe(true);
    expect(statements(script)).toEqual(sql);
    // The flavour and version the probe saw decide the statements: the server is not asked them again.
    expect(script).not.toContain('VERSION()');
  });

  it('chooses on the host when the server was not up at probe time: MySQL 8.0 and 8.1 reset their binary logs the 8.0 way, later MySQL the newer', () => {
    const script = mysqlReplica.apply(desired, mysqlReplica.decide(desired, notReplica({ status: 'missing' })));
    expect(syntaxOk(script)).toBe(true);
    const arm = (start: string, end: string): string => script.slice(script.indexOf(start), end === '' ? undefined : script.indexOf(end));
    expect(statements(arm('\n8.0.*)\n', '\n8.1.*)\n'))).toContain('RESET MASTER;');
    expect(statements(arm('\n8.1.*)\n', '\n*)\n'))).toContain('RESET MASTER;');
    expect(statements(arm('\n*)\n', ''))).toContain('RESET BINARY LOGS AND GTIDS;');
    expect(statements(arm('\n*MariaDB*|*mariadb*)\n', '\n8.0.*)\n'))).toContain('STOP SLAVE;');
  });

  it('sets read_only in one client call, the flavour known from the probe', () => {
    const script = mysqlReplica.apply(desired, mysqlReplica.decide(desired, replicating(desired, { readOnly: false })));
    expect(clientCalls(script, MARIADB)).toEqual(['mariadb [-N] [-B]']);
  });

  it('seeds a new replica from a dump of the primary, streamed into the local client without binary logging', () => {
    const mariadb = outsideHeredocs(mysqlReplica.apply(desired, mysqlReplica.decide(desired, notReplica(MARIADB))));
    expect(mariadb).toContain('"$provision_dump" --defaults-extra-file="$provision_cnf" --single-transaction --gtid --master-data=1 "$@"; echo "$?" >&3; } | "$provision_sql" -N -B');
    expect(mariadb).toContain("printf '%s\\n' 'SET SESSION sql_log_bin=0;'");
    const mysql = outsideHeredocs(mysqlReplica.apply(desired, mysqlReplica.decide(desired, notReplica(MYSQL))));
    expect(mysql).toContain('"$provision_dump" --defaults-extra-file="$provision_cnf" --single-transaction --source-data=2 --set-gtid-purged=ON "$@"');
    expect(mysql).toContain("provision_field Replica_SQL_Running");
  });

  it('only starts and checks replication when it is set up already', () => {
    const script = mysqlReplica.apply(desired, mysqlReplica.decide(desired, replicating(desired, { io: 'No' })));
    expect(script).not.toContain('provision_dump');
    expect(script).not.toContain('provision_cnf');
    expect(script).toContain('provision_field Slave_IO_Running');
  });

  it('chooses the flavour on the host when the server was not running at probe time', () => {
    const script = mysqlReplica.apply(desired, mysqlReplica.decide(desired, notReplica({ status: 'missing' })));
    expect(syntaxOk(script)).toBe(true);
    expect(statements(script)).toContain(changeMaster);
    expect(statements(script)).toContain(changeSource);
  });

  it('skips the seed when asked, and fails for a server it cannot manage', () => {
    expect(mysqlReplica.apply(want({ seed: false }), mysqlReplica.decide(want({ seed: false }), notReplica(MARIADB)))).not.toContain('provision_seed');
    expect(mysqlReplica.apply(desired, mysqlReplica.decide(desired, notReplica({ status: 'up', version: '5.7.44', flavour: 'mysql', unsupported: 'too old' })))).toContain("fail 'too old'");
  });
});

describe('the replication password', () => {
  const desired = want();
  const states: Array<[string, MysqlReplicaCurrent]> = [
    ['MariaDB, new replica', notReplica(MARIADB)],
    ['MySQL 8, new replica', notReplica(MYSQL)],
    ['server missing', notReplica({ status: 'missing' })],
    ['other settings', replicating(desired, { source: { host: '10.77.0.11', port: 3306, user: 'repl', gtid: 'Slave_Pos' } })],
  ];

  it('is never in the probe script, the label or a summary', () => {
    expect(mysqlReplica.probe(desired)).not.toContain(PASSWORD);
    expect(mysqlReplica.label(desired)).toBe('from 10.77.0.12:3306');
    for (const [, current] of states) expect(JSON.stringify(mysqlReplica.decide(desired, current).changes)).not.toContain(PASSWORD);
  });

  it.each(states)('is only inside the stdin here-documents of the apply script (%s)', (_, current) => {
    const script = mysqlReplica.apply(desired, mysqlReplica.decide(desired, current));
    expect(script).not.toContain(PASSWORD);
    const inside = heredocs(script);
    expect(inside.some((text) => text.includes('MASTER_PASSWORD=') || text.includes('SOURCE_PASSWORD='))).toBe(true);
  });
});

describe('mysql_replica scripts, run with a stand-in client', () => {
  const masterInfo = (lines: string): string => {
    const datadir = stubCommands([]).dir;
    writeFileSync(join(datadir, 'master.info'), lines);
    return `master_info=${datadir}/master.info`;
  };

  it('probe: reads the status and fingerprints the stored password without printing it, in one client call', () => {
    const stored = masterInfo(`33\nmysql-bin.000001\n4\n10.77.0.12\nrepl\n${PASSWORD}\n3306\n`);
    const stubs = fakeClient('10.11.19-MariaDB-0+deb12u1', { '@@GLOBAL.read_only': 'read_only=1', 'EXECUTE provision_stored': stored, 'SHOW REPLICA STATUS': fixture('mariadb-slave-status.txt').trimEnd() });
    const desired = want();
    const current = probeLocally(mysqlReplica, desired, stubs.env);
    expect(current).toEqual(replicating(desired));
    expect(mysqlReplica.decide(desired, current).changes).toEqual([]);
    expect(JSON.stringify(current)).not.toContain(PASSWORD);
    expect(stubs.calls()).toEqual(['mariadb [-B] [--force] [--unbuffered]']);
  });

  it.each([
    ['a master.info too short for a password line', '3\nmysql-bin.000001\n4\n'],
    ['a password on the last line, with no line end', `6\nmysql-bin.000001\n4\n10.77.0.12\nrepl\n  ${PASSWORD} `],
  ])('probe: fingerprints line 6 as sed printed it (%s)', (_, text) => {
    const stubs = fakeClient('10.11.19-MariaDB-0+deb12u1', { 'EXECUTE provision_stored': masterInfo(text), 'SHOW REPLICA STATUS': fixture('mariadb-slave-status.txt').trimEnd() });
    const desired = want();
    const line6 = text.split('\n')[5] ?? '';
    expect(probeLocally(mysqlReplica, desired, stubs.env).source?.passwordFingerprint).toBe(passwordFingerprint(desired.fingerprintSalt, line6));
  });

  it("probe: takes MySQL's fingerprint from the server (its password is in a table), and a server that is down as down", () => {
    const mysql = fakeClient('8.0.36', { 'EXECUTE provision_stored': 'password_fingerprint=f00d', 'SHOW REPLICA STATUS': fixture('mysql8-replica-status.txt').trimEnd() });
    expect(probeLocally(mysqlReplica, want(), mysql.env).source?.passwordFingerprint).toBe('f00d');
    expect(probeLocally(mysqlReplica, want(), fakeClient('', {}, true).env)).toEqual(notReplica({ status: 'down', reason: "ERROR 2002 (HY000): Can't connect to local server through socket" }));
  });

  it("probe: the server chooses the flavour's statement for the stored password, written so that it reads alike in any sql_mode", () => {
    const sql = mysqlReplica.probe(want());
    expect(sql).toContain("SET SESSION sql_mode='';");
    expect(sql).toContain("SET @provision_stored = IF(VERSION() LIKE '%MariaDB%', 'SELECT CONCAT(\\'master_info=\\', @@datadir, \\'master.info\\') AS master_info', 'SELECT CONCAT(\\'password_fingerprint=\\', SHA2(CONCAT(");
  });

  it('apply on a new replica: waits for the primary, seeds, points, starts, checks; the option file is private and removed', () => {
    const state = stubCommands([]).dir;
    const client = `
last=; for a in "$@"; do last=$a; done
case " $* " in *' -e '*) sql=$last ;; *) sql=$(cat); printf '%s\\n' "$sql" >>'${state}/stdin.sql' ;; esac
case "$sql" in
  'SELECT VERSION()') echo 10.11.19-MariaDB ;;
  'SHOW SLAVE STATUS') if [ -f '${state}/started' ]; then printf '  Master_Host: 10.77.0.12\\n  Slave_IO_Running: Yes\\n  Slave_SQL_Running: Yes\\n'; fi ;;
  *SCHEMATA*) printf 'app\\nmy shop\\n' ;;
  'SELECT @@GLOBAL.log_bin') echo 1 ;;
  *'START SLAVE'*) touch '${state}/started' ;;
esac`;
    const dump = `f=\${1#--defaults-extra-file=}; stat -c %a "$f" >'${state}/cnf.mode'; cp "$f" '${state}/cnf.copy'; echo "$f" >'${state}/cnf.path'; echo '-- the dump'`;
    const stubs = stubCommands(['mariadb', 'mariadbd', 'mariadb-dump'], { mariadb: client, 'mariadb-dump': dump });
    const desired = want();
    const result = applyLocally(mysqlReplica.apply(desired, mysqlReplica.decide(desired, notReplica(MARIADB))), stubs.env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const calls = stubs.calls();
    expect(calls).toContain('mariadb-dump [--defaults-extra-file=' + readFileSync(join(state, 'cnf.path'), 'utf8').trim() + '] [--single-transaction] [--gtid] [--master-data=1] [--routines] [--databases] [app] [my shop]');
    expect(calls.join('\n')).not.toContain(PASSWORD);
    expect(readFileSync(join(state, 'cnf.mode'), 'utf8')).toBe('600\n');
    expect(readFileSync(join(state, 'cnf.copy'), 'utf8')).toContain(`password="r3pl \\"pw\\" \\\\ $(id) 'x'"`);
    expect(() => readFileSync(readFileSync(join(state, 'cnf.path'), 'utf8').trim())).toThrow();
    const sql = readFileSync(join(state, 'stdin.sql'), 'utf8');
    expect(sql).toContain('SET SESSION sql_log_bin=0;\n-- the dump\n');
    expect(sql.indexOf('RESET MASTER')).toBeLessThan(sql.indexOf('-- the dump'));
    expect(sql.indexOf('-- the dump')).toBeLessThan(sql.indexOf('CHANGE MASTER TO'));
  });

  it('apply on a new replica looks at the primary and at the threads again within a second, until they answer', () => {
    const state = stubCommands([]).dir;
    // The primary refuses the account at first (it is being made by the same run); the threads run only at the second look.
    const client = `
last=; for a in "$@"; do last=$a; done
case " $* " in *' -e '*) sql=$last ;; *) sql=$(cat) ;; esac
case "$sql" in
  'SELECT VERSION()') echo 10.11.19-MariaDB ;;
  'SELECT 1') [ -f '${state}/refused' ] || { touch '${state}/refused'; echo 'ERROR 1045 (28000): Access denied' >&2; exit 1; } ;;
  'SHOW SLAVE STATUS') echo x >>'${state}/looks'
    # The seed step looks first; the threads run from the third look on (the second look of the check).
    if [ "$(wc -l <'${state}/looks')" -ge 3 ]; then io=Yes; else io=Connecting; fi
    printf '  Slave_IO_Running: %s\\n  Slave_SQL_Running: Yes\\n' "$io" ;;
esac`;
    const stubs = stubCommands(['mariadb', 'mariadbd', 'mariadb-dump', 'sleep'], { mariadb: client, 'mariadb-dump': 'echo dumped' });
    const result = applyLocally(mysqlReplica.apply(want(), mysqlReplica.decide(want(), notReplica(MARIADB))), stubs.env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(stubs.calls().filter((c) => c.startsWith('sleep'))).toEqual(['sleep [0.5]', 'sleep [0.5]']);
  });

  it('apply on a new replica copies the primary again a second after a failed dump, once the primary answers (it may be restarting)', () => {
    const state = stubCommands([]).dir;
    const client = `
last=; for a in "$@"; do last=$a; done
case " $* " in *' -e '*) sql=$last ;; *) sql=$(cat) ;; esac
case "$sql" in
  'SELECT VERSION()') echo 10.11.19-MariaDB ;;
  'SELECT 1') echo x >>'${state}/asked' ;;
  'SHOW SLAVE STATUS') if [ -f '${state}/started' ]; then printf '  Slave_IO_Running: Yes\\n  Slave_SQL_Running: Yes\\n'; fi ;;
  *'START SLAVE'*) touch '${state}/started' ;;
esac`;
    // The first dump breaks off (the primary went away); the second one works.
    const dump = `if [ -f '${state}/dumped' ]; then echo '-- the dump'; else touch '${state}/dumped'; echo 'Lost connection' >&2; exit 2; fi`;
    const stubs = stubCommands(['mariadb', 'mariadbd', 'mariadb-dump', 'sleep'], { mariadb: client, 'mariadb-dump': dump });
    const result = applyLocally(mysqlReplica.apply(want(), mysqlReplica.decide(want(), notReplica(MARIADB))), stubs.env);
    expect(result.code).toBe(0);
    expect(stubs.calls().filter((c) => c.startsWith('sleep') || c.startsWith('mariadb-dump')).map((c) => c.split(' ')[0] + (c.startsWith('sleep') ? c.slice(5) : ''))).toEqual(['mariadb-dump', 'sleep [1]', 'mariadb-dump']);
    // The primary is asked once before the first copy and once before the second.
    expect(readFileSync(join(state, 'asked'), 'utf8')).toBe('x\nx\n');
  });

  it('refuses a database name from the primary that the dump program would read as an option', () => {
    const client = `
last=; for a in "$@"; do last=$a; done
case " $* " in *' -e '*) sql=$last ;; *) sql=$(cat) ;; esac
case "$sql" in
  'SELECT VERSION()') echo 10.11.19-MariaDB ;;
  *SCHEMATA*) printf 'app\\n--result-file=/etc/cron.d/x\\n' ;;
esac`;
    const stubs = stubCommands(['mariadb', 'mariadbd', 'mariadb-dump'], { mariadb: client, 'mariadb-dump': 'echo dumped' });
    const result = applyLocally(mysqlReplica.apply(want(), mysqlReplica.decide(want(), notReplica(MARIADB))), stubs.env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("provision: the primary has a database whose name starts with '-', which the dump program would read as an option; rename it");
    expect(stubs.calls().join('\n')).not.toContain('mariadb-dump');
  });

  it('apply fails with the last errors when replication does not run', () => {
    const status = fixture('mariadb-slave-status-sql-error.txt');
    const stubs = fakeClient('10.11.19-MariaDB', { 'SHOW SLAVE STATUS': status.trimEnd() });
    const desired = want();
    const result = applyLocally(mysqlReplica.apply(desired, mysqlReplica.decide(desired, replicating(desired, { sql: 'No' }))), stubs.env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Slave_SQL_Running: No\n.*Last_IO_Error: \n.*Last_SQL_Error: Could not execute Write_rows_v1/);
    expect(result.stderr).toContain('provision: replication is not running (Slave_IO_Running, Slave_SQL_Running, Last_IO_Error and Last_SQL_Error above)');
  });
});
