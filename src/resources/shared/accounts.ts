/** Shared by `user` and `group`: names, the getent probe, and create-or-modify scripts. */
import { insert, sh, trusted, type Shell } from '../../shell/quote.js';
import { type Args, matching, requiredString } from './args.js';
import type { Fields } from './probe-output.js';
import { ArgError } from '../types.js';

/** The account databases getent reads. */
export type AccountDatabase = 'passwd' | 'group';

/** A user or group name as useradd accepts it (Debian's NAME_REGEX, with dots). */
export const ACCOUNT_NAME = /^[a-z_][a-z0-9_.-]*\$?$/;

/** Checks a user or group name (useradd's rules, without its --badname exceptions). */
export function accountName(key: string, name: string): string {
  matching(key, name, ACCOUNT_NAME, 'a user or group name (lowercase letters, digits, _ . -, starting with a letter or _)');
  if (name.length > 32) throw new ArgError(key, `'${key}' must be at most 32 characters, got '${name}'`);
  return name;
}

/** The required `name` key, checked by accountName. */
export function nameArg(args: Args): string {
  return accountName('name', requiredString(args, 'name'));
}

/** Read-only script printing `entry=<getent line>` when the account exists, and running `more` then. */
export function getentProbe(database: AccountDatabase, name: string, more: Shell = trusted('')): Shell {
  return sh`if provision_entry=$(getent ${database} -- ${name} 2>/dev/null </dev/null); then\n  echo "entry=$provision_entry"\n${insert(more)}fi`;
}

/** The colon-separated fields of the getent line, or undefined when the account does not exist. */
export function entryFields(fields: Fields): string[] | undefined {
  return fields.get('entry')?.split(':');
}

/**
 * Creates the account, or, when it exists by apply time (e.g. a package
 * installed earlier in the run made it), sets the wanted attributes on it.
 * `create` and `modify` are complete commands; modify may be undefined (nothing to set).
 */
export function createOrModify(database: AccountDatabase, name: string, create: Shell, modify: Shell | undefined): Shell {
  return sh`if getent ${database} -- ${name} >/dev/null; then ${insert(modify ?? trusted(':'))}; else ${insert(create)}; fi`;
}

/** Deletes the account when it still exists. */
export function deleteIfPresent(database: AccountDatabase, name: string, remove: Shell): Shell {
  return sh`if getent ${database} -- ${name} >/dev/null; then ${insert(remove)}; fi`;
}
