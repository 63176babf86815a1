/**
 * `mysql_global`: a server setting MySQL/MariaDB changes at run time (`SET GLOBAL`), so a
 * change needs no restart. The option file that keeps it for the next start is a `file`
 * resource beside it; only settings known to be dynamic are accepted (RUNTIME_SETTINGS):
 * any other needs the server's restart, so it belongs in the config that notifies it.
 */
import { trusted, type Shell } from '../../shell/quote.js';
import { type Args, onlyKeys, requiredString } from '../shared/args.js';
import { APPLY_PREAMBLE, blockedChange, blockedScript, probeQuery, runSql, MYSQL_STATEMENTS, serverProbe } from '../shared/mysql/client.js';
import { parseProbe, predictServer, type ServerState } from '../shared/mysql/server.js';
import { sqlBatch } from '../shared/mysql/sql.js';
import { parseFields } from '../shared/probe-output.js';
import { lines } from '../shared/script.js';
import { ArgError, type ActionDecision, type ResourceType } from '../types.js';

/**
 * The settings that change at run time (MariaDB's and MySQL's "Dynamic: Yes", global scope) and
 * their largest value. Not here, though dynamic: `server_id` (a running replica keeps the id it
 * connected with), `read_only` (mysql_replica's), `binlog_format` and `gtid_strict_mode` (the role's
 * replication needs them as they are).
 */
export const RUNTIME_SETTINGS: ReadonlyMap<string, { max: number }> = new Map([
  ['expire_logs_days', { max: 99 }],
  ['binlog_expire_logs_seconds', { max: 8553600 }],
]);

/** Validated `mysql_global` declaration. */
export interface MysqlGlobalDesired {
  /** A setting of RUNTIME_SETTINGS. */
  name: string;
  /** Its wanted value. */
  value: number;
}

/** What the probe found. */
export interface MysqlGlobalCurrent {
  /** The server. */
  server: ServerState;
  /** The running server's value (when it is up and answered). */
  value?: number;
  /** The query failed: the client's error. */
  error?: string;
}

type GlobalAction = { kind: 'none' } | { kind: 'blocked'; reason: string } | { kind: 'set' };

/** The decision: the action, and the changes plan shows for it. */
export type MysqlGlobalDecision = ActionDecision<GlobalAction>;

function decide(desired: MysqlGlobalDesired, current: MysqlGlobalCurrent): MysqlGlobalDecision {
  if (current.error !== undefined) {
    const reason = `cannot read ${desired.name}: ${current.error}`;
    return { action: { kind: 'blocked', reason }, changes: [blockedChange(reason)] };
  }
  // A server that is not running reads its option file when it starts: nothing to set now.
  if (current.server.status !== 'up' || current.value === desired.value) return { action: { kind: 'none' }, changes: [] };
  return { action: { kind: 'set' }, changes: [{ summary: `${current.value ?? 'unknown'} → ${desired.value} (SET GLOBAL, no restart)` }] };
}

function apply(desired: MysqlGlobalDesired, { action }: MysqlGlobalDecision): Shell {
  if (action.kind === 'none') return trusted(':');
  if (action.kind === 'blocked') return blockedScript(action.reason);
  // The name is one of RUNTIME_SETTINGS, the value a number: nothing else reaches the SQL.
  return lines(APPLY_PREAMBLE, runSql(sqlBatch([`SET GLOBAL ${desired.name} = ${desired.value}`])));
}

function valueSql(desired: MysqlGlobalDesired): string {
  return `SELECT CONCAT('value=', @@GLOBAL.${desired.name});`;
}

function parse(output: string): MysqlGlobalCurrent {
  const { server, error } = parseProbe(output);
  const text = parseFields(output).get('value');
  const value = text === undefined || server.status !== 'up' ? undefined : Number(text);
  return value === undefined || Number.isNaN(value) ? { server, error } : { server, value, error };
}

function validate(args: Args): MysqlGlobalDesired {
  onlyKeys(args, ['name', 'value']);
  const name = requiredString(args, 'name');
  const setting = RUNTIME_SETTINGS.get(name);
  if (setting === undefined) {
    throw new ArgError('name', `'${name}' is not a setting provision changes at run time (${[...RUNTIME_SETTINGS.keys()].join(', ')}); others need a restart: write them in the server's config file`);
  }
  const text = String(args['value'] ?? '');
  const value = /^[0-9]{1,10}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value <= setting.max)) throw new ArgError('value', `'value' of ${name} must be a whole number from 0 to ${setting.max}, got '${text}'`);
  return { name, value };
}

/** The `mysql_global` resource type. */
export const mysqlGlobal: ResourceType<MysqlGlobalDesired, MysqlGlobalCurrent, MysqlGlobalDecision> = {
  name: 'mysql_global',
  validate,
  label: (desired) => desired.name,
  probe: (desired) => serverProbe(probeQuery(valueSql(desired))),
  probeFamily: { family: MYSQL_STATEMENTS, part: valueSql },
  parse,
  decide,
  apply,
  predict: (_desired, current, ahead) => predictServer(current, ahead),
};
