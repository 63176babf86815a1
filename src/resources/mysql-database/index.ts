/** `mysql_database`: a MySQL/MariaDB database that exists, or does not. */
import { trusted, type Shell } from '../../shell/quote.js';
import { type Args, oneOf, onlyKeys } from '../shared/args.js';
import { binlogArg, databaseName } from '../shared/mysql/args.js';
import { APPLY_PREAMBLE, blockedChange, blockedScript, probeQuery, runSql, MYSQL_STATEMENTS, serverProbe } from '../shared/mysql/client.js';
import { describeServer, parseProbe, type ServerState, predictServer } from '../shared/mysql/server.js';
import { sqlBatch, sqlIdent, sqlString } from '../shared/mysql/sql.js';
import { parseFields } from '../shared/probe-output.js';
import { lines } from '../shared/script.js';
import type { ActionDecision, Change, ResourceType } from '../types.js';

/** Validated `mysql_database` declaration. */
export interface MysqlDatabaseDesired {
  /** Database name. */
  name: string;
  /** Wanted state. */
  state: 'present' | 'absent';
  /** Write the statements to the binary log (false on a replica, for local changes). */
  binlog: boolean;
}

/** What the probe found. */
export interface MysqlDatabaseCurrent {
  /** The server. */
  server: ServerState;
  /** The database exists (known only when the server is up). */
  exists: boolean;
  /** The query failed: the client's error. */
  error?: string;
}

/** What apply does. */
type DatabaseAction = { kind: 'none' } | { kind: 'blocked'; reason: string } | { kind: 'create' | 'drop'; change: Change };

/** The decision: the action, and the changes plan shows for it. */
export type MysqlDatabaseDecision = ActionDecision<DatabaseAction>;

function decide(desired: MysqlDatabaseDesired, current: MysqlDatabaseCurrent): MysqlDatabaseDecision {
  const action = actionOf(desired, current);
  return { action, changes: action.kind === 'none' ? [] : action.kind === 'blocked' ? [blockedChange(action.reason)] : [action.change] };
}

function actionOf(desired: MysqlDatabaseDesired, current: MysqlDatabaseCurrent): DatabaseAction {
  const server = current.server;
  if (current.error !== undefined) return { kind: 'blocked', reason: `cannot read the databases: ${current.error}` };
  if (server.status !== 'up') {
    // A missing server has no databases; one that is down is handled with IF [NOT] EXISTS at apply time.
    if (desired.state === 'absent' && server.status === 'missing') return { kind: 'none' };
    const kind = desired.state === 'present' ? 'create' : 'drop';
    return { kind, change: { summary: `${kind === 'create' ? 'absent → present' : 'drop if present'} (${describeServer(server)})` } };
  }
  if (desired.state === 'present') return current.exists ? { kind: 'none' } : { kind: 'create', change: { summary: 'absent → present' } };
  return current.exists ? { kind: 'drop', change: { summary: 'present → absent (dropped with its tables)' } } : { kind: 'none' };
}

function apply(desired: MysqlDatabaseDesired, { action: p }: MysqlDatabaseDecision): Shell {
  if (p.kind === 'none') return trusted(':');
  if (p.kind === 'blocked') return blockedScript(p.reason);
  const statement = p.kind === 'create' ? `CREATE DATABASE IF NOT EXISTS ${sqlIdent(desired.name)}` : `DROP DATABASE IF EXISTS ${sqlIdent(desired.name)}`;
  return lines(APPLY_PREAMBLE, runSql(sqlBatch([statement], { binlog: desired.binlog })));
}

function probe(desired: MysqlDatabaseDesired): Shell {
  return serverProbe(probeQuery(existsSql(desired)));
}


function existsSql(desired: MysqlDatabaseDesired): string {
  return `SELECT CONCAT('exists=', COUNT(*)) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ${sqlString(desired.name)};`;
}

function parse(output: string): MysqlDatabaseCurrent {
  const { server, error } = parseProbe(output);
  return { server, exists: parseFields(output).get('exists') === '1', error };
}

function validate(args: Args): MysqlDatabaseDesired {
  onlyKeys(args, ['name', 'state', 'binlog']);
  return { name: databaseName(args, 'name'), state: oneOf(args, 'state', ['present', 'absent'], 'present'), binlog: binlogArg(args) };
}

/** The `mysql_database` resource type. */
export const mysqlDatabase: ResourceType<MysqlDatabaseDesired, MysqlDatabaseCurrent, MysqlDatabaseDecision> = {
  name: 'mysql_database',
  validate,
  label: (desired) => desired.name,
  probe,
  probeFamily: { family: MYSQL_STATEMENTS, part: existsSql },
  parse,
  decide,
  apply,
  predict: (_desired, current, ahead) => predictServer(current, ahead),
};
