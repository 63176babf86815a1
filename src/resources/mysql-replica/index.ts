/**
 * `mysql_replica`: this server replicates from a primary with GTIDs, both
 * threads running, read_only as wanted. A server that is not a replica yet is
 * first seeded from a consistent dump of the primary (see
 * mysql/replica-script.ts). The replication password is compared through a
 * salted fingerprint of the copy the server keeps, never read back.
 */
import { randomBytes } from 'node:crypto';
import type { Secret } from '../../secrets.js';
import { insert, sh, trusted, type Shell } from '../../shell/quote.js';
import { type Args, oneOf, onlyKeys, optionalBoolean, optionalInteger, requiredString } from '../shared/args.js';
import { accountUser, passwordArg } from '../shared/mysql/args.js';
import { APPLY_PREAMBLE, blockedChange, blockedScript, forServer, probeQuery, serverProbe } from '../shared/mysql/client.js';
import { passwordFingerprint } from '../shared/mysql/password.js';
import { changeSourceStep, optionFileStep, readOnlyStep, seedStep, startStep, verifyStep, waitForPrimaryStep } from '../shared/mysql/replica-script.js';
import { parseStatus, REPLICA_STATUS, type ReplicationSource, replicationDialect } from '../shared/mysql/replication.js';
import { describeServer, type Flavour, parseProbe, type ServerState, predictServer } from '../shared/mysql/server.js';
import { sqlString } from '../shared/mysql/sql.js';
import { parseFields } from '../shared/probe-output.js';
import { promote } from './promote.js';
import { lines } from '../shared/script.js';
import { type ActionDecision, ArgError, type Change, type ResourceType } from '../types.js';

/** Validated `mysql_replica` declaration. */
export interface MysqlReplicaDesired {
  /** Discriminant (the only state). */
  state: 'replicating';
  /** The primary's address or name. */
  primary: string;
  /** The primary's port. */
  port: number;
  /** The replication user on the primary. */
  user: string;
  /** Its password. */
  password: Secret;
  /** Wanted global read_only. */
  readOnly: boolean;
  /** Seed a server that is not a replica yet from a dump of the primary (false: replicate the primary's binary logs from their start). */
  seed: boolean;
  /** Seconds to wait for the primary to accept the user, and for both threads to run. */
  wait: number;
  /** Random per run: salts the password fingerprint the probe prints. */
  fingerprintSalt: string;
}

/** The replication settings a server has. */
export interface ReplicaSource {
  /** The primary's address. */
  host: string;
  /** Its port. */
  port: number;
  /** The replication user. */
  user: string;
  /** The GTID positioning field's value (MariaDB Using_Gtid, MySQL Auto_Position). */
  gtid: string;
  /** Salted fingerprint of the stored password (see passwordFingerprint), when the server keeps one readable. */
  passwordFingerprint?: string;
}

/** What the probe found. */
export interface MysqlReplicaCurrent {
  /** The server. */
  server: ServerState;
  /** Global read_only. */
  readOnly: boolean;
  /** Replication settings; undefined when the server is no replica. */
  source?: ReplicaSource;
  /** The receiving thread: Yes, No, Connecting ("" when no replica). */
  io: string;
  /** The applying thread: Yes, No. */
  sql: string;
  /** The receiving thread's last error. */
  lastIoError: string;
  /** The applying thread's last error. */
  lastSqlError: string;
  /** A query failed: the client's error. */
  error?: string;
}

/** What apply does. */
type ReplicaAction =
  | { kind: 'none' }
  | { kind: 'blocked'; reason: string }
  | {
      kind: 'act';
      /** setup: seed if needed, point, start; repoint: new settings, restart; start: just start. */
      replication?: 'setup' | 'repoint' | 'start';
      /** read_only must be set. */
      readOnly: boolean;
      /** One line per difference. */
      changes: Change[];
    };

const DEFAULT_PORT = 3306;
/** Seconds between the receiving thread's reconnection attempts: short, so a primary restart costs little lag. */
const CONNECT_RETRY = 2;

function sourceOf(desired: MysqlReplicaDesired): ReplicationSource {
  return { host: desired.primary, port: desired.port, user: desired.user, password: desired.password };
}

/** The decision: the action, the server it acts on, and the changes plan shows. */
export interface MysqlReplicaDecision extends ActionDecision<ReplicaAction> {
  readonly server: ServerState;
}

function decide(desired: MysqlReplicaDesired, current: MysqlReplicaCurrent): MysqlReplicaDecision {
  const action = actionOf(desired, current);
  const changes = action.kind === 'none' ? [] : action.kind === 'blocked' ? [blockedChange(action.reason)] : action.changes;
  return { action, server: current.server, changes };
}

function actionOf(desired: MysqlReplicaDesired, current: MysqlReplicaCurrent): ReplicaAction {
  const server = current.server;
  const target = `${desired.primary}:${desired.port} as ${desired.user}`;
  const seeding = desired.seed ? 'seeded from a dump of the primary first' : "from the start of the primary's binary logs";
  // A server too old to manage may not know the status statement either: its version is the reason.
  if (server.status === 'up' && server.unsupported !== undefined) return { kind: 'blocked', reason: server.unsupported };
  if (current.error !== undefined) return { kind: 'blocked', reason: `cannot read the replication state: ${current.error}` };
  if (server.status !== 'up') {
    return { kind: 'act', replication: 'setup', readOnly: true, changes: [{ summary: `replicating from ${target} (${describeServer(server)}; ${seeding} unless it is a replica by then)` }] };
  }
  const changes: Change[] = [];
  const readOnly = current.readOnly !== desired.readOnly;
  if (readOnly) changes.push({ summary: `read_only ${onOff(current.readOnly)} → ${onOff(desired.readOnly)}` });
  const source = current.source;
  if (source === undefined) {
    changes.unshift({ summary: `not a replica → replicating from ${target} (${seeding})` });
    return { kind: 'act', replication: 'setup', readOnly, changes };
  }
  const settings = settingChanges(desired, source, server.flavour);
  if (settings.length > 0) return { kind: 'act', replication: 'repoint', readOnly, changes: [...settings, ...changes] };
  const threads = threadChanges(current);
  if (threads.length > 0) return { kind: 'act', replication: 'start', readOnly, changes: [...threads, ...changes] };
  return readOnly ? { kind: 'act', readOnly, changes } : { kind: 'none' };
}

function onOff(on: boolean): string {
  return on ? 'ON' : 'OFF';
}

/** The replication settings that differ from the wanted ones. */
function settingChanges(desired: MysqlReplicaDesired, source: ReplicaSource, flavour: Flavour): Change[] {
  const changes: Change[] = [];
  if (source.host !== desired.primary || source.port !== desired.port) changes.push({ summary: `primary ${source.host}:${source.port} → ${desired.primary}:${desired.port}` });
  if (source.user !== desired.user) changes.push({ summary: `replication user ${source.user} → ${desired.user}` });
  if (source.passwordFingerprint !== undefined && source.passwordFingerprint !== passwordFingerprint(desired.fingerprintSalt, desired.password.reveal())) {
    changes.push({ summary: 'replication password changed' });
  }
  const dialect = replicationDialect(flavour);
  if (source.gtid !== dialect.gtidOn) changes.push({ summary: `GTID positioning (${dialect.fields.gtid}) ${source.gtid || '(none)'} → ${dialect.gtidOn}` });
  return changes;
}

/** The threads that do not run, with their last error. */
function threadChanges(current: MysqlReplicaCurrent): Change[] {
  const thread = (name: string, state: string, error: string): Change[] =>
    state === 'Yes' ? [] : [{ summary: `${name} thread ${state || '(none)'} → Yes${error === '' ? '' : ` (last error: ${error})`}` }];
  return [...thread('IO', current.io, current.lastIoError), ...thread('SQL', current.sql, current.lastSqlError)];
}

/** The flavour-specific steps of an action. */
function steps(desired: MysqlReplicaDesired, p: Extract<ReplicaAction, { kind: 'act' }>, flavour: Flavour, version?: string): Shell {
  const dialect = replicationDialect(flavour, version);
  const source = sourceOf(desired);
  return lines(
    p.readOnly && readOnlyStep(desired.readOnly),
    p.replication === 'setup' && optionFileStep(source, dialect),
    p.replication === 'setup' && waitForPrimaryStep(source, desired.wait),
    p.replication === 'setup' && desired.seed && seedStep(dialect, waitForPrimaryStep(source, desired.wait)),
    (p.replication === 'setup' || p.replication === 'repoint') && changeSourceStep(dialect, source, CONNECT_RETRY),
    p.replication === 'start' && startStep(dialect),
    p.replication !== undefined && verifyStep(dialect, desired.wait),
  );
}

function apply(desired: MysqlReplicaDesired, { action: p, server }: MysqlReplicaDecision): Shell {
  if (p.kind === 'none') return trusted(':');
  if (p.kind === 'blocked') return blockedScript(p.reason);
  return lines(APPLY_PREAMBLE, forServer(server, (flavour, version) => steps(desired, p, flavour, version)));
}

/**
 * SQL printing what the stored replication password is known by: MySQL keeps it in a table, so the server prints
 * its salted fingerprint; MariaDB keeps it on line 6 of master.info in its data directory, so the server prints
 * that file's path (`master_info=`) for the shell to fingerprint (STORED_PASSWORD_FINGERPRINT). The flavour is
 * chosen by the server: a statement naming MySQL's table would fail on MariaDB.
 */
function storedPasswordSql(salt: string): string {
  const mariadb = "SELECT CONCAT('master_info=', @@datadir, 'master.info') AS master_info";
  const mysql = `SELECT CONCAT('password_fingerprint=', SHA2(CONCAT(${sqlString(salt)}, COALESCE((SELECT REPLACE(User_password, CHAR(10), '') FROM mysql.slave_master_info WHERE Channel_name = ''), '')), 256)) AS password_fingerprint`;
  return [
    `SET @provision_stored = IF(VERSION() LIKE '%MariaDB%', ${sqlString(mariadb)}, ${sqlString(mysql)});`,
    'PREPARE provision_stored FROM @provision_stored;',
    'EXECUTE provision_stored;',
    'DEALLOCATE PREPARE provision_stored;',
  ].join('\n');
}

/**
 * With the probe's output in $provision_out: when it names a master.info, prints `password_fingerprint=` and the
 * sha256 of $provision_salt and the file's line 6 (read by the shell's own `read`; none when there is no such line).
 */
const STORED_PASSWORD_FINGERPRINT = trusted(`provision_info=\${provision_out#*"
master_info="}
if [ "$provision_info" != "$provision_out" ]; then
  provision_info=\${provision_info%%"
"*}
  provision_pw=
  if [ -f "$provision_info" ]; then
    { read -r provision_pw; read -r provision_pw; read -r provision_pw; read -r provision_pw; read -r provision_pw; IFS= read -r provision_pw; } <"$provision_info" || :
  fi
  printf 'password_fingerprint='
  printf '%s%s' "$provision_salt" "$provision_pw" | sha256sum
fi`);

/**
 * One client call: read_only, the stored password's fingerprint, and the status (`\G`: field names kept).
 * Its output is kept for the shell to fingerprint a MariaDB master.info, then printed.
 */
function probe(desired: MysqlReplicaDesired): Shell {
  const sql = [`SELECT CONCAT('read_only=', @@GLOBAL.read_only + 0) AS read_only;`, storedPasswordSql(desired.fingerprintSalt), `${REPLICA_STATUS}\\G`].join('\n');
  return serverProbe(
    lines(
      sh`provision_out=$(${insert(probeQuery(sql, ['-B']))}\n)`,
      `printf '%s\\n' "$provision_out"`,
      sh`provision_salt=${desired.fingerprintSalt}`,
      STORED_PASSWORD_FINGERPRINT,
    ),
  );
}

/** Probe output: the server's, `read_only=`, `password_fingerprint=` (the shell's ends in "  -"), then the vertical replication status. */
function parse(output: string): MysqlReplicaCurrent {
  const { server, error } = parseProbe(output);
  const fields = parseFields(output);
  const status = parseStatus(output);
  const f = replicationDialect(server.status === 'up' ? server.flavour : 'mariadb').fields;
  const host = status.get(f.host) ?? '';
  const current: MysqlReplicaCurrent = {
    server,
    readOnly: fields.get('read_only') === '1',
    io: status.get(f.io) ?? '',
    sql: status.get(f.sql) ?? '',
    lastIoError: status.get('Last_IO_Error') ?? '',
    lastSqlError: status.get('Last_SQL_Error') ?? '',
  };
  if (host !== '') {
    const fingerprint = fields.get('password_fingerprint')?.split(' ')[0];
    current.source = { host, port: Number(status.get(f.port) ?? DEFAULT_PORT), user: status.get(f.user) ?? '', gtid: status.get(f.gtid) ?? '' };
    if (fingerprint !== undefined) current.source.passwordFingerprint = fingerprint;
  }
  if (error !== undefined) current.error = error;
  return current;
}

function validate(args: Args): MysqlReplicaDesired {
  onlyKeys(args, ['primary', 'port', 'user', 'password', 'state', 'read_only', 'seed', 'wait']);
  const primary = requiredString(args, 'primary');
  if (!/^[A-Za-z0-9.:-]+$/.test(primary)) throw new ArgError('primary', `'primary' must be a host name or an address, got '${primary}'`);
  const port = optionalInteger(args, 'port') ?? DEFAULT_PORT;
  if (port < 1 || port > 65535) throw new ArgError('port', `'port' must be between 1 and 65535, got ${port}`);
  const wait = optionalInteger(args, 'wait') ?? 120;
  if (wait < 1) throw new ArgError('wait', `'wait' must be at least 1 second`);
  return {
    state: oneOf(args, 'state', ['replicating'], 'replicating'),
    primary,
    port,
    user: accountUser(args, 'user'),
    password: passwordArg(args, 'password'),
    readOnly: optionalBoolean(args, 'read_only', true),
    seed: optionalBoolean(args, 'seed', true),
    wait,
    fingerprintSalt: randomBytes(16).toString('hex'),
  };
}

/** The `mysql_replica` resource type. */
export const mysqlReplica: ResourceType<MysqlReplicaDesired, MysqlReplicaCurrent, MysqlReplicaDecision> = {
  name: 'mysql_replica',
  validate,
  secretKeys: ['password'],
  actions: { promote },
  label: (desired) => `from ${desired.primary}:${desired.port}`,
  probe,
  parse,
  decide,
  apply,
  predict: (_desired, current, ahead) => predictServer(current, ahead),
};
