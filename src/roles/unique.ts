/**
 * A role's `unique:` (`mysql_server_id: mysql_group`): the value of a variable must differ between
 * the role's hosts that give a second variable the same value (two MariaDB servers of one
 * replication group with one server_id stop replication). Pure: the hosts' values come computed.
 */
import { UserError, type SourcePosition } from '../errors.js';
import type { UniqueVariable } from './load.js';

/** What one host of the role gives the two variables, and where its value is set. */
export interface UniqueValue {
  host: string;
  /** The value of `among`, as text. */
  among: string;
  /** The value, as text. */
  value: string;
  /** Where the host's value is set: the inventory, or the role's default. */
  origin: { path: string; position?: SourcePosition; inventory: boolean };
}

/** A whole number compares as its number (`011` is `11`, as MariaDB reads it); anything else as its text. */
function comparable(value: string): string {
  return /^[0-9]+$/.test(value) ? BigInt(value).toString() : value;
}

/**
 * One error per host whose value an earlier host (in inventory order) of the same `among` already
 * has, naming both; at the inventory line that sets it (the later host's, else the earlier's), else
 * at the role's `unique:` entry. Only pairs with a host that `reported` accepts (those the run plans).
 */
export function duplicateValues(role: string, unique: UniqueVariable, values: readonly UniqueValue[], reported: (host: string) => boolean): UserError[] {
  const first = new Map<string, UniqueValue>();
  const errors: UserError[] = [];
  for (const item of values) {
    const key = JSON.stringify([item.among, comparable(item.value)]);
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, item);
      continue;
    }
    if (!reported(item.host) && !reported(earlier.host)) continue;
    const written = [item, earlier].find((v) => v.origin.inventory)?.origin;
    const where = written ?? { path: `role ${role} unique`, position: unique.position };
    errors.push(
      new UserError(
        `${where.path}: hosts ${earlier.host} and ${item.host} both have ${unique.variable} ${item.value}: role ${role} needs a value of its own on each of its hosts with the same ${unique.among} (${JSON.stringify(item.among)}); set ${unique.variable} on one of them`,
        where.position,
      ),
    );
  }
  return errors;
}
