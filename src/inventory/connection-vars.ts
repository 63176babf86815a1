import { homedir } from 'node:os';
import path from 'node:path';
import { editDistance } from '../suggest.js';
import type { HostConnection } from './types.js';

/** The SSH port when none is set. */
export const DEFAULT_PORT = 22;

/** What a connection variable's value is read relative to. */
export interface ReadOptions {
  /** Directory relative file paths are resolved against. */
  baseDir: string;
  /** The command line has no types: `-e port=2222` and `-e become=true` are strings to be read as such. */
  fromCommandLine: boolean;
}

/** A checked and normalised value, or the "expected ..." half of an error message. */
export type ReadResult = { value: unknown } | { expected: string };

/** A variable that tells how to reach a host. */
interface ConnectionVar {
  /** Canonical name: the one used in merged variables. */
  name: string;
  /** Other names accepted for it (Ansible's). */
  aliases: readonly string[];
  /** Checks and normalises a value. */
  read(value: unknown, options: ReadOptions): ReadResult;
}

const nonEmptyText = (value: unknown): ReadResult =>
  typeof value === 'string' && value.trim() !== '' ? { value } : { expected: 'expected a non-empty string' };

const portNumber = (value: unknown, { fromCommandLine }: ReadOptions): ReadResult => {
  const port = fromCommandLine && typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535
    ? { value: port }
    : { expected: 'expected an integer from 1 to 65535' };
};

const flag = (value: unknown, { fromCommandLine }: ReadOptions): ReadResult => {
  const flag = fromCommandLine && (value === 'true' || value === 'false') ? value === 'true' : value;
  return typeof flag === 'boolean' ? { value: flag } : { expected: 'expected a boolean (true or false)' };
};

const filePath = (value: unknown, { baseDir }: ReadOptions): ReadResult => {
  if (typeof value !== 'string' || value.trim() === '') return { expected: 'expected a file path' };
  const expanded = value === '~' || value.startsWith('~/') ? path.join(homedir(), value.slice(1)) : value;
  return { value: path.resolve(baseDir, expanded) };
};

const CONNECTION_VARS: readonly ConnectionVar[] = [
  { name: 'address', aliases: ['ansible_host'], read: nonEmptyText },
  { name: 'port', aliases: ['ansible_port'], read: portNumber },
  { name: 'user', aliases: ['ansible_user'], read: nonEmptyText },
  // Ansible accepts both spellings of the key file variable.
  { name: 'ssh_private_key_file', aliases: ['ansible_ssh_private_key_file', 'ansible_private_key_file'], read: filePath },
  { name: 'become', aliases: ['ansible_become'], read: flag },
  { name: 'ssh_known_hosts_file', aliases: [], read: filePath },
];

const BY_NAME = new Map(CONNECTION_VARS.flatMap((v) => [v.name, ...v.aliases].map((name) => [name, v] as const)));

/** The connection variable a name (canonical or alias) stands for, if any. */
export function connectionVar(name: string): ConnectionVar | undefined {
  return BY_NAME.get(name);
}

/** Every name of a connection variable, canonical first, for messages: "address, ansible_host". */
export function namesOf(spec: ConnectionVar): string {
  return [spec.name, ...spec.aliases].join(', ');
}

/**
 * The connection variable `name` is probably a misspelling of, if any.
 *
 * A name one edit (or one swap of neighbouring letters) away from a connection
 * variable, such as `adress`, `prot` or `Port`, is refused rather than kept as
 * an ordinary variable: otherwise the typo would silently leave the connection
 * at its default. Long names allow two edits. Names that merely extend a
 * connection variable (`ports`, `user_home`) are common real variables and are
 * let through, except in Ansible's own `ansible_` namespace.
 */
export function misspeltConnectionVar(name: string): string | undefined {
  if (name.length < 3 || BY_NAME.has(name)) return undefined;
  const lower = name.toLowerCase();
  for (const known of BY_NAME.keys()) {
    if (lower.startsWith(known) && lower !== known && !known.startsWith('ansible_')) continue;
    const distance = editDistance(lower, known);
    if (distance <= (known.length >= 10 ? 2 : 1) || isNeighbourSwap(lower, known)) return known;
  }
  return undefined;
}

/** Whether a becomes b by swapping two neighbouring characters (`prot` → `port`). */
function isNeighbourSwap(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const diff = [...a].flatMap((ch, i) => (ch === b[i] ? [] : [i]));
  return diff.length === 2 && diff[1] === diff[0]! + 1 && a[diff[0]!] === b[diff[1]!] && a[diff[1]!] === b[diff[0]!];
}

/**
 * How to reach a host, from its merged variables. The values were checked and
 * normalised by the connection variable's `read` when they were read, which is
 * why the casts below are safe.
 */
export function connectionOf(hostName: string, vars: ReadonlyMap<string, unknown>): HostConnection {
  const connection: HostConnection = {
    address: (vars.get('address') as string | undefined) ?? hostName,
    become: (vars.get('become') as boolean | undefined) ?? false,
  };
  const port = vars.get('port') as number | undefined;
  if (port !== undefined) connection.port = port;
  const user = vars.get('user') as string | undefined;
  const privateKeyFile = vars.get('ssh_private_key_file') as string | undefined;
  const knownHostsFile = vars.get('ssh_known_hosts_file') as string | undefined;
  if (user !== undefined) connection.user = user;
  if (privateKeyFile !== undefined) connection.privateKeyFile = privateKeyFile;
  if (knownHostsFile !== undefined) connection.knownHostsFile = knownHostsFile;
  return connection;
}
