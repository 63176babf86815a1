/**
 * Scripts of `provision promote`: pure text, run as root on the database
 * hosts. They detect the server flavour (MariaDB or MySQL 8) themselves and
 * feed SQL to the client on stdin.
 */
import { SESSION_SETUP, sqlString } from '../resources/mysql/sql.js';
import { heredocBase64, insert, sh, trusted, type Shell } from '../shell/quote.js';

/** Sets $sql to the client and $flavour to mariadb or mysql. */
const DETECT = trusted(`PATH="$PATH:/usr/sbin"
sql=$(command -v mariadb || command -v mysql) || { echo "no MySQL/MariaDB client on this host" >&2; exit 1; }
version=$("$sql" -N -B -e 'SELECT VERSION()') || exit 1
case $version in *MariaDB*|*mariadb*) flavour=mariadb ;; *) flavour=mysql ;; esac`);

/**
 * Runs the SQL for the detected flavour (chosen in shell), printing the rows. The session
 * settings come first (sql_mode cleared), so literals are read as sqlString writes them.
 */
function runSql(mariadb: string, mysql: string): Shell {
  // A here-document cannot be followed by a pipe on its closing line: group it.
  return sh`if [ "$flavour" = mariadb ]; then
{ ${insert(heredocBase64(`${SESSION_SETUP}\n${mariadb}`))}
} | "$sql" -N -B
else
{ ${insert(heredocBase64(`${SESSION_SETUP}\n${mysql}`))}
} | "$sql" -N -B
fi`;
}

/** On the old primary: stop writes and print the GTID position every replica must reach (`gtid=...`). */
export function freezePrimaryScript(): Shell {
  return sh`${insert(DETECT)}
${insert(runSql("SET GLOBAL read_only = ON; SELECT CONCAT('gtid=', @@GLOBAL.gtid_binlog_pos);", "SET GLOBAL super_read_only = ON; SELECT CONCAT('gtid=', REPLACE(@@GLOBAL.gtid_executed, '\\n', ''));"))}`;
}

/**
 * Parses `gtid=...` from freezePrimaryScript's output. What the server sends goes into SQL on the
 * replica, so only the characters of a GTID set are accepted (MariaDB's 0-1-42,0-2-7; MySQL's
 * uuid:1-42, tagged uuid:tag:1-5).
 */
export function parseGtid(output: string): string {
  const line = output.split('\n').find((l) => l.startsWith('gtid='));
  if (line === undefined) throw new Error(`the primary did not report its GTID position: ${output.trim() || '(no output)'}`);
  const gtid = line.slice('gtid='.length).trim();
  if (!/^[0-9A-Za-z_:,-]*$/.test(gtid)) throw new Error(`the primary reported a GTID position that is not a GTID set: ${JSON.stringify(gtid)}`);
  return gtid;
}

/**
 * On the replica: wait (up to timeoutSeconds) until it has applied `gtid` when
 * given, then stop replicating, forget the primary and accept writes.
 */
export function promoteReplicaScript(gtid: string | undefined, timeoutSeconds: number): Shell {
  const wait = gtid
    ? sh`caught_up=$(${insert(runSql(`SELECT CONCAT('wait=', MASTER_GTID_WAIT(${sqlString(gtid)}, ${timeoutSeconds}));`, `SELECT CONCAT('wait=', WAIT_FOR_EXECUTED_GTID_SET(${sqlString(gtid)}, ${timeoutSeconds}));`))}) || exit 1
case $caught_up in *wait=0*) ;; *) echo ${`the replica did not catch up with the primary within ${timeoutSeconds} s; nothing was changed on it`} >&2; exit 3 ;; esac`
    : trusted('');
  return sh`${insert(DETECT)}
${insert(wait)}
${insert(runSql('STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = OFF;', 'STOP REPLICA; RESET REPLICA ALL; SET GLOBAL super_read_only = OFF; SET GLOBAL read_only = OFF;'))}
echo promoted`;
}

/** On the old primary when the promotion failed after freezing it: accept writes again. */
export function thawPrimaryScript(): Shell {
  return sh`${insert(DETECT)}
${insert(runSql('SET GLOBAL read_only = OFF;', 'SET GLOBAL super_read_only = OFF; SET GLOBAL read_only = OFF;'))}`;
}
