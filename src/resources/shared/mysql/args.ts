/** Declaration arguments shared by the MySQL/MariaDB resources. */
import { Secret, secretProblem } from '../../../secrets.js';
import { type Args, describe, matching, optionalBoolean, requiredString } from '../args.js';
import { ArgError } from '../../types.js';

/** Schemas the server owns: never created, dropped or seeded by provision. */
export const SYSTEM_SCHEMAS = ['mysql', 'information_schema', 'performance_schema', 'sys'] as const;

/** A database name: letters, digits, _ $ - (at most 64), not a system schema. */
export function databaseName(args: Args, key: string): string {
  const name = matching(key, requiredString(args, key), /^[A-Za-z0-9_$-]{1,64}$/, 'a database name (letters, digits, _ $ -, at most 64 characters)');
  if ((SYSTEM_SCHEMAS as readonly string[]).includes(name.toLowerCase())) throw new ArgError(key, `'${name}' is a system schema; provision does not manage it`);
  return name;
}

/** An account name: letters, digits, _ . - (at most 32, MySQL's limit). */
export function accountUser(args: Args, key: string): string {
  return matching(key, requiredString(args, key), /^[A-Za-z0-9_.-]{1,32}$/, 'a MySQL user name (letters, digits, _ . -, at most 32 characters)');
}

/** An account's host part: a name, an address, a netmask or a % pattern. */
export function accountHost(key: string, host: string): string {
  return matching(key, host, /^[A-Za-z0-9_.%:/-]{1,255}$/, "a host like 'localhost', '10.0.0.5', '10.0.0.%' or '%'");
}

/**
 * A password, kept as a Secret (a plain string is made one, so it is masked
 * in all output too). No newline or NUL: it must fit on one line of the
 * client's option file and of the replica's master.info.
 */
export function passwordArg(args: Args, key: string): Secret {
  const v = args[key];
  if (v === undefined || v === null) throw new ArgError(key, `'${key}' is required`);
  if (!(v instanceof Secret) && typeof v !== 'string' && typeof v !== 'number') {
    throw new ArgError(key, `'${key}' must be a string or a secret ({ secret: ENV_NAME } in the inventory), got ${describe(v)}`);
  }
  const text = v instanceof Secret ? v.reveal() : String(v);
  if (text === '') throw new ArgError(key, `'${key}' must not be empty`);
  if (/[\n\r\0]/.test(text)) throw new ArgError(key, `'${key}' must not contain a line break or a NUL character`);
  const problem = secretProblem(text);
  if (problem !== undefined) throw new ArgError(key, `'${key}': ${problem}`);
  return v instanceof Secret ? v : new Secret(text);
}

/** `binlog` (default true): false keeps the statements out of the binary log, for local changes on a replica. */
export function binlogArg(args: Args): boolean {
  return optionalBoolean(args, 'binlog', true);
}
