/**
 * The steps of a replica's apply script: reach the primary, seed from a
 * consistent dump of it, point replication at it, and check that both
 * threads run. The dump streams from the primary straight into the local
 * client (one hop, no data through the control node), authenticated by a
 * 0600 option file that is removed when the script ends.
 */
import { heredocBase64, insert, joinShell, sh, trusted, variable, type Shell } from '../../../shell/quote.js';
import { fail, lines } from '../script.js';
import { SYSTEM_SCHEMAS } from './args.js';
import { runSql } from './client.js';
import { optionFile, type ReplicationDialect, type ReplicationSource } from './replication.js';
import { sqlBatch, sqlString } from './sql.js';

/** The client talking to the primary with the credentials of the option file. */
const REMOTE = insert(trusted('"$provision_sql" --defaults-extra-file="$provision_cnf"'));

/**
 * Seconds between two looks at the primary, or at the replication threads: on a
 * first converge the primary's account appears while this host waits for it, and
 * each second slept past that is on the run's critical path (coreutils' sleep takes fractions).
 */
const POLL_SECONDS = '0.5';

/** Writes the option file into a private temporary file, $provision_cnf, removed however the script ends. */
export function optionFileStep(source: ReplicationSource, dialect: ReplicationDialect): Shell {
  return lines(
    'umask 077',
    'provision_cnf=$(mktemp)',
    `trap 'rm -f -- "$provision_cnf"' EXIT`,
    "trap 'exit 1' HUP INT TERM",
    sh`{\n${insert(heredocBase64(optionFile(source, dialect)))}\n} >"$provision_cnf"`,
  );
}

/** Waits until the primary accepts the replication user (it may be set up by the same run, on another host). */
export function waitForPrimaryStep(source: ReplicationSource, seconds: number): Shell {
  return lines(
    sh`provision_deadline=$(( $(date +%s) + ${seconds} ))`,
    sh`until provision_err=$(${REMOTE} --connect-timeout=5 -N -B -e 'SELECT 1' </dev/null 2>&1); do`,
    sh`  if [ "$(date +%s)" -ge "$provision_deadline" ]; then printf '%s\\n' "$provision_err" >&2; ${insert(fail(`the primary ${source.host}:${source.port} did not accept ${source.user} within ${seconds} s`))}; fi`,
    sh`  sleep ${POLL_SECONDS}`,
    'done',
  );
}

/** Defines provision_field NAME: the value of a field in the vertical status in $provision_status. */
const FIELD_FUNCTION = trusted(`provision_field() { printf '%s\\n' "$provision_status" | sed -n "s/^ *$1: //p"; }`);

function readStatus(dialect: ReplicationDialect): Shell {
  return sh`provision_status=$("$provision_sql" -E -e ${dialect.status} </dev/null)`;
}

/** Application schemas on the primary, one a line. */
const LIST_SCHEMAS = `SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN (${SYSTEM_SCHEMAS.map(sqlString).join(', ')}) ORDER BY 1`;

/**
 * Seeds the server from a consistent dump of the primary's application
 * schemas, unless it is a replica already (checked here, on the host: the
 * probe may have run before the server was installed). The dump sets the
 * GTID position replication then starts from; with no schema to copy, a dump
 * without data sets it. The import does not write this server's binary log,
 * whose own history is reset first. Tried three times: the primary may
 * restart (its config handler) while the dump runs: each next try starts
 * a second later, once `primaryAnswers` (waitForPrimaryStep) returns.
 */
export function seedStep(dialect: ReplicationDialect, primaryAnswers: Shell): Shell {
  const dump = sh`"$provision_dump" --defaults-extra-file="$provision_cnf" ${dialect.dumpOptions} "$@"`;
  return lines(
    FIELD_FUNCTION,
    readStatus(dialect),
    sh`if [ -z "$(provision_field ${dialect.fields.host})" ]; then`,
    sh`provision_dump=$(${insert(joinShell(dialect.dumpPrograms.map((p) => sh`command -v ${p}`), ' || '))} || true)`,
    sh`[ -n "$provision_dump" ] || ${insert(fail(`no dump program (${dialect.dumpPrograms.join(' or ')}) on this host`))}`,
    'provision_seed() {',
    sh`  provision_dbs=$(${REMOTE} -N -B --raw -e ${LIST_SCHEMAS} </dev/null) || return 1`,
    '  set --',
    // The names come from the primary: one starting with '-' would be read by the dump program as an option (--result-file=...).
    '  while IFS= read -r provision_db; do',
    sh`    case $provision_db in -*) ${insert(fail("the primary has a database whose name starts with '-', which the dump program would read as an option; rename it"))} ;; esac`,
    '    [ -z "$provision_db" ] || set -- "$@" "$provision_db"',
    '  done <<PROVISION_DBS',
    '$provision_dbs',
    'PROVISION_DBS',
    '  if [ $# -eq 0 ]; then set -- --all-databases --no-create-db --no-create-info --no-data --skip-routines --skip-triggers; else set -- --routines --databases "$@"; fi',
    sh`  ${insert(runSql(sqlBatch([dialect.stop])))} || return 1`,
    sh`  if [ "$("$provision_sql" -N -B -e 'SELECT @@GLOBAL.log_bin' </dev/null)" = 1 ]; then ${insert(runSql(sqlBatch([dialect.resetBinlog])))} || return 1; fi`,
    // The dump's exit status comes back on fd 3: a pipeline's status is only the importing client's.
    sh`  provision_rc=$( { { printf '%s\\n' 'SET SESSION sql_log_bin=0;'; ${insert(dump)}; echo "$?" >&3; } | "$provision_sql" -N -B >&2; } 3>&1 ) || return 1`,
    '  [ "$provision_rc" = 0 ]',
    '}',
    'provision_try=1',
    'until provision_seed; do',
    sh`  [ "$provision_try" -lt 3 ] || ${insert(fail("copying the primary's data failed 3 times (errors above)"))}`,
    '  provision_try=$((provision_try + 1))',
    // A restarting primary goes away first: try again once it answers, not after a fixed wait.
    '  sleep 1',
    sh`  ${insert(primaryAnswers)}`,
    'done',
    'fi',
  );
}

/** Points replication at the source and starts it; the password travels in the SQL on the client's stdin. */
export function changeSourceStep(dialect: ReplicationDialect, source: ReplicationSource, connectRetry: number): Shell {
  return runSql(sqlBatch([dialect.stop, dialect.changeSource(source, connectRetry), dialect.start]));
}

/** Starts replication with the settings it has. */
export function startStep(dialect: ReplicationDialect): Shell {
  return runSql(sqlBatch([dialect.start]));
}

/** Sets the global read_only. */
export function readOnlyStep(readOnly: boolean): Shell {
  return runSql(sqlBatch([`SET GLOBAL read_only = ${readOnly ? 'ON' : 'OFF'}`]));
}

/**
 * Waits until both threads run; fails showing the threads and the last IO
 * and SQL errors when they do not within `seconds`, or at once when the SQL
 * thread stopped on an error (that does not heal by waiting).
 */
export function verifyStep(dialect: ReplicationDialect, seconds: number): Shell {
  const { io, sql } = dialect.fields;
  // Field names are identifiers: they go inside the quoted expression as they are.
  const shown = joinShell([io, sql, 'Last_IO_Error', 'Last_SQL_Error'].map(variable), '|');
  return lines(
    FIELD_FUNCTION,
    sh`provision_deadline=$(( $(date +%s) + ${seconds} ))`,
    'while :; do',
    sh`  ${insert(readStatus(dialect))}`,
    sh`  if [ "$(provision_field ${io})" = Yes ] && [ "$(provision_field ${sql})" = Yes ]; then break; fi`,
    sh`  if { [ "$(provision_field ${sql})" = No ] && [ -n "$(provision_field Last_SQL_Error)" ]; } || [ "$(date +%s)" -ge "$provision_deadline" ]; then`,
    sh`    printf '%s\\n' "$provision_status" | grep -E '^ *(${insert(shown)}):' >&2 || true`,
    sh`    ${insert(fail(`replication is not running (${io}, ${sql}, Last_IO_Error and Last_SQL_Error above)`))}`,
    '  fi',
    sh`  sleep ${POLL_SECONDS}`,
    'done',
  );
}
