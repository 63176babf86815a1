import { homedir } from 'node:os';
import path from 'node:path';
import { MIN_SECRET_LENGTH, Secret, secretAsInteger, secretProblem } from '../secrets.js';
import { withinEditDistance } from '../suggest.js';
import { proxyFromSshArgs } from './ssh-args.js';
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
  /** Checked only when the host is reached, not when the inventory is read: the value is valid Ansible that provision cannot act on (another connection plugin). */
  checkedWhenUsed?: boolean;
  /** The value is a password: never read, rendered or shown in a message (it may be plain text in the inventory). */
  unread?: boolean;
  /** The value is a password: read, but never shown in a message (a plain one too short to mask would be shown as is). */
  hidden?: boolean;
  /**
   * Ansible's names in its own order of strength, weakest first: where a host has several (from any scopes), the
   * strongest wins, whatever the scopes (Ansible's connection plugin takes the last of its names that is set). The
   * canonical name ranks below all of them.
   */
  ansibleOrder?: readonly string[];
  /** Names under which a relative path is read against the current directory, not the file that sets it (Ansible's names: ssh opens the file from where Ansible runs). */
  fromCurrentDir?: readonly string[];
}

const nonEmptyText = (value: unknown): ReadResult =>
  typeof value === 'string' && value.trim() !== '' ? { value } : { expected: 'expected a non-empty string' };

/**
 * A host name or IP address to connect to: it also becomes a known_hosts name and a value in
 * templates, so whitespace, control characters, a leading '-' and other punctuation are refused.
 */
const hostAddress = (value: unknown): ReadResult => {
  if (typeof value === 'string' && /^[A-Za-z0-9_.:%]([A-Za-z0-9_.:%-]*)$/.test(value)) return { value };
  const bracketed = typeof value === 'string' ? /^\[([0-9A-Fa-f:.]+(?:%[A-Za-z0-9_.-]+)?)\](?::\d+)?$/.exec(value) : null;
  // Often advised for IPv6, but Ansible hands the text to ssh as written, and ssh cannot resolve a name in brackets.
  if (bracketed) return { expected: `expected the IPv6 address without brackets (${bracketed[1]!}): Ansible passes it to ssh as written, and ssh cannot resolve it in brackets; set a port with ansible_port` };
  return { expected: 'expected a host name or IP address (letters, digits and . _ - : %, not starting with -)' };
};

const portNumber = (written: unknown, { fromCommandLine }: ReadOptions): ReadResult => {
  const value = secretAsInteger(written);
  const port = fromCommandLine && typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535
    ? { value: port }
    : { expected: 'expected an integer from 1 to 65535' };
};

const portNumberOrText = (value: unknown, options: ReadOptions): ReadResult =>
  // Ansible reads a port written as text ("2222", from YAML or INI) as the number.
  portNumber(typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value, options);

// Ansible's boolean(): these strings (any case) and 1/0 are booleans too.
const TRUE_WORDS = ['y', 'yes', 'on', '1', 'true', 't'];
const FALSE_WORDS = ['n', 'no', 'off', '0', 'false', 'f'];
const flag = (value: unknown): ReadResult => {
  if (typeof value === 'boolean') return { value };
  const word = typeof value === 'string' || typeof value === 'number' ? String(value).toLowerCase() : undefined;
  if (word !== undefined && TRUE_WORDS.includes(word)) return { value: true };
  if (word !== undefined && FALSE_WORDS.includes(word)) return { value: false };
  return { expected: 'expected a boolean (true or false; yes/no and on/off are read as Ansible does)' };
};

const secretText = (value: unknown): ReadResult => {
  if (value instanceof Secret) return { value };
  if (typeof value !== 'string' && typeof value !== 'number') return { expected: 'expected a password (a string, a { secret: ENV_NAME } reference or a !vault value)' };
  if (secretProblem(String(value)) !== undefined) return { expected: `expected a password of at least ${MIN_SECRET_LENGTH} characters (a shorter one could not be masked in output)` };
  return { value: new Secret(String(value)) };
};

/**
 * sudo's password: sent as the first line of the session's stdin, the script after it (see transport/become.ts), so a
 * line break inside would hand the rest of the password to the root shell as commands (sudo also stops at a CR): refused.
 * One line end at the end (`echo pw | ansible-vault encrypt_string`) is dropped, as sudo drops it under Ansible.
 */
const becomePassword = (value: unknown): ReadResult => {
  const text = value instanceof Secret ? value.reveal() : typeof value === 'string' ? value : undefined;
  const oneLine = text?.replace(/\r?\n$/, '');
  if (oneLine === undefined || oneLine === text) return checkedLine(secretText(value));
  return checkedLine(secretText(oneLine));
};

function checkedLine(read: ReadResult): ReadResult {
  if (!('value' in read) || !/[\n\r\0]/.test((read.value as Secret).reveal())) return read;
  return { expected: 'expected a password on one line (no line break, carriage return or NUL byte): sudo reads it as one line' };
}

const sshArgs = (value: unknown): ReadResult => {
  if (typeof value !== 'string') return { expected: 'expected ssh options as one string' };
  const proxy = proxyFromSshArgs(value);
  return 'problem' in proxy ? { expected: proxy.problem } : { value };
};

const CONNECTION_TYPES: Record<string, HostConnection['type']> = { ssh: 'ssh', paramiko: 'ssh', paramiko_ssh: 'ssh', smart: 'ssh', local: 'local' };
// Ansible also accepts a connection plugin by its collection name: ansible.builtin.ssh, ansible.legacy.local.
const BUILTIN_PREFIX = /^ansible\.(?:builtin|legacy)\./;
const connectionType = (value: unknown): ReadResult => {
  const name = typeof value === 'string' ? value.replace(BUILTIN_PREFIX, '') : undefined;
  return name !== undefined && Object.hasOwn(CONNECTION_TYPES, name)
    ? { value: CONNECTION_TYPES[name] }
    : { expected: `expected a connection type provision has: ssh (also paramiko and smart) or local` };
};

// Only sudo: another become method (su, doas) would otherwise be silently replaced by sudo.
const becomeMethod = (value: unknown): ReadResult =>
  typeof value === 'string' && value.replace(BUILTIN_PREFIX, '') === 'sudo' ? { value: 'sudo' } : { expected: 'expected sudo, the only become method provision has' };

// Logging in with a password is not something provision does: a host that sets one would otherwise be tried with keys only, without a word.
const noSshPassword = (): ReadResult => ({ expected: 'SSH password login is not supported: expected key authentication (ansible_ssh_private_key_file, ~/.ssh/config or ssh-agent)' });

// Ansible's int(): a whole number, also written as text ("30", from YAML); provision refuses 0 and less (no timeout at all).
const timeoutSeconds = (written: unknown): ReadResult => {
  const value = secretAsInteger(written);
  const seconds = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value.trim()) : value;
  return typeof seconds === 'number' && Number.isInteger(seconds) && seconds >= 1 ? { value: seconds } : { expected: 'expected a positive whole number of seconds' };
};

// The key itself (ansible-core 2.19's ssh plugin, which adds it to an ssh-agent it manages): provision logs in with key files and ssh-agent.
const noPrivateKeyText = (): ReadResult => ({ expected: 'a private key given as text is not supported: expected a key file (ansible_ssh_private_key_file) or a key in ssh-agent' });

// The ssh plugin's per-host program and smart card, as ansible.cfg's ssh_executable and pkcs11_provider (refused there too).
const sshProgram = (value: unknown): ReadResult => (value === 'ssh' ? { value } : { expected: 'expected ssh: provision connects with its own SSH client' });
const noPkcs11 = (value: unknown): ReadResult => (value === '' ? { value } : { expected: 'a PKCS#11 provider is not supported: load the token into ssh-agent' });

const filePath = (value: unknown, { baseDir }: ReadOptions): ReadResult => {
  if (typeof value !== 'string' || value.trim() === '') return { expected: 'expected a file path' };
  const expanded = value === '~' || value.startsWith('~/') ? path.join(homedir(), value.slice(1)) : value;
  return { value: path.resolve(baseDir, expanded) };
};

const CONNECTION_VARS: readonly ConnectionVar[] = [
  { name: 'address', aliases: ['ansible_host', 'ansible_ssh_host'], read: hostAddress, ansibleOrder: ['ansible_host', 'ansible_ssh_host'] },
  { name: 'port', aliases: ['ansible_port', 'ansible_ssh_port'], read: portNumberOrText, ansibleOrder: ['ansible_port', 'ansible_ssh_port'] },
  { name: 'user', aliases: ['ansible_user', 'ansible_ssh_user'], read: nonEmptyText, ansibleOrder: ['ansible_user', 'ansible_ssh_user'] },
  // Ansible accepts both spellings of the key file variable. Ansible hands the path to ssh as written
  // (-o IdentityFile="keys/k"), and ssh opens it from the current directory; provision's own name is
  // read against the file that sets it, as its other paths are.
  { name: 'ssh_private_key_file', aliases: ['ansible_ssh_private_key_file', 'ansible_private_key_file'], read: filePath, fromCurrentDir: ['ansible_ssh_private_key_file', 'ansible_private_key_file'], ansibleOrder: ['ansible_private_key_file', 'ansible_ssh_private_key_file'] },
  { name: 'become', aliases: ['ansible_become'], read: flag },
  { name: 'become_user', aliases: ['ansible_become_user', 'ansible_sudo_user'], read: nonEmptyText, ansibleOrder: ['ansible_become_user', 'ansible_sudo_user'] },
  // ansible_sudo_user and ansible_sudo_pass: Ansible's sudo plugin still reads them (older inventories set them).
  { name: 'become_password', aliases: ['ansible_become_password', 'ansible_become_pass', 'ansible_sudo_pass'], read: becomePassword, hidden: true, ansibleOrder: ['ansible_become_password', 'ansible_become_pass', 'ansible_sudo_pass'] },
  // Ansible passes all three to ssh, ssh_args (ansible.cfg's, by default) first: ssh takes the first jump host it is given.
  // Checked when the host is reached, so that `provision inventory` lists what Ansible lists.
  { name: 'ssh_args', aliases: ['ansible_ssh_args'], read: sshArgs, checkedWhenUsed: true },
  { name: 'ssh_common_args', aliases: ['ansible_ssh_common_args'], read: sshArgs, checkedWhenUsed: true },
  { name: 'ssh_extra_args', aliases: ['ansible_ssh_extra_args'], read: sshArgs, checkedWhenUsed: true },
  { name: 'become_method', aliases: ['ansible_become_method'], read: becomeMethod, checkedWhenUsed: true },
  // Ansible's names for the SSH password, each its own variable (an inventory may set several); and for the private key as text.
  ...['ansible_password', 'ansible_ssh_pass', 'ansible_ssh_password'].map((name) => ({ name, aliases: [], read: noSshPassword, checkedWhenUsed: true, unread: true })),
  ...['ansible_private_key', 'ansible_ssh_private_key'].map((name) => ({ name, aliases: [], read: noPrivateKeyText, checkedWhenUsed: true, unread: true })),
  { name: 'ansible_ssh_executable', aliases: [], read: sshProgram, checkedWhenUsed: true },
  { name: 'ansible_ssh_pkcs11_provider', aliases: [], read: noPkcs11, checkedWhenUsed: true },
  // Other connection plugins (lxd, docker, winrm) are valid Ansible: an inventory using them loads, and such a host fails only when it is reached.
  { name: 'connection', aliases: ['ansible_connection'], read: connectionType, checkedWhenUsed: true },
  { name: 'ssh_known_hosts_file', aliases: [], read: filePath },
  // The ssh plugin's per-host overrides of host_key_checking: they beat ansible.cfg and --accept-new-host-keys.
  // Two variables, not aliases: Ansible reads both from the merged variables and the ssh one wins whatever
  // their scopes (the bare name `host_key_checking` is no connection variable in Ansible, nor here).
  ...['ansible_host_key_checking', 'ansible_ssh_host_key_checking'].map((name) => ({ name, aliases: [], read: flag })),
  // The connection timeout, the same way: ansible_ssh_timeout wins over ansible_timeout whatever their scopes, and both
  // beat ansible.cfg and --timeout (Ansible's play context reads them over its --timeout).
  ...['ansible_timeout', 'ansible_ssh_timeout'].map((name) => ({ name, aliases: [], read: timeoutSeconds })),
];

const BY_NAME = new Map(CONNECTION_VARS.flatMap((v) => [v.name, ...v.aliases].map((name) => [name, v] as const)));

/**
 * How strong a connection variable written as `writtenAs` is against its other names (see ansibleOrder): provision's
 * own name is the weakest (-1: Ansible takes it for a plain variable), an Ansible name without rivals 0.
 */
export function nameStrength(writtenAs: string): number {
  const spec = BY_NAME.get(writtenAs);
  if (spec === undefined) return 0;
  if (writtenAs === spec.name) return spec.aliases.length > 0 ? -1 : 0;
  return Math.max(0, spec.ansibleOrder?.indexOf(writtenAs) ?? 0);
}

/** Whether another name of the same connection setting beats `writtenAs` (in its scope or another one) when both are set. */
export function canBeOutranked(writtenAs: string): boolean {
  const spec = BY_NAME.get(writtenAs);
  return spec !== undefined && [spec.name, ...spec.aliases].some((name) => nameStrength(name) > nameStrength(writtenAs));
}

/** The connection variable a name (canonical or alias) stands for, if any. */
export function connectionVar(name: string): ConnectionVar | undefined {
  return BY_NAME.get(name);
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
  if (name.length < 3 || BY_NAME.has(name) || ANSIBLE_OWN.has(name)) return undefined;
  // Every host reads the same group and role variables: each name is measured once per run.
  if (!misspelt.has(name)) misspelt.set(name, closeConnectionVar(name));
  return misspelt.get(name);
}

/**
 * Variables of Ansible's own plugins that are this close to a connection variable's name: real
 * settings of a valid Ansible inventory, never a typo (ordinary variables here).
 * test/unit/ansible-variables.test.ts holds every `ansible_` variable ansible-core documents to it.
 */
const ANSIBLE_OWN = new Set(['ansible_scp_executable', 'ansible_scp_extra_args', 'ansible_su_pass', 'ansible_su_user']);

/** Names already measured against the connection variables' names. */
const misspelt = new Map<string, string | undefined>();

function closeConnectionVar(name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const known of BY_NAME.keys()) {
    const maxEdits = known.length >= 10 ? 2 : 1;
    // Every variable of every host and role is checked: skip the names that cannot be close before
    // measuring (the edit distance is at least the difference in length; a swap keeps the length).
    if (Math.abs(lower.length - known.length) > maxEdits) continue;
    if (lower.startsWith(known) && lower !== known && !known.startsWith('ansible_')) continue;
    if (withinEditDistance(lower, known, maxEdits) || isNeighbourSwap(lower, known)) return known;
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
  const get = <T>(name: string): T | undefined => vars.get(name) as T | undefined;
  const connection: HostConnection = {
    type: get<HostConnection['type']>('connection') ?? 'ssh',
    address: get<string>('address') ?? hostName,
    become: get<boolean>('become') ?? false,
  };
  const optional = {
    port: get<number>('port'),
    user: get<string>('user'),
    privateKeyFile: get<string>('ssh_private_key_file'),
    knownHostsFile: get<string>('ssh_known_hosts_file'),
    hostKeyChecking: get<boolean>('ansible_ssh_host_key_checking') ?? get<boolean>('ansible_host_key_checking'),
    timeoutSeconds: get<number>('ansible_ssh_timeout') ?? get<number>('ansible_timeout'),
    becomeUser: get<string>('become_user'),
    becomePassword: get<Secret>('become_password'),
    jump: jumpOf(get<string>('ssh_args')) ?? jumpOf(get<string>('ssh_common_args')) ?? jumpOf(get<string>('ssh_extra_args')),
  };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) Object.assign(connection, { [key]: value });
  return connection;
}

/** The jump host that ssh options name (`-J`, ProxyJump, or ProxyCommand `ssh -W %h:%p`), if any. */
function jumpOf(args: string | undefined): string | undefined {
  if (args === undefined) return undefined;
  const proxy = proxyFromSshArgs(args);
  return 'jump' in proxy ? proxy.jump : undefined;
}

/** The other names (Ansible's) of a connection variable's canonical name; none for other variables. */
export function connectionAliases(name: string): readonly string[] {
  const spec = BY_NAME.get(name);
  return spec && spec.name === name ? spec.aliases : [];
}

/** The canonical name of a connection variable name, or the name itself. */
export function canonicalName(name: string): string {
  return BY_NAME.get(name)?.name ?? name;
}
