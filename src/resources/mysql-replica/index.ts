/**
 * `mysql_replica`: this server replicates from a primary with GTIDs, both
 * threads running, read_only as wanted. A server that is not a replica yet is
 * first seeded from a consistent dump of the primary (see
 * mysql/replica-script.ts). The replication password is compared through a
 * salted fingerprint of the copy the server keeps, never read back.
 */
import { randomBytes } from 'node:crypto';
import type { Secret } from '../../secrets.js';
import { sh, trusted, type Shell } from '../../shell/quote.js';
import { type Args, oneOf, onlyKeys, optionalBoolean, optionalInteger, requiredString } from '../shared/args.js';
import { accountUser, passwordArg } from '../shared/mysql/args.js';
import { APPLY_PREAMBLE, blockedChange, blockedScript, flavourCase, forServer, query, serverProbe } from '../shared/mysql/client.js';
import { passwordFingerprint } from '../shared/mysql/password.js';
import { changeSourceStep, optionFileStep, readOnlyStep, seedStep, startStep, verifyStep, waitForPrimaryStep } from '../shared/mysql/replica-script.js';
import { parseStatus, type ReplicationSource, replicationDialect } from '../shared/mysql/replication.js';
import { describeServer, type Flavour, parseServer, type ServerState, predictServer } from '../shared/mysql/server.js';
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
  if (current.error !== undefined) return { kind: 'blocked', reason: `cannot read the replication state: ${current.error}` };
  if (server.status !== 'up') {
    return { kind: 'act', replication: 'setup', readOnly: true, changes: [{ summary: `replicating from ${target} (${describeServer(server)}; ${seeding} unless it is a replica by then)` }] };
  }
  if (server.unsupported !== undefined) return { kind: 'blocked', reason: server.unsupported };
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
  return lines(APPLY_PREAMBLE, forServer(server, (flavour) => steps(desired, p, flavour, server.status === 'up' ? server.version : undefined)));
}

/** Prints the salted fingerprint of the stored replication password (MariaDB: line 6 of master.info in the data directory; MySQL: its repository table). */
function fingerprintProbe(salt: string, flavour: Flavour): Shell {
  const stored =
    flavour === 'mariadb'
      ? lines(
          `provision_info="$("$provision_sql" -N -B -e 'SELECT @@datadir' </dev/null)master.info"`,
          `if [ -f "$provision_info" ]; then provision_pw() { sed -n 6p "$provision_info"; }; else provision_pw() { :; }; fi`,
        )
      : trusted(`provision_pw() { "$provision_sql" -N -B --raw -e "SELECT User_password FROM mysql.slave_master_info WHERE Channel_name = ''" </dev/null 2>/dev/null; }`);
  return lines(stored, sh`printf 'password_fingerprint=%s\\n' "$( { printf '%s' ${salt}; provision_pw | tr -d '\\n'; } | sha256sum | cut -d' ' -f1)"`);
}

function probe(desired: MysqlReplicaDesired): Shell {
  return serverProbe(
    lines(
      query('SELECT @@GLOBAL.read_only;', 'read_only='),
      flavourCase((flavour) => lines(fingerprintProbe(desired.fingerprintSalt, flavour), query(`${replicationDialect(flavour).status};`, '', ['-E']))),
    ),
  );
}

/** Probe output: server fields, `read_only=`, `password_fingerprint=`, then the vertical replication status. */
function parse(output: string): MysqlReplicaCurrent {
  const fields = parseFields(output);
  const server = parseServer(fields);
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
    const fingerprint = fields.get('password_fingerprint');
    current.source = { host, port: Number(status.get(f.port) ?? DEFAULT_PORT), user: status.get(f.user) ?? '', gtid: status.get(f.gtid) ?? '' };
    if (fingerprint !== undefined) current.source.passwordFingerprint = fingerprint;
  }
  const error = fields.get('error');
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
  actions: { promote },
  label: (desired) => `from ${desired.primary}:${desired.port}`,
  probe,
  parse,
  decide,
  apply,
  predict: (_desired, current, ahead) => predictServer(current, ahead),
};
