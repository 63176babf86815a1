/**
 * SQL text for the MySQL/MariaDB resources: literals, identifiers, accounts,
 * and the session settings every batch starts with. SQL never reaches a shell
 * as code: it travels base64-encoded to the client's stdin (see client.ts).
 */

/**
 * A string literal. Backslash escapes are on: every batch starts with
 * SESSION_SETUP, which clears sql_mode (so NO_BACKSLASH_ESCAPES is off).
 */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\0/g, '\\0')}'`;
}

/** A backtick-quoted identifier (database or table name). */
export function sqlIdent(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** An account, `'name'@'host'`. */
export function sqlAccount(name: string, host: string): string {
  return `${sqlString(name)}@${sqlString(host)}`;
}

/** What a batch of statements needs around it. */
export interface BatchOptions {
  /** false: the session does not write the binary log (sql_log_bin=0), e.g. for local accounts on a replica. */
  binlog: boolean;
}

/** Session settings first, so that literals mean the same on every server. */
export const SESSION_SETUP = "SET SESSION sql_mode='';";

/** Statements as one batch for the client: session settings, then one statement a line. */
export function sqlBatch(statements: readonly string[], options: BatchOptions = { binlog: true }): string {
  const head = options.binlog ? [SESSION_SETUP] : [SESSION_SETUP, 'SET SESSION sql_log_bin=0;'];
  return [...head, ...statements.map((s) => (s.endsWith(';') ? s : `${s};`))].join('\n') + '\n';
}
