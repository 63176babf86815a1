/**
 * Shell parts shared by the MySQL/MariaDB resources. The client runs as root
 * through the unix socket (root authenticates by unix_socket/auth_socket);
 * SQL reaches it on stdin from a base64 here-document, so no statement (and
 * no password in one) is ever on a command line.
 */
import { heredocBase64, insert, sh, trusted, type Shell } from '../../../shell/quote.js';
import { FAIL_FUNCTION, fail, lines } from '../script.js';
import type { Change } from '../../types.js';
import { DATA_DIR, type Flavour, type ServerState } from './server.js';

/** Finds the client (mariadb, else mysql) in $provision_sql, and the server program in $provision_server; both empty when missing. */
const FIND_PROGRAMS = lines(
  // Servers live in sbin, which a non-login PATH may lack.
  'PATH="$PATH:/usr/sbin:/usr/local/sbin"',
  'provision_sql=$(command -v mariadb || command -v mysql || true)',
  'provision_server=$(command -v mariadbd || command -v mysqld || true)',
);

/** Sets $provision_version from the server, or leaves the error text there and fails. */
const ASK_VERSION = insert(trusted(`provision_version=$("$provision_sql" -N -B -e 'SELECT VERSION()' </dev/null 2>&1)`));

/**
 * Defines `provision_q PREFIX OPTION...`: runs the SQL on its stdin with the
 * client and OPTIONs, prints each output line after PREFIX (the shell's loop:
 * no sed), or one `error=` line with the client's first error line.
 */
const QUERY_FUNCTION = trusted(`provision_q() {
  provision_prefix=$1
  shift
  if provision_out=$("$provision_sql" "$@" 2>&1); then
    if [ -n "$provision_out" ]; then
      while IFS= read -r provision_row; do printf '%s%s\\n' "$provision_prefix" "$provision_row"; done <<provision_eof
$provision_out
provision_eof
    fi
  else
    printf 'error=%s\\n' "$(printf '%s\\n' "$provision_out" | head -n 1)"
  fi
}`);

/**
 * A read-only probe: prints `server=missing`, `server=down` with `reason=`,
 * or `server=up` and `version=` followed by what `body` prints. Exits 0 in
 * every case; `body` may call provision_q and read $provision_version.
 */
export function serverProbe(body: Shell): Shell {
  return lines(
    FIND_PROGRAMS,
    'if [ -z "$provision_sql" ] || [ -z "$provision_server" ]; then',
    '  echo server=missing',
    // A server installed later in the run starts with the data already there.
    sh`  [ ! -d ${`${DATA_DIR}/mysql`} ] || echo datadir=yes`,
    sh`elif ! ${ASK_VERSION}; then`,
    '  echo server=down',
    `  printf 'reason=%s\\n' "$(printf '%s\\n' "$provision_version" | head -n 1)"`,
    'else',
    '  echo server=up',
    `  printf 'version=%s\\n' "$provision_version"`,
    QUERY_FUNCTION,
    body,
    'fi',
  );
}

/** `provision_q` fed with sql: prints the rows (`-N -B` by default; `-E` for vertical "Field: value" lines), each after prefix (trusted text). */
export function query(sql: string, prefix: string, options: readonly string[] = ['-N', '-B']): Shell {
  return sh`{\n${insert(heredocBase64(sql))}\n} | provision_q ${prefix} ${options}`;
}

/**
 * Start of an apply script: defines `fail`, finds the client and checks that
 * the server answers, with $provision_version set for flavourCase.
 */
export const APPLY_PREAMBLE = lines(
  FAIL_FUNCTION,
  FIND_PROGRAMS,
  sh`[ -n "$provision_sql" ] || ${insert(fail('no MySQL/MariaDB client (mariadb or mysql) on this host'))}`,
  sh`if ! ${ASK_VERSION}; then printf '%s\\n' "$provision_version" >&2; ${insert(fail('the MySQL/MariaDB server does not answer'))}; fi`,
);

/** Runs sql with the local client (as root, through the socket); the script stops when a statement fails. */
export function runSql(sql: string): Shell {
  return sh`{\n${insert(heredocBase64(sql))}\n} | "$provision_sql" -N -B`;
}

/** Shell choosing between texts by the flavour of the server in $provision_version. */
export function flavourCase(byFlavour: (flavour: Flavour) => Shell): Shell {
  return lines(
    'case "$provision_version" in',
    `*MariaDB*|*mariadb*)`,
    byFlavour('mariadb'),
    ';;',
    '*)',
    byFlavour('mysql'),
    ';;',
    'esac',
  );
}

/**
 * The flavour-specific part of an apply script: for the flavour the probe saw,
 * or, when the server was not running at probe time (it is installed or
 * started earlier in the same run), chosen on the host.
 */
export function forServer(server: ServerState, build: (flavour: Flavour) => Shell): Shell {
  return server.status === 'up' ? build(server.flavour) : flavourCase(build);
}

/** The change shown when the state could not be read or cannot be managed. */
export function blockedChange(reason: string): Change {
  return { summary: `${reason} (apply will fail)` };
}

/** The apply script of a blocked plan: fails with the reason. */
export function blockedScript(reason: string): Shell {
  return lines(FAIL_FUNCTION, fail(reason));
}
