/**
 * `mysql_replication`: a MySQL/MariaDB replica replicates - both threads run
 * and it lags at most `max_lag_seconds` (default 60) behind its primary.
 */
import { type Args, onlyKeys, optionalInteger } from '../../resources/shared/args.js';
import { probeQuery, serverProbe } from '../../resources/shared/mysql/client.js';
import { parseStatus, REPLICA_STATUS, replicationDialect } from '../../resources/shared/mysql/replication.js';
import { describeServer, parseProbe } from '../../resources/shared/mysql/server.js';
import type { FactValue, Finding, StatusColumn, StatusCheckType } from '../types.js';

/** Validated `mysql_replication` declaration. */
export interface MysqlReplicationDesired {
  /** More seconds behind the primary: a problem. */
  maxLagSeconds: number;
}

function validate(args: Args): MysqlReplicationDesired {
  onlyKeys(args, ['max_lag_seconds']);
  return { maxLagSeconds: optionalInteger(args, 'max_lag_seconds') ?? 60 };
}

/** One client call; `\G` keeps the field names. */
const SCRIPT = serverProbe(probeQuery(`${REPLICA_STATUS}\\G`, ['-B']));

/** Pure: the server's replication status → running, lag, and what is wrong. */
export function readReplication(output: string, desired: MysqlReplicationDesired): Finding {
  const { server, error } = parseProbe(output);
  if (server.status !== 'up') return { facts: { replication: { running: false, lag_seconds: null } }, problems: [`replication: ${describeServer(server)}`], warnings: [] };
  if (error !== undefined) return { facts: { replication: { running: false, lag_seconds: null } }, problems: [`replication: cannot read its state: ${error}`], warnings: [] };
  const status = parseStatus(output);
  const f = replicationDialect(server.flavour).fields;
  const io = status.get(f.io) ?? '';
  const sql = status.get(f.sql) ?? '';
  const lagText = status.get(f.lag) ?? '';
  const lag = /^\d+$/.test(lagText) ? Number(lagText) : null;
  const running = io === 'Yes' && sql === 'Yes';
  const finding: Finding = { facts: { replication: { running, lag_seconds: lag } }, problems: [], warnings: [] };
  if ((status.get(f.host) ?? '') === '') finding.problems.push('replication: this server is not a replica');
  else if (!running) {
    const lastError = [status.get('Last_IO_Error'), status.get('Last_SQL_Error')].filter((e) => e !== undefined && e !== '').join('; ');
    finding.problems.push(`replication is not running (IO thread ${io || 'none'}, SQL thread ${sql || 'none'}${lastError ? `; last error: ${lastError}` : ''})`);
  } else if (lag !== null && lag > desired.maxLagSeconds) finding.problems.push(`replication lags ${lag} s behind the primary (threshold ${desired.maxLagSeconds} s)`);
  return finding;
}

const COLUMNS: StatusColumn[] = [
  {
    header: 'REPLICATION',
    cell: (f) => {
      const r = f.replication as Record<string, FactValue> | null | undefined;
      if (r === undefined || r === null || typeof r !== 'object') return '-';
      return r.running === true ? `running ${r.lag_seconds ?? '?'}s` : 'STOPPED';
    },
  },
];

/** The `mysql_replication` status check. */
export const mysqlReplicationCheck: StatusCheckType<MysqlReplicationDesired> = {
  name: 'mysql_replication',
  validate,
  label: () => 'replication',
  check: (desired) => ({ key: 'mysql_replication', script: SCRIPT, read: (output) => readReplication(output, desired), columns: COLUMNS }),
};
