import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../../secrets.js';
import { optionFile, parseStatus, type ReplicationSource, replicationDialect } from './replication.js';

const fixture = (name: string): string => readFileSync(new URL(`../../../../test/fixtures/mysql/${name}`, import.meta.url), 'utf8');
const source: ReplicationSource = { host: '10.0.0.11', port: 3306, user: 'repl', password: new Secret(`pa"ss\\w'ord #1`) };

describe('parseStatus', () => {
  it.each([
    ['MariaDB 10.11, replicating', 'mariadb-slave-status.txt', 'mariadb', { host: '10.77.0.12', user: 'repl', port: '3306', io: 'Yes', sql: 'Yes', gtid: 'Slave_Pos', lag: '0' }, ''],
    ['MariaDB 10.11, SQL thread stopped', 'mariadb-slave-status-sql-error.txt', 'mariadb', { host: '10.77.0.12', user: 'repl', port: '3306', io: 'Yes', sql: 'No', gtid: 'Slave_Pos', lag: 'NULL' }, "Duplicate entry '4'"],
    ['MySQL 8.0, still connecting', 'mysql8-replica-status.txt', 'mysql', { host: '10.0.0.11', user: 'repl', port: '3306', io: 'Connecting', sql: 'Yes', gtid: '1', lag: 'NULL' }, ''],
  ] as const)('%s', (_, file, flavour, expected, sqlError) => {
    const status = parseStatus(fixture(file));
    const fields = replicationDialect(flavour).fields;
    expect(Object.fromEntries(Object.entries(fields).map(([k, name]) => [k, status.get(name)]))).toEqual(expected);
    expect(status.get('Last_SQL_Error') ?? '').toContain(sqlError);
  });

  it('keeps values with colons whole', () => {
    expect(parseStatus(fixture('mysql8-replica-status.txt')).get('Last_IO_Error')).toMatch(/^Error connecting to source 'repl@10.0.0.11:3306'\. .* Authentication requires secure connection\.$/);
  });

  it('reads nothing from a server that is no replica', () => {
    expect(parseStatus('').size).toBe(0);
  });
});

describe('replication statements', () => {
  it('MariaDB: CHANGE MASTER with GTID slave_pos, START/STOP SLAVE, a dump that sets gtid_slave_pos', () => {
    const d = replicationDialect('mariadb', '10.11.6-MariaDB');
    expect(d.changeSource(source, 2)).toBe(
      "CHANGE MASTER TO MASTER_HOST='10.0.0.11', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD='pa\"ss\\\\w\\'ord #1', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=2",
    );
    expect([d.status, d.start, d.stop, d.resetBinlog]).toEqual(['SHOW SLAVE STATUS', 'START SLAVE', 'STOP SLAVE', 'RESET MASTER']);
    expect(d.dumpOptions).toEqual(['--single-transaction', '--gtid', '--master-data=1']);
  });

  it('MySQL 8: CHANGE REPLICATION SOURCE with auto-positioning, START/STOP REPLICA, a dump that sets gtid_purged', () => {
    const d = replicationDialect('mysql', '8.4.3');
    expect(d.changeSource(source, 2)).toBe(
      "CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.11', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD='pa\"ss\\\\w\\'ord #1', SOURCE_AUTO_POSITION=1, SOURCE_CONNECT_RETRY=2, GET_SOURCE_PUBLIC_KEY=1",
    );
    expect([d.status, d.start, d.stop, d.resetBinlog]).toEqual(['SHOW REPLICA STATUS', 'START REPLICA', 'STOP REPLICA', 'RESET BINARY LOGS AND GTIDS']);
    expect(d.dumpOptions).toContain('--source-data=2');
    expect(replicationDialect('mysql', '8.0.36').resetBinlog).toBe('RESET MASTER');
    expect(replicationDialect('mysql', '8.0').resetBinlog).toBe('RESET MASTER');
    expect(replicationDialect('mysql', '8.10.1').resetBinlog).toBe('RESET BINARY LOGS AND GTIDS');
  });
});

describe('optionFile', () => {
  it('quotes the values so any password survives, and adds what the flavour needs', () => {
    expect(optionFile(source, replicationDialect('mariadb'))).toBe('[client]\nhost="10.0.0.11"\nport=3306\nuser="repl"\npassword="pa\\"ss\\\\w\'ord #1"\n');
    expect(optionFile(source, replicationDialect('mysql'))).toContain('\nget-server-public-key\n');
  });
});
