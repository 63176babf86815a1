/**
 * Shell parts shared by the MySQL/MariaDB resources. The client runs as root
 * through the unix socket (root authenticates by unix_socket/auth_socket);
 * SQL reaches it on stdin, so no statement (and no password in one) is ever on
 * a command line: a probe's from a quoted here-document (it holds no secret, and
 * starts no process), an apply script's from a base64 one.
 */
import { heredoc, heredocBase64, insert, sh, trusted, type Shell } from '../../../shell/quote.js';
import { FAIL_FUNCTION, fail, lines } from '../script.js';
import type { Change, ProbeFamily } from '../../types.js';
import { DATA_DIR, type Flavour, OLDER_MYSQL_SERIES, type ServerState } from './server.js';
import { SESSION_SETUP, sqlString } from './sql.js';

/**
 * Finds the client (mariadb, else mysql) for "$provision_sql" (empty when
 * there is none), with the shell's own `command -v`: no process started.
 */
const FIND_CLIENT = lines(
  // Servers live in sbin, which a non-login PATH may lack.
  'PATH="$PATH:/usr/sbin:/usr/local/sbin"',
  'if command -v mariadb >/dev/null 2>&1; then provision_sql=mariadb; elif command -v mysql >/dev/null 2>&1; then provision_sql=mysql; else provision_sql=; fi',
);

/** Sets $provision_version from the server, or leaves the error text there and fails. */
const ASK_VERSION = insert(trusted(`provision_version=$("$provision_sql" -N -B -e 'SELECT VERSION()' </dev/null 2>&1)`));

/** The first statement of every probe: its `version=` row says the server answered. */
const VERSION_SQL = "SELECT CONCAT('version=', VERSION()) AS version;";

/**
 * The client run once on the session settings (SESSION_SETUP: literals read
 * alike everywhere), the version query and then `sql`, read-only, its
 * errors on stdout: `--force` runs every statement, a failing one printing an
 * `ERROR ...` line in its place (`--unbuffered`: the client flushes its rows
 * after each statement, else an error, unbuffered, comes before rows printed
 * earlier); `server=down` follows when the client fails: it could not
 * connect (parseServer believes a `version=` row first).
 * Rows come `-N -B` (tab-separated, no header) unless `options` say otherwise
 * (`-B` alone keeps the field names of a `\G` statement, and a header line before other rows).
 */
export function probeQuery(sql: string, options: readonly string[] = ['-N', '-B']): Shell {
  return sh`{ ${insert(heredoc(sh`"$provision_sql" ${options} --force --unbuffered 2>&1`, `${SESSION_SETUP}\n${VERSION_SQL}\n${sql}`))}\n} || echo server=down`;
}

/** Sets $provision_sql, then: `missing` when the client or the server program is missing, else `body`. */
function unlessMissing(missing: Shell, body: Shell): Shell {
  return lines(
    FIND_CLIENT,
    'if [ -z "$provision_sql" ] || ! { command -v mariadbd >/dev/null 2>&1 || command -v mysqld >/dev/null 2>&1; }; then',
    missing,
    'else',
    body,
    'fi',
  );
}

/** `server=missing`, and `datadir=yes` when data is there: a server installed later in the run starts with it. */
const MISSING = lines('echo server=missing', sh`[ ! -d ${`${DATA_DIR}/mysql`} ] || echo datadir=yes`);

/**
 * A read-only probe: `server=missing` (with `datadir=yes` when data is there)
 * when the client or the server program is missing, else what `body` prints,
 * a probeQuery's output (see parseServer). Exits 0 in every case.
 */
export function serverProbe(body: Shell): Shell {
  return unlessMissing(MISSING, body);
}

/**
 * serverProbe(probeQuery(sql)) for each of `sqls` in ONE client call (the mysql probe family's, MYSQL_STATEMENTS): each item's statements
 * follow their own version query and precede a `separator` row, so each part reads like one item's probe. A client
 * that could not connect prints no separator: then each item gets its output and `server=down`.
 */
export function serverProbeMany(sqls: readonly string[], separator: string): Shell {
  const sql = sqls.map((s) => `${VERSION_SQL}\n${s}\nSELECT ${sqlString(separator)};`).join('\n');
  const each = (part: Shell): Shell => sh`for provision_item in ${sqls.map((_, i) => i + 1)}; do\n${insert(part)}\nprintf '%s\\n' "$provision_sep"\ndone`;
  return lines(
    sh`provision_sep=${separator}`,
    unlessMissing(
      each(MISSING),
      lines(
        sh`provision_out=$(${insert(heredoc(trusted('"$provision_sql" -N -B --force --unbuffered 2>&1'), `${SESSION_SETUP}\n${sql}`))}\n)`,
        'case $provision_out in',
        `*"$provision_sep"*) printf '%s\\n' "$provision_out" ;;`,
        sh`*) ${insert(each(trusted(`printf '%s\\nserver=down\\n' "$provision_out"`)))} ;;`,
        'esac',
      ),
    ),
  );
}

/** The MySQL types whose probes are statements for the client (users, databases): one client call for all of a host's. */
export const MYSQL_STATEMENTS: ProbeFamily = { name: 'mysql statements', probeMany: serverProbeMany };

/**
 * Start of an apply script: defines `fail` and finds the client ($provision_sql). It asks the server
 * nothing: the statements' own client call is the only one when the probe saw the flavour (forServer);
 * a server that does not answer fails that call with the client's error.
 */
export const APPLY_PREAMBLE = lines(FAIL_FUNCTION, FIND_CLIENT, sh`[ -n "$provision_sql" ] || ${insert(fail('no MySQL/MariaDB client (mariadb or mysql) on this host'))}`);

/** Runs sql with the local client (as root, through the socket); the script stops when a statement fails. */
export function runSql(sql: string): Shell {
  return sh`{\n${insert(heredocBase64(sql))}\n} | "$provision_sql" -N -B`;
}

/**
 * Shell choosing between texts by the server, asked on the host (a client call of its own, before the texts'
 * own): for a decision made without the server's version. Each of OLDER_MYSQL_SERIES gets the text built for
 * that series: they spell replication statements the older way (replication.ts), later MySQL the newer.
 * Fails when the server does not answer.
 */
export function flavourCase(byServer: (flavour: Flavour, version?: string) => Shell): Shell {
  return lines(
    sh`if ! ${ASK_VERSION}; then printf '%s\\n' "$provision_version" >&2; ${insert(fail('the MySQL/MariaDB server does not answer'))}; fi`,
    'case "$provision_version" in',
    `*MariaDB*|*mariadb*)`,
    byServer('mariadb'),
    ';;',
    ...OLDER_MYSQL_SERIES.flatMap((series) => [sh`${series}.*)`, byServer('mysql', series), ';;' as const]),
    '*)',
    byServer('mysql'),
    ';;',
    'esac',
  );
}

/**
 * The flavour-specific part of an apply script: for the flavour and version the
 * probe saw (no client call to ask them again), or, when the server was not
 * running at probe time (it is installed or started earlier in the same run),
 * chosen on the host (flavourCase).
 */
export function forServer(server: ServerState, build: (flavour: Flavour, version?: string) => Shell): Shell {
  return server.status === 'up' ? build(server.flavour, server.version) : flavourCase(build);
}

/** The change shown when the state could not be read or cannot be managed. */
export function blockedChange(reason: string): Change {
  return { summary: `${reason} (apply will fail)` };
}

/** The apply script of a blocked plan: fails with the reason. */
export function blockedScript(reason: string): Shell {
  return lines(FAIL_FUNCTION, fail(reason));
}
