/**
 * The settings of ansible.cfg and of the ANSIBLE_* environment that decide how
 * hosts are reached and what runs as whom, read as Ansible reads them (an
 * environment variable beats the file; of several entries for one setting, the
 * last found wins; values typed as lib/ansible/config/manager.py's ensure_type).
 * Each is applied as Ansible applies it, or refused, naming where it is set:
 * never silently dropped. Settings that do not concern provision (callbacks,
 * retry files, fact gathering, plugin paths, colours...) are ignored, as they
 * change nothing provision does.
 */
import { readFileSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import path from 'node:path';
import { pythonRegex } from './python-regex.js';
import { UserError, type SourcePosition } from '../errors.js';
import { expandPath, findConfigFile, type ConfigPlace } from './config-file.js';
import type { InventoryIgnore } from './sources.js';
import { iniValue, readIni, type IniFile } from './config-ini.js';
import type { WrittenVar } from './variables.js';

/** What ansible.cfg and the environment say, for provision. */
export interface AnsibleConfig {
  /** The file read, if any. */
  file?: string;
  /** What Ansible would warn about too (a skipped ./ansible.cfg). */
  warnings: string[];
  /** Connection variables every host starts from, below all of the inventory's (Ansible's config is below its variables). */
  hostDefaults: WrittenVar[];
  /** Defaults of command-line options (the command line beats them). */
  forks?: number;
  timeoutSeconds?: number;
  /** host_key_checking = False: unknown host keys are trusted and recorded (a changed one is still refused). */
  acceptNewHostKeys?: boolean;
  /** Inventory sources when none is given (`inventory =`, ANSIBLE_INVENTORY). */
  inventories?: string[];
  /** `vault_password_file` (or ANSIBLE_VAULT_PASSWORD_FILE), and how to name it. */
  vaultPasswordFile?: { file: string; source: string };
  /** The settings read from the file that change how or as whom hosts are reached (their names, never their values): said when a command contacts hosts. */
  connectionFromFile: string[];
  /** Settings Ansible reads but never uses for its ssh hosts (so provision neither): said when a command contacts hosts. */
  unused: string[];
  /** What an inventory directory's entries are skipped by, when set (`[inventory] ignore_extensions`, `ignore_patterns`). */
  inventoryIgnore?: InventoryIgnore;
  /** Settings provision cannot follow: `connect` ones refuse commands that reach hosts, `inventory` ones every command that reads the inventory. */
  refused: Array<{ error: UserError; when: 'connect' | 'inventory' }>;
}

type Kind = 'string' | 'bool' | 'int' | 'path' | 'pathlist';
type Value = string | boolean | number | string[];

/** One of Ansible's settings: where it may be written (later entries win) and its type. */
interface Setting {
  ini: ReadonlyArray<readonly [section: string, key: string]>;
  env: readonly string[];
  kind: Kind;
  /** A variable set to nothing means the default, where Ansible would read false (a safety it would turn off). */
  emptyIsDefault?: true;
}

/** Where a setting is written, and its text as written. */
interface Written {
  raw: string;
  /** `[defaults] remote_user` or `ANSIBLE_REMOTE_USER`. */
  name: string;
  /** In the file (absent: in the environment). */
  position?: SourcePosition;
  /** Directory its relative paths are read against. */
  baseDir: string;
}

/** A setting's value, typed, and where it was found. */
interface Found extends Omit<Written, 'raw'> {
  value: Value;
}

const setting = (kind: Kind, ini: Setting['ini'], env: readonly string[] = []): Setting => ({ kind, ini, env });
const defaults = (key: string): [string, string] => ['defaults', key];
const escalation = (key: string): [string, string] => ['privilege_escalation', key];
const ssh = (key: string): [string, string] => ['ssh_connection', key];

/** Settings applied as a connection variable of every host, at the lowest precedence (ansible_user beats remote_user). */
const HOST_DEFAULTS: Record<string, Setting> = {
  user: setting('string', [defaults('remote_user')], ['ANSIBLE_REMOTE_USER']),
  ssh_private_key_file: setting('path', [defaults('private_key_file')], ['ANSIBLE_PRIVATE_KEY_FILE']),
  port: setting('int', [defaults('remote_port')], ['ANSIBLE_REMOTE_PORT']),
  connection: setting('string', [defaults('transport')], ['ANSIBLE_TRANSPORT']),
  become: setting('bool', [escalation('become')], ['ANSIBLE_BECOME']),
  become_user: setting('string', [escalation('become_user')], ['ANSIBLE_BECOME_USER']),
  become_method: setting('string', [escalation('become_method')], ['ANSIBLE_BECOME_METHOD']),
  ssh_args: setting('string', [ssh('ssh_args')], ['ANSIBLE_SSH_ARGS']),
  ssh_common_args: setting('string', [ssh('ssh_common_args')], ['ANSIBLE_SSH_COMMON_ARGS']),
  ssh_extra_args: setting('string', [ssh('ssh_extra_args')], ['ANSIBLE_SSH_EXTRA_ARGS']),
};

const FORKS = setting('int', [defaults('forks')], ['ANSIBLE_FORKS']);
const IGNORE_EXTENSIONS = setting('string', [defaults('inventory_ignore_extensions'), ['inventory', 'ignore_extensions']], ['ANSIBLE_INVENTORY_IGNORE']);
const IGNORE_PATTERNS = setting('string', [defaults('inventory_ignore_patterns'), ['inventory', 'ignore_patterns']], ['ANSIBLE_INVENTORY_IGNORE_REGEX']);
// The connection timeout Ansible uses: its play's (the ssh plugin gets it as a keyword, which beats the plugin's own entries below).
const TIMEOUT = setting('int', [defaults('timeout')], ['ANSIBLE_TIMEOUT']);
// The ssh plugin's own names of it: Ansible reads them, then never uses them (checked with ansible-core 2.14: ConnectTimeout stays [defaults] timeout's).
const SSH_TIMEOUT = setting('string', [ssh('timeout')], ['ANSIBLE_SSH_TIMEOUT']);
// The ssh connection plugin's names (its documentation): [paramiko_connection] is another plugin's, not read for ssh hosts.
const HOST_KEY_CHECKING: Setting = { ...setting('bool', [defaults('host_key_checking'), ssh('host_key_checking')], ['ANSIBLE_HOST_KEY_CHECKING', 'ANSIBLE_SSH_HOST_KEY_CHECKING']), emptyIsDefault: true };
const INVENTORY = setting('pathlist', [defaults('inventory')], ['ANSIBLE_INVENTORY']);
const VAULT_PASSWORD_FILE = setting('path', [defaults('vault_password_file')], ['ANSIBLE_VAULT_PASSWORD_FILE']);

/** A setting provision cannot follow, refused when `applies` says its value changes something; `instead` says what to do. */
interface Refusal {
  setting: Setting;
  when: 'connect' | 'inventory';
  applies: (value: Value) => boolean;
  instead: string;
  /** The value is a secret (what it is, said instead of it): never shown. */
  secret?: 'a password' | 'a private key';
}

const isTrue = (value: Value): boolean => value === true;
const isSet = (value: Value): boolean => value !== '';
const isNot = (...allowed: string[]) => (value: Value) => !allowed.includes(String(value));
const NO_PROMPT = 'provision never prompts';
const REFUSALS: Refusal[] = [
  { setting: setting('bool', [defaults('ask_pass')], ['ANSIBLE_ASK_PASS']), when: 'connect', applies: isTrue, instead: `SSH password login is not supported (${NO_PROMPT}): log in with a key (private_key_file, ~/.ssh/config or ssh-agent)` },
  { setting: setting('path', [defaults('connection_password_file')], ['ANSIBLE_CONNECTION_PASSWORD_FILE']), when: 'connect', applies: isSet, instead: 'SSH password login is not supported: log in with a key (private_key_file, ~/.ssh/config or ssh-agent)' },
  // The key itself, not its file (newer ssh plugins): provision reads keys from files and ssh-agent only.
  { setting: setting('string', [], ['ANSIBLE_PRIVATE_KEY']), when: 'connect', applies: isSet, secret: 'a private key', instead: 'provision logs in with key files and ssh-agent only: set private_key_file (or ANSIBLE_PRIVATE_KEY_FILE), or add the key to ssh-agent' },
  { setting: setting('bool', [escalation('become_ask_pass')], ['ANSIBLE_BECOME_ASK_PASS']), when: 'connect', applies: isTrue, instead: `${NO_PROMPT}: give sudo's password as the variable ansible_become_password (a vault value or { secret: ENV_NAME })` },
  { setting: setting('path', [defaults('become_password_file')], ['ANSIBLE_BECOME_PASSWORD_FILE']), when: 'connect', applies: isSet, instead: "give sudo's password as the variable ansible_become_password (a vault value or { secret: ENV_NAME })" },
  { setting: setting('string', [escalation('become_exe'), ['sudo_become_plugin', 'executable']], ['ANSIBLE_BECOME_EXE', 'ANSIBLE_SUDO_EXE']), when: 'connect', applies: isNot('', 'sudo'), instead: 'provision runs sudo itself' },
  { setting: setting('string', [escalation('become_flags'), ['sudo_become_plugin', 'flags']], ['ANSIBLE_BECOME_FLAGS', 'ANSIBLE_SUDO_FLAGS']), when: 'connect', applies: isNot('', '-H -S -n'), instead: 'provision runs sudo with its own flags (-H -S -n and -u USER)' },
  { setting: setting('string', [['sudo_become_plugin', 'user']], ['ANSIBLE_SUDO_USER']), when: 'connect', applies: isSet, instead: 'set become_user in [privilege_escalation] (or the variable ansible_become_user)' },
  { setting: setting('string', [['sudo_become_plugin', 'password']], ['ANSIBLE_BECOME_PASS', 'ANSIBLE_SUDO_PASS']), when: 'connect', applies: isSet, secret: 'a password', instead: "give sudo's password as the variable ansible_become_password (a vault value or { secret: ENV_NAME })" },
  { setting: setting('string', [ssh('ssh_executable')], ['ANSIBLE_SSH_EXECUTABLE']), when: 'connect', applies: isNot('', 'ssh'), instead: 'provision connects with its own SSH client' },
  { setting: setting('string', [ssh('pkcs11_provider')], ['ANSIBLE_PKCS11_PROVIDER']), when: 'connect', applies: isSet, instead: 'provision logs in with key files and ssh-agent only (load the token into ssh-agent)' },
  { setting: setting('string', [['paramiko_connection', 'remote_user']], ['ANSIBLE_PARAMIKO_REMOTE_USER']), when: 'connect', applies: isSet, instead: 'set remote_user in [defaults] (or the variable ansible_user)' },
  { setting: setting('string', [['paramiko_connection', 'proxy_command']], ['ANSIBLE_PARAMIKO_PROXY_COMMAND']), when: 'connect', applies: isSet, instead: 'set the jump host with ssh_args = -o ProxyJump=HOST in [ssh_connection]' },
  { setting: setting('string', [defaults('vault_identity_list')], ['ANSIBLE_VAULT_IDENTITY_LIST']), when: 'inventory', applies: isSet, instead: 'pass each as --vault-id LABEL@FILE' },
  { setting: setting('string', [defaults('hash_behaviour')], ['ANSIBLE_HASH_BEHAVIOUR']), when: 'inventory', applies: isNot('', 'replace'), instead: 'provision merges variables as Ansible does by default (replace)' },
  { setting: setting('string', [defaults('precedence')], ['ANSIBLE_PRECEDENCE']), when: 'inventory', applies: isSet, instead: "provision uses Ansible's default variable precedence" },
  { setting: setting('string', [defaults('force_valid_group_names')], ['ANSIBLE_TRANSFORM_INVALID_GROUP_CHARS']), when: 'inventory', applies: isNot('', 'never', 'ignore'), instead: 'provision keeps group names as written' },
  { setting: setting('string', [defaults('vars_plugins_enabled')], ['ANSIBLE_VARS_ENABLED']), when: 'inventory', applies: isNot('', 'host_group_vars', 'ansible.builtin.host_group_vars'), instead: 'provision reads group_vars/ and host_vars/ only' },
  { setting: setting('string', [defaults('yaml_valid_extensions')], ['ANSIBLE_YAML_FILENAME_EXT']), when: 'inventory', applies: isSet, instead: 'provision reads vars files named .yml, .yaml, .json or without extension' },
  { setting: setting('path', [defaults('playbook_dir')], ['ANSIBLE_PLAYBOOK_DIR']), when: 'inventory', applies: isSet, instead: "provision takes the current directory as the playbook's: run it from there" },
];

/** Reads the ansible.cfg Ansible would read and the ANSIBLE_* environment. Throws UserError (file:line:col) for a file Ansible refuses too, or a value of the wrong type. */
export function readAnsibleConfig(place: ConfigPlace): AnsibleConfig {
  const found = findConfigFile(place);
  let ini: IniFile | undefined;
  let undecodable = false;
  if (found.file !== undefined) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(found.file);
    } catch (err) {
      throw new UserError(`cannot read ${found.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    // Ansible decodes with surrogateescape (bytes that are not UTF-8 are kept, e.g. in a Latin-1 comment) and keeps a
    // byte order mark, which then stands before the first section header (it refuses the file). Both are matched here.
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
    undecodable = text.includes(REPLACEMENT) && !isUtf8(bytes);
    ini = readIni(text, found.file);
  }
  const config: AnsibleConfig = { ...(found.file !== undefined ? { file: found.file } : {}), warnings: found.warning ? [found.warning] : [], hostDefaults: [], connectionFromFile: [], unused: [], refused: [] };
  // `when`: the commands the setting matters to (a refusal of it stops only those).
  const lookup = (s: Setting, when: 'connect' | 'inventory'): Found | undefined => {
    const entry = writtenFor(s, ini, found.file, place);
    if (entry === undefined) return undefined;
    // Ansible would hand such a value on byte for byte; provision's settings are text: refused at its line.
    if (undecodable && entry.position !== undefined && entry.raw.includes(REPLACEMENT)) {
      config.refused.push({ when, error: new UserError(`${entry.name}: the value holds bytes that are not UTF-8: write it in UTF-8`, entry.position) });
      return undefined;
    }
    return valueOf(s, entry, place);
  };
  const fromFile = (value: Found): void => {
    if (value.position !== undefined) config.connectionFromFile.push(value.name.replace(/^\[[^\]]*\] /, ''));
  };
  for (const [name, s] of Object.entries(HOST_DEFAULTS)) {
    const value = lookup(s, 'connect');
    if (value === undefined) continue;
    fromFile(value);
    config.hostDefaults.push({ name, value: value.value, site: { path: value.name, ...(value.position ? { keyPosition: value.position, valuePosition: value.position } : {}), baseDir: value.baseDir, fromCommandLine: false } });
  }
  const forks = lookup(FORKS, 'connect');
  if (forks) config.forks = positive(forks);
  const timeout = lookup(TIMEOUT, 'connect');
  if (timeout) config.timeoutSeconds = positive(timeout);
  const sshTimeout = writtenFor(SSH_TIMEOUT, ini, found.file, place);
  if (sshTimeout) config.unused.push(`${describe(sshTimeout)} is not used by Ansible's ssh connection, nor by provision: the timeout is [defaults] timeout (or ANSIBLE_TIMEOUT, --timeout, a host's ansible_timeout or ansible_ssh_timeout)`);
  const checking = lookup(HOST_KEY_CHECKING, 'connect');
  if (checking?.value === false) {
    config.acceptNewHostKeys = true;
    fromFile(checking);
  }
  const inventory = lookup(INVENTORY, 'inventory');
  if (inventory) config.inventories = inventory.value as string[];
  const vault = lookup(VAULT_PASSWORD_FILE, 'inventory');
  if (vault) {
    config.vaultPasswordFile = { file: vault.value as string, source: describe(vault) };
    // An executable one is run.
    fromFile(vault);
  }
  const ignoreExtensions = lookup(IGNORE_EXTENSIONS, 'inventory');
  const ignorePatterns = lookup(IGNORE_PATTERNS, 'inventory');
  if (ignoreExtensions || ignorePatterns) {
    config.inventoryIgnore = {
      ...(ignoreExtensions ? { extensions: listOf(ignoreExtensions) } : {}),
      ...(ignorePatterns ? { patterns: listOf(ignorePatterns).map((pattern) => regexOf(pattern, ignorePatterns)) } : {}),
    };
  }
  for (const refusal of REFUSALS) {
    const value = lookup(refusal.setting, refusal.when);
    if (value === undefined || !refusal.applies(value.value)) continue;
    const shown = refusal.secret ? `${value.name} (${refusal.secret})` : `${value.name} = ${String(value.value)}`;
    config.refused.push({ when: refusal.when, error: new UserError(`${shown}: not followed by provision: ${refusal.instead}`, value.position) });
  }
  return config;
}

const REPLACEMENT = '\uFFFD';

/** Where a setting is written, if anywhere: the environment (the last of its variables set wins), else the file (the last of its entries found). */
function writtenFor(s: Setting, ini: IniFile | undefined, file: string | undefined, place: ConfigPlace): Written | undefined {
  const envName = [...s.env].reverse().find((name) => place.env[name] !== undefined);
  if (envName !== undefined) return { raw: place.env[envName]!, name: envName, baseDir: place.cwd };
  if (ini === undefined || file === undefined) return undefined;
  for (const [section, key] of [...s.ini].reverse()) {
    const entry = iniValue(ini, section, key);
    if (entry !== undefined) return { raw: entry.value, name: `[${section}] ${key}`, position: entry.position, baseDir: path.dirname(file) };
  }
  return undefined;
}

/**
 * A written setting's value. A variable set to nothing shadows the file: a boolean is false, as in
 * Ansible, but host_key_checking stays on (never weakened by an empty variable); a text, number or
 * path has its default (Ansible too, but for a path, which it reads as the current directory: no
 * key file). An empty text in the file is the default too. An empty number, boolean or path in the
 * file is refused (Ansible refuses the number, and reads the others as false or the file's directory).
 */
function valueOf(s: Setting, entry: Written, place: ConfigPlace): Found | undefined {
  const { raw, ...where } = entry;
  if (raw === '' && where.position === undefined) return s.kind === 'bool' && !s.emptyIsDefault ? { ...where, value: false } : undefined;
  if (raw === '' && s.kind === 'string') return undefined;
  return typed(s.kind, raw, where, place);
}

// Ansible's boolean(): these words, any case; anything else Ansible reads as false, which provision refuses (a typo would turn a setting off).
const TRUE_WORDS = ['y', 'yes', 'on', '1', 'true', 't'];
const FALSE_WORDS = ['n', 'no', 'off', '0', 'false', 'f'];

/** A raw value typed as Ansible types it; a value of the wrong type is refused where it is set. */
function typed(kind: Kind, raw: string, where: Omit<Found, 'value'>, place: ConfigPlace): Found {
  const wrong = (expected: string): UserError => new UserError(`${where.name}: expected ${expected}, got ${JSON.stringify(raw)}`, where.position);
  // Quotes around a text are removed in the file only (ansible-core since 2.16.x: ansible/ansible#82387; 2.14 removed them from the environment too).
  const text = where.position !== undefined ? unquote(raw) : raw;
  // Ansible expands ~USER to that user's home; provision does not look up other users: refused rather than read as a relative path.
  if ((kind === 'path' || kind === 'pathlist') && raw.split(',').some((p) => /^~[^/]/.test(p.trim()))) throw wrong('a path without ~USER (write the full path)');
  switch (kind) {
    case 'string':
      return { ...where, value: text };
    case 'bool': {
      const word = raw.trim().toLowerCase();
      if (TRUE_WORDS.includes(word)) return { ...where, value: true };
      if (FALSE_WORDS.includes(word)) return { ...where, value: false };
      throw wrong('a boolean (True or False; yes/no and on/off are read as Ansible does)');
    }
    case 'int':
      // Python's int(): spaces around, a sign, and _ between digits.
      if (!/^\s*[+-]?\d+(?:_\d+)*\s*$/.test(raw)) throw wrong('a whole number');
      return { ...where, value: Number(raw.trim().replaceAll('_', '')) };
    case 'path':
      if (raw.trim() === '') throw wrong('a path');
      return { ...where, value: expandPath(raw, where.baseDir, place) };
    case 'pathlist':
      if (raw.trim() === '') throw wrong('a path, or several separated by commas');
      return { ...where, value: raw.split(',').map((p) => expandPath(p.trim(), where.baseDir, place)) };
  }
}

/** A setting of Ansible's type list: comma-separated items, each stripped and unquoted. */
function listOf(found: Found): string[] {
  return String(found.value).split(',').map((item) => unquote(item.trim()));
}

/** A pattern of ignore_patterns (a Python regular expression, searched for anywhere in a name); one JavaScript cannot read as Python does is refused at its line. */
function regexOf(pattern: string, found: Found): RegExp {
  try {
    return pythonRegex(pattern);
  } catch {
    throw new UserError(`${found.name}: ${JSON.stringify(pattern)} is not a regular expression provision can read: expected a simpler pattern (such as ^old_ or \\.disabled$)`, found.position);
  }
}

/** Ansible's unquote(): matching quotes around the whole value are removed. */
function unquote(text: string): string {
  return text.length > 1 && text[0] === text.at(-1) && (text[0] === '"' || text[0] === "'") && text.at(-2) !== '\\' ? text.slice(1, -1) : text;
}

function positive(found: Found): number {
  const value = found.value as number;
  if (value >= 1) return value;
  throw new UserError(`${found.name}: expected a positive whole number, got ${value}`, found.position);
}

/** `[defaults] forks in /etc/ansible/ansible.cfg`-style names for messages: the position carries the file. */
function describe(where: Pick<Written, 'name' | 'position'>): string {
  return where.position ? `${where.position.file}:${where.position.line}: ${where.name}` : where.name;
}
