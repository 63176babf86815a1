/**
 * Replication in each flavour's words: MariaDB's CHANGE MASTER / SLAVE with
 * GTID slave_pos, MySQL 8's CHANGE REPLICATION SOURCE / REPLICA with GTID
 * auto-positioning; the status fields each one shows, and its dump program.
 */
import { mysqlOptionValue } from '../../../formats/mysql-option.js';
import type { Secret } from '../../../secrets.js';
import { type Flavour, isOlderMysql } from './server.js';
import { sqlString } from './sql.js';

/** Where a replica replicates from, and as whom. */
export interface ReplicationSource {
  /** The primary's address or name. */
  host: string;
  /** Its port. */
  port: number;
  /** The replication user. */
  user: string;
  /** Its password. */
  password: Secret;
}

/** The status fields a replica resource reads, by their name in SHOW SLAVE/REPLICA STATUS. */
export interface StatusFields {
  /** The primary's address. */
  host: string;
  /** The primary's port. */
  port: string;
  /** The replication user. */
  user: string;
  /** The receiving (IO) thread: Yes, No, Connecting. */
  io: string;
  /** The applying (SQL) thread: Yes, No. */
  sql: string;
  /** GTID positioning. */
  gtid: string;
  /** Seconds behind the primary (NULL while a thread is stopped). */
  lag: string;
}

/** One flavour's replication statements and programs. */
export interface ReplicationDialect {
  /** Which flavour. */
  flavour: Flavour;
  /** The status statement (its -E output is parsed by parseStatus). */
  status: string;
  /** Field names in the status. */
  fields: StatusFields;
  /** The value of fields.gtid when GTID positioning is on. */
  gtidOn: string;
  /** Starts both threads. */
  start: string;
  /** Stops both threads. */
  stop: string;
  /** Forgets the source and the replication settings (the server is no replica afterwards). */
  forget: string;
  /** Extra lines for the client option file. */
  clientOptions: readonly string[];
  /** Dump programs to look for, in order. */
  dumpPrograms: readonly string[];
  /** Dump options for a consistent copy that sets the GTID position on import. */
  dumpOptions: readonly string[];
  /** Statements run before a seed import: the server's own binary log history is dropped (it is becoming a copy of the primary). */
  resetBinlog: string;
  /** Points replication at the source (the statement holds the password: it only travels on the client's stdin). */
  changeSource(source: ReplicationSource, connectRetry: number): string;
}

const MARIADB: ReplicationDialect = {
  flavour: 'mariadb',
  status: 'SHOW SLAVE STATUS',
  fields: { host: 'Master_Host', port: 'Master_Port', user: 'Master_User', io: 'Slave_IO_Running', sql: 'Slave_SQL_Running', gtid: 'Using_Gtid', lag: 'Seconds_Behind_Master' },
  gtidOn: 'Slave_Pos',
  start: 'START SLAVE',
  stop: 'STOP SLAVE',
  forget: 'RESET SLAVE ALL',
  clientOptions: [],
  dumpPrograms: ['mariadb-dump', 'mysqldump'],
  // --gtid with --master-data=1: the dump sets gtid_slave_pos to the snapshot's position.
  dumpOptions: ['--single-transaction', '--gtid', '--master-data=1'],
  resetBinlog: 'RESET MASTER',
  changeSource: (s, retry) =>
    `CHANGE MASTER TO MASTER_HOST=${sqlString(s.host)}, MASTER_PORT=${s.port}, MASTER_USER=${sqlString(s.user)}, MASTER_PASSWORD=${sqlString(s.password.reveal())}, MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=${retry}`,
};

const MYSQL: ReplicationDialect = {
  flavour: 'mysql',
  status: 'SHOW REPLICA STATUS',
  fields: { host: 'Source_Host', port: 'Source_Port', user: 'Source_User', io: 'Replica_IO_Running', sql: 'Replica_SQL_Running', gtid: 'Auto_Position', lag: 'Seconds_Behind_Source' },
  gtidOn: '1',
  start: 'START REPLICA',
  stop: 'STOP REPLICA',
  forget: 'RESET REPLICA ALL',
  // caching_sha2_password over a connection without TLS needs the server's RSA key.
  clientOptions: ['get-server-public-key'],
  dumpPrograms: ['mysqldump'],
  // --set-gtid-purged=ON: the dump sets gtid_purged; the position in --source-data=2 is a comment (auto-positioning needs none).
  dumpOptions: ['--single-transaction', '--source-data=2', '--set-gtid-purged=ON'],
  // MySQL 8.4 has only the new name; 8.0 only the old one.
  resetBinlog: 'RESET BINARY LOGS AND GTIDS',
  changeSource: (s, retry) =>
    `CHANGE REPLICATION SOURCE TO SOURCE_HOST=${sqlString(s.host)}, SOURCE_PORT=${s.port}, SOURCE_USER=${sqlString(s.user)}, SOURCE_PASSWORD=${sqlString(s.password.reveal())}, SOURCE_AUTO_POSITION=1, SOURCE_CONNECT_RETRY=${retry}, GET_SOURCE_PUBLIC_KEY=1`,
};

/**
 * The status statement of both flavours in the versions provision manages (MariaDB 10.5.1+, MySQL 8.0.22+), for a
 * probe that learns the flavour in the same client call; the fields are named as in the flavour's own statement.
 */
export const REPLICA_STATUS = 'SHOW REPLICA STATUS';

/** MySQL before 8.2 knows RESET MASTER only. */
const MYSQL_80: ReplicationDialect = { ...MYSQL, resetBinlog: 'RESET MASTER' };

/** The dialect of a flavour; `version` picks between MySQL 8.0 and later spellings (unknown: the newest). */
export function replicationDialect(flavour: Flavour, version?: string): ReplicationDialect {
  if (flavour === 'mariadb') return MARIADB;
  return version !== undefined && isOlderMysql(version) ? MYSQL_80 : MYSQL;
}

/** `Field: value` lines of vertical (-E, \G) output as a map; the "*** 1. row ***" line is skipped. */
export function parseStatus(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_]+): ?(.*)$/.exec(line);
    if (m) fields.set(m[1]!, m[2]!);
  }
  return fields;
}

/**
 * A client option file naming the primary and the replication credentials,
 * so that no password is ever on a command line. Values are written by the
 * one option-file encoder (double-quoted, escaped).
 */
export function optionFile(source: ReplicationSource, dialect: ReplicationDialect): string {
  const settings = [`host=${mysqlOptionValue(source.host)}`, `port=${source.port}`, `user=${mysqlOptionValue(source.user)}`, `password=${mysqlOptionValue(source.password.reveal())}`];
  return ['[client]', ...settings, ...dialect.clientOptions, ''].join('\n');
}
