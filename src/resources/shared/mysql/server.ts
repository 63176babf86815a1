/** The server as a probe sees it: installed and running or not, and which flavour. */
import type { Lookahead, Prediction } from '../lookahead.js';
import { parseFields } from '../probe-output.js';

/** MariaDB, or Oracle MySQL 8. */
export type Flavour = 'mariadb' | 'mysql';

/**
 * MySQL series that spell some replication statements the older way (replication.ts's dialects), which
 * flavourCase also tells apart on the host when the probe could not read the version.
 */
export const OLDER_MYSQL_SERIES = ['8.0', '8.1'] as const;

/** Whether a MySQL version ("8.0.36", or a series "8.0") is of OLDER_MYSQL_SERIES. */
export function isOlderMysql(version: string): boolean {
  return OLDER_MYSQL_SERIES.some((series) => version === series || version.startsWith(`${series}.`));
}

/** What the probe found about the server itself. */
export type ServerState =
  | { status: 'missing'; dataDir?: boolean }
  | { status: 'down'; reason: string }
  | { status: 'up'; version: string; flavour: Flavour; unsupported?: string };

/** The server's flavour from `SELECT VERSION()`, e.g. "10.11.6-MariaDB-0+deb12u1" or "8.0.36". */
export function flavourOf(version: string): Flavour {
  return /mariadb/i.test(version) ? 'mariadb' : 'mysql';
}

/** Why this server version cannot be managed, or undefined. MySQL needs 8.0.26+ (CHANGE REPLICATION SOURCE, mysqldump --source-data). */
export function unsupportedReason(version: string): string | undefined {
  if (flavourOf(version) === 'mariadb') {
    const [major = 0, minor = 0] = numbers(version);
    return major * 100 + minor < 1005 ? `MariaDB ${version} is too old (10.5 or newer is needed)` : undefined;
  }
  const [major = 0, minor = 0, patch = 0] = numbers(version);
  return major * 10000 + minor * 100 + patch < 80026 ? `MySQL ${version} is too old (8.0.26 or newer is needed)` : undefined;
}

function numbers(version: string): number[] {
  return (/^(\d+)\.(\d+)\.(\d+)/.exec(version) ?? []).slice(1).map(Number);
}

/**
 * The server as a probe's output tells it (see serverProbe, probeQuery):
 * `server=missing`; up with the version the client printed first; else down,
 * with the client's first line, which says why it could not connect.
 */
export function parseServer(output: string): ServerState {
  const fields = parseFields(output);
  if (fields.get('server') === 'missing') return fields.get('datadir') === 'yes' ? { status: 'missing', dataDir: true } : { status: 'missing' };
  const version = fields.get('version');
  if (version !== undefined) {
    const unsupported = unsupportedReason(version);
    return unsupported === undefined ? { status: 'up', version, flavour: flavourOf(version) } : { status: 'up', version, flavour: flavourOf(version), unsupported };
  }
  const first = output.split('\n')[0] ?? '';
  return { status: 'down', reason: first === 'server=down' ? '' : first };
}

/** The server, and the first error of a statement that failed (the client's `ERROR nnnn ...` line) when it answered, but for the error numbers `expected`. */
export function parseProbe(output: string, expected: readonly number[] = []): { server: ServerState; error?: string } {
  const server = parseServer(output);
  if (server.status !== 'up') return { server };
  const error = output.split('\n').find((line) => /^ERROR /.test(line) && !expected.some((n) => line.startsWith(`ERROR ${n} `)));
  return error === undefined ? { server } : { server, error };
}

/** "server not installed yet" / "server not running (reason)": why the current state is unknown. */
export function describeServer(server: Exclude<ServerState, { status: 'up' }>): string {
  if (server.status === 'missing') return 'server not installed yet';
  return server.reason === '' ? 'server not running' : `server not running: ${server.reason}`;
}

/** Where the server's data lives: a server installed onto one that has data starts with that data. */
export const DATA_DIR = '/var/lib/mysql';

/**
 * How earlier changes of the run affect a MySQL resource: a server they install
 * starts with no databases and no accounts but its own, so the decision made
 * for a missing server holds, unless a data directory is already there.
 */
export function predictServer<C extends { server: ServerState }>(current: C, ahead: Lookahead): Prediction<C> | undefined {
  if (current.server.status !== 'missing') return undefined;
  const installed = ['mariadbd', 'mysqld'].map((p) => ahead.path(`/usr/sbin/${p}`)).find((o) => o !== undefined && o.kind !== 'absent');
  if (!installed) return undefined;
  if (installed.kind === 'unknown') return { unknown: `${installed.by} may install a server: ${installed.why}` };
  if (current.server.dataDir) return { unknown: `${installed.by} installs the server, which starts with the data already in ${DATA_DIR}` };
  return { current, because: `${installed.by} installs the server; a new one has no databases and no accounts but its own` };
}
