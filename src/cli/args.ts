import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { UserError } from '../errors.js';
import type { AnsibleConfig } from '../inventory/ansible-config.js';
import { parseSerial, type SerialSpec } from '../roles/rolling.js';
import { sh } from '../shell/quote.js';
import { closest } from '../suggest.js';

/** A parsed command line. */
export type Command =
  | { kind: 'help'; topic?: string }
  | { kind: 'version' }
  | { kind: 'apply'; options: ApplyOptions }
  | { kind: 'exec'; options: ExecOptions }
  | { kind: 'action'; name: string; options: ActionCliOptions }
  | { kind: 'renew'; options: RenewOptions }
  | { kind: 'status'; options: StatusCliOptions }
  | { kind: 'secrets'; options: SecretsOptions }
  | { kind: 'inventory'; options: InventoryCliOptions }
  | { kind: 'vault-encrypt-string'; options: EncryptStringOptions };

/** Where vault passwords come from (Ansible's options). */
export interface VaultCliOptions {
  /** --vault-password-file FILE (repeatable). */
  passwordFiles: string[];
  /** --vault-id [LABEL@]FILE (repeatable). */
  vaultIds: string[];
}

/** Options of `provision inventory`. */
export interface InventoryCliOptions extends ConfiguredOptions {
  /** Inventory sources, in order. */
  inventories: string[];
  /** What to print. */
  show: { kind: 'list' } | { kind: 'graph'; group?: string } | { kind: 'host'; host: string };
  /** -e values. */
  extraVars: string[];
  /** Vault passwords. */
  vault: VaultCliOptions;
  /** --roles-path directories: where the roles that declare secret variables are looked for first, as for apply. */
  rolesPaths: string[];
}

/** Options of `provision vault encrypt-string`. */
export interface EncryptStringOptions extends ConfiguredOptions {
  /** --name: the variable name to print before the value. */
  name?: string;
  /** The vault id to encrypt for, and its password (the first given). */
  vault: VaultCliOptions;
}

/** What ansible.cfg and the ANSIBLE_* environment say (read before the command line, which beats them). */
export interface ConfiguredOptions {
  /** Absent for a command that does not read it. */
  ansibleConfig?: AnsibleConfig;
}

/** Options shared by commands that talk to hosts. */
export interface HostOptions extends ConfiguredOptions {
  /** Inventory source (the first, when several are given). */
  inventory: string;
  /** Every inventory source (-i, repeatable, or the positional one), in order. */
  inventories: string[];
  /** Vault passwords. */
  vault: VaultCliOptions;
  /** --limit pattern. */
  limit?: string;
  /** --forks: hosts at once. */
  forks: number;
  /** -e/--extra-vars values. */
  extraVars: string[];
  /** --accept-new-host-keys. */
  acceptNewHostKeys: boolean;
  /** --timeout in seconds for connecting. */
  timeoutSeconds: number;
}

/** Where roles and control-node files are looked for (apply, plan, renew). */
export interface SearchOptions {
  /** --roles-path directories (before the defaults). */
  rolesPaths: string[];
  /** --files-path directories: archive sources may be there too (besides the inventory's directory). */
  filesPaths: string[];
}

/** Options of apply and plan. */
export interface ApplyOptions extends HostOptions, SearchOptions {
  /** --check: change nothing. */
  check: boolean;
  /** --diff: show what changes. */
  diff: boolean;
  /** --full-diff: new files in full, not only their first lines. */
  fullDiff: boolean;
  /** --tags. */
  tags: string[];
  /** --json output. */
  json: boolean;
  /** --detailed-exitcode: with --check, exit 3 when changes are pending. */
  detailedExitcode: boolean;
  /** --out FILE (check mode): save the plan, for `apply --plan FILE`. */
  out?: string;
  /** --plan FILE: apply exactly that saved plan, refusing if the hosts changed since. */
  plan?: string;
  /** --serial: every selected host rolls in one set with these batch sizes. */
  serial?: SerialSpec;
}

/** Options of exec. */
export interface ExecOptions extends HostOptions {
  /** The shell command to run. */
  command: string;
  /** --roles-path directories: where the roles that declare secret variables are looked for first, as for apply. */
  rolesPaths: string[];
}

/** Options of a resource type's named action (`provision NAME INVENTORY HOST`). */
export interface ActionCliOptions extends HostOptions {
  /** The host the action starts from. */
  host: string;
  /** --force: what it means is the action's (its forceHelp). */
  force: boolean;
  /** Leave the inventory file as it is (print the change instead). */
  edit: boolean;
}

/** Options of renew. */
export interface RenewOptions extends HostOptions, SearchOptions {
  /** Renew everything renew runs, due or not. */
  force: boolean;
  /** Say what would be renewed; order nothing. */
  dryRun: boolean;
  /** Print a crontab line instead of renewing. */
  printCron: boolean;
  /** Print errors only. */
  quiet: boolean;
}

/** Options of status. */
export interface StatusCliOptions extends HostOptions, SearchOptions {
  /** One JSON document (with --watch: one line a round). */
  json: boolean;
  /** Check again and again. */
  watch: boolean;
  /** Seconds between rounds. */
  intervalSeconds: number;
}

/** Options of `secrets encrypt | edit | rotate`. */
export interface SecretsOptions {
  action: 'encrypt' | 'edit' | 'rotate';
  /** The SOPS file (encrypt: the plain file). */
  file: string;
  /** --age recipients (encrypt; rotate: the new ones, else the file's own). */
  recipients: string[];
  /** encrypt: which values stay plain (--unencrypted-suffix, ...); default sops' `_unencrypted` suffix. */
  rule?: { kind: SecretsRuleKind; value: string };
  /** encrypt: --mac-only-encrypted. */
  macOnlyEncrypted: boolean;
}

const RULE_FLAGS = ['unencrypted-suffix', 'encrypted-suffix', 'unencrypted-regex', 'encrypted-regex'] as const;
type SecretsRuleKind = 'unencrypted_suffix' | 'encrypted_suffix' | 'unencrypted_regex' | 'encrypted_regex';
const SECRETS_ACTIONS = ['encrypt', 'edit', 'rotate'] as const;

const COMMANDS = ['apply', 'plan', 'exec', 'renew', 'secrets', 'status', 'inventory', 'vault', 'help'];
const DEFAULT_FORKS = 50;

/** Whether `name` is one of provision's own commands (else it may be a resource type's named action). */
export function isBuiltInCommand(name: string | undefined): boolean {
  return name === undefined || name.startsWith('-') || COMMANDS.includes(name);
}

/** Whether a command line reads ansible.cfg: those that read an inventory or vault passwords (not help, --version or secrets). */
export function readsAnsibleConfig(argv: readonly string[]): boolean {
  const [name] = argv;
  if (argv.includes('--help') || argv.includes('-h') || name === undefined) return false;
  return !isBuiltInCommand(name) || ['apply', 'plan', 'exec', 'renew', 'status', 'inventory', 'vault'].includes(name);
}

/** Whether a command reaches hosts, now or from the cron job it prints (its ansible.cfg connection settings apply). */
export function reachesHosts(command: Command): boolean {
  return ['apply', 'exec', 'action', 'renew', 'status'].includes(command.kind);
}

/** Whether a command contacts hosts itself: one that reaches them, but renew --print-cron, which only prints the job that will. */
export function contactsHosts(command: Command): boolean {
  return reachesHosts(command) && !(command.kind === 'renew' && command.options.printCron);
}

/**
 * Parses argv (without node and script); `actions` are the names of the resource types' named
 * actions, commands too; `config` gives the defaults of ansible.cfg. Bad arguments are UserErrors (exit 2).
 */
export function parseCommandLine(argv: string[], actions: readonly string[] = [], config?: AnsibleConfig): Command {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') return { kind: 'help' };
  if (name === '--version' || name === '-V') return { kind: 'version' };
  if (name === 'help') return { kind: 'help', topic: rest[0] };
  const commands = [...COMMANDS, ...actions];
  if (!commands.includes(name)) {
    const hint = closest(name, commands);
    throw new UserError(`unknown command '${name}'${hint ? `; did you mean '${hint}'?` : ''} (see provision --help)`);
  }
  if (rest.includes('--help') || rest.includes('-h')) return { kind: 'help', topic: name };
  if (actions.includes(name)) return parseAction(name, rest, config);
  if (name === 'exec') return parseExec(rest, config);
  if (name === 'renew') return parseRenew(rest, config);
  if (name === 'status') return parseStatus(rest, config);
  if (name === 'secrets') return parseSecrets(rest);
  if (name === 'inventory') return parseInventory(rest, config);
  if (name === 'vault') return parseVault(rest, config);
  return { kind: 'apply', options: parseApply(rest, name === 'plan', config) };
}

const VAULT_OPTIONS = {
  'vault-password-file': { type: 'string', multiple: true },
  'vault-id': { type: 'string', multiple: true },
} as const;

const HOST_OPTIONS = {
  ...VAULT_OPTIONS,
  inventory: { type: 'string', short: 'i', multiple: true },
  limit: { type: 'string', short: 'l' },
  forks: { type: 'string', short: 'f' },
  'extra-vars': { type: 'string', short: 'e', multiple: true },
  'accept-new-host-keys': { type: 'boolean' },
  timeout: { type: 'string' },
} as const;

const SEARCH_OPTIONS = {
  'roles-path': { type: 'string', multiple: true },
  'files-path': { type: 'string', multiple: true },
} as const;

function searchOptions(values: { 'roles-path'?: string[]; 'files-path'?: string[] }): SearchOptions {
  return { rolesPaths: values['roles-path'] ?? [], filesPaths: values['files-path'] ?? [] };
}

function parseApply(args: string[], plan: boolean, config: AnsibleConfig | undefined): ApplyOptions {
  const { values, positionals } = parse(args, {
    ...HOST_OPTIONS,
    check: { type: 'boolean', short: 'C' },
    diff: { type: 'boolean', short: 'D' },
    'full-diff': { type: 'boolean' },
    tags: { type: 'string', short: 't', multiple: true },
    json: { type: 'boolean' },
    'detailed-exitcode': { type: 'boolean' },
    ...SEARCH_OPTIONS,
    out: { type: 'string' },
    plan: { type: 'string' },
    serial: { type: 'string' },
  });
  const serial = values.serial === undefined ? undefined : parseSerial(values.serial);
  if (typeof serial === 'string') throw new UserError(`--serial: ${serial}`);
  const check = plan || values.check === true;
  if (values['detailed-exitcode'] && !check) throw new UserError('--detailed-exitcode goes with --check (or plan)');
  if (values.out !== undefined && !check) throw new UserError('--out saves a plan: use it with plan (or apply --check)');
  if (values.plan !== undefined && check) throw new UserError('--plan applies a saved plan: use it with apply, without --check');
  if (values.out !== undefined) checkOutputFile(values.out, '--out');
  return {
    ...hostOptions(values, positionals, plan ? 'plan' : 'apply', config),
    check,
    diff: plan || values.diff === true || values['full-diff'] === true,
    fullDiff: values['full-diff'] === true,
    tags: (values.tags ?? []).flatMap((t) => t.split(',')).filter(Boolean),
    json: values.json === true,
    detailedExitcode: values['detailed-exitcode'] === true,
    ...searchOptions(values),
    ...(values.out !== undefined ? { out: values.out } : {}),
    ...(values.plan !== undefined ? { plan: values.plan } : {}),
    ...(serial !== undefined ? { serial } : {}),
  };
}

function parseExec(args: string[], config: AnsibleConfig | undefined): Command {
  const separator = args.indexOf('--');
  if (separator < 0 || separator === args.length - 1) throw new UserError('exec needs a command after --, e.g. provision exec inventory.yaml -- uptime');
  const { values, positionals } = parse(args.slice(0, separator), { ...HOST_OPTIONS, 'roles-path': SEARCH_OPTIONS['roles-path'] });
  return { kind: 'exec', options: { ...hostOptions(values, positionals, 'exec', config), command: args.slice(separator + 1).join(' '), rolesPaths: values['roles-path'] ?? [] } };
}

/** A named action's arguments: INVENTORY HOST, --force (the action says what it means) and --no-edit. */
function parseAction(name: string, args: string[], config: AnsibleConfig | undefined): Command {
  const { values, positionals } = parse(args, { ...HOST_OPTIONS, force: { type: 'boolean' }, 'no-edit': { type: 'boolean' } });
  const expected = values.inventory || (config?.inventories && positionals.length === 1) ? 1 : 2;
  if (positionals.length !== expected) throw new UserError(`${name} takes an inventory file and a host, got ${positionals.length ? positionals.join(' ') : 'none'} (see provision ${name} --help)`);
  const host = positionals.at(-1)!;
  return { kind: 'action', name, options: { ...hostOptions(values, positionals.slice(0, -1), name, config), host, force: values.force === true, edit: values['no-edit'] !== true } };
}

/**
 * Refuses, when the command line is read (before any host is contacted), an output file that could not be written
 * where it is named: a directory, or a file in a directory that does not exist or cannot be written in.
 */
function checkOutputFile(file: string, option: string): void {
  if (file === '') throw new UserError(`${option} needs the name of the file to write, such as plan.json`);
  // `newdir/` names a directory, existing or not: dirname() would take it for a file in the directory above.
  if (file.endsWith('/') && !isDirectory(file)) throw new UserError(`${option} '${file}' names a directory: expected the name of the file to write, such as ${join(file, 'plan.json')}`);
  if (isDirectory(file)) throw new UserError(`${option} '${file}' is a directory: expected the name of the file to write, such as ${join(file, 'plan.json')}`);
  const dir = dirname(file);
  if (!isDirectory(dir)) throw new UserError(`${option} '${file}': there is no directory '${dir}' to write it in`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new UserError(`${option} '${file}': directory '${dir}' cannot be written in`);
  }
}

/** Whether `path` names a directory (not when it cannot be looked at: missing, or under a file). */
function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function parseRenew(args: string[], config: AnsibleConfig | undefined): Command {
  const { values, positionals } = parse(args, {
    ...HOST_OPTIONS,
    ...SEARCH_OPTIONS,
    force: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    'print-cron': { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
  });
  return {
    kind: 'renew',
    options: { ...hostOptions(values, positionals, 'renew', config), ...searchOptions(values), force: values.force === true, dryRun: values['dry-run'] === true, printCron: values['print-cron'] === true, quiet: values.quiet === true },
  };
}

function parseStatus(args: string[], config: AnsibleConfig | undefined): Command {
  const { values, positionals } = parse(args, { ...HOST_OPTIONS, ...SEARCH_OPTIONS, json: { type: 'boolean' }, watch: { type: 'boolean', short: 'w' }, interval: { type: 'string' } });
  if (values.interval !== undefined && values.watch !== true) throw new UserError('--interval goes with --watch');
  return {
    kind: 'status',
    options: {
      ...hostOptions(values, positionals, 'status', config),
      // The roles say what is checked: found as apply finds them.
      ...searchOptions(values),
      json: values.json === true,
      watch: values.watch === true,
      intervalSeconds: positiveInteger(values.interval, '--interval', 5),
    },
  };
}

function parseSecrets(args: string[]): Command {
  const [action, ...rest] = args;
  if (!SECRETS_ACTIONS.includes(action as (typeof SECRETS_ACTIONS)[number])) {
    const hint = action === undefined ? undefined : closest(action, SECRETS_ACTIONS);
    throw new UserError(`secrets expects ${SECRETS_ACTIONS.join(', ')}${action === undefined ? '' : `, got '${action}'`}${hint ? `; did you mean '${hint}'?` : ''} (see provision secrets --help)`);
  }
  const { values, positionals } = parse(rest, {
    age: { type: 'string', multiple: true },
    'mac-only-encrypted': { type: 'boolean' },
    ...Object.fromEntries(RULE_FLAGS.map((flag) => [flag, { type: 'string' }])),
  } as Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>);
  if (positionals.length !== 1) throw new UserError(`secrets ${action} takes one file, got ${positionals.length ? positionals.join(' ') : 'none'} (see provision secrets --help)`);
  const rules = RULE_FLAGS.filter((flag) => values[flag] !== undefined);
  if (rules.length > 1) throw new UserError(`--${rules.join(' and --')}: give at most one (sops allows one rule per file)`);
  if (action !== 'encrypt' && (rules.length > 0 || values['mac-only-encrypted'])) throw new UserError(`--${rules[0] ?? 'mac-only-encrypted'} goes with secrets encrypt (edit and rotate keep the file's rule)`);
  if (action === 'edit' && values['age'] !== undefined) throw new UserError('--age goes with secrets encrypt or rotate (edit keeps the recipients)');
  const ages = (values['age'] ?? []) as string[];
  const rule = rules[0];
  return {
    kind: 'secrets',
    options: {
      action: action as SecretsOptions['action'],
      file: positionals[0]!,
      // Recipients are separated by commas, as in sops (an SSH public key holds no comma).
      recipients: ages.flatMap((a) => a.split(',')).map((r) => r.trim()).filter(Boolean),
      ...(rule ? { rule: { kind: rule.replace('-', '_') as SecretsRuleKind, value: values[rule] as string } } : {}),
      macOnlyEncrypted: values['mac-only-encrypted'] === true,
    },
  };
}

function parseInventory(args: string[], config: AnsibleConfig | undefined): Command {
  const { values, positionals } = parse(args, {
    ...VAULT_OPTIONS,
    inventory: { type: 'string', short: 'i', multiple: true },
    'extra-vars': { type: 'string', short: 'e', multiple: true },
    list: { type: 'boolean' },
    graph: { type: 'boolean' },
    host: { type: 'string' },
    'roles-path': { type: 'string', multiple: true },
  });
  const given = values.inventory ?? [];
  // Without -i, the first word is the inventory, unless ansible.cfg names it and the word is --graph's group.
  const fromConfig = given.length === 0 && config?.inventories !== undefined && (positionals.length === 0 || (values.graph === true && positionals.length === 1));
  // A word that is also a file or directory could be meant as the inventory (provision's own syntax): said rather than guessed.
  if (fromConfig && positionals.length === 1 && existsSync(positionals[0]!)) {
    throw new UserError(`inventory: '${positionals[0]}' is a file or directory, but ansible.cfg names the inventory, so --graph would read it as a group: write ${sh`-i ${positionals[0]!}`} to show it as the inventory, or --graph GROUP -i SOURCE for a group`);
  }
  const rest = given.length > 0 || fromConfig ? positionals : positionals.slice(1);
  const inventories = given.length > 0 ? given : fromConfig ? config.inventories! : positionals.slice(0, 1);
  if (inventories.length === 0) throw new UserError(`inventory takes an inventory (a file or directory, or -i SOURCE, repeatable${NO_CONFIGURED_INVENTORY}) (see provision inventory --help)`);
  const modes = [values.list, values.graph, values.host !== undefined].filter(Boolean).length;
  if (modes !== 1) throw new UserError('inventory needs one of --list, --graph [GROUP] or --host NAME');
  const group = rest[0];
  if (rest.length > (values.graph ? 1 : 0)) throw new UserError(`inventory: unexpected argument '${rest.at(-1)}' (see provision inventory --help)`);
  const show: InventoryCliOptions['show'] = values.list ? { kind: 'list' } : values.graph ? (group === undefined ? { kind: 'graph' } : { kind: 'graph', group }) : { kind: 'host', host: values.host! };
  return { kind: 'inventory', options: { inventories, show, extraVars: values['extra-vars'] ?? [], vault: vaultOptions(values), rolesPaths: values['roles-path'] ?? [], ...configured(config) } };
}

function parseVault(args: string[], config: AnsibleConfig | undefined): Command {
  const [sub, ...rest] = args;
  if (sub !== 'encrypt-string') throw new UserError(`vault: expected the subcommand encrypt-string, got ${sub === undefined ? 'none' : `'${sub}'`} (see provision vault --help)`);
  const { values, positionals } = parse(rest, { ...VAULT_OPTIONS, name: { type: 'string', short: 'n' } });
  if (positionals.length > 0) throw new UserError('vault encrypt-string reads the value from standard input (never from the command line, where a process list would show it)');
  const vault = vaultOptions(values);
  return { kind: 'vault-encrypt-string', options: { ...(values.name !== undefined ? { name: values.name } : {}), vault, ...configured(config) } };
}

function vaultOptions(values: { 'vault-password-file'?: string[]; 'vault-id'?: string[] }): VaultCliOptions {
  return { passwordFiles: values['vault-password-file'] ?? [], vaultIds: values['vault-id'] ?? [] };
}

type Values = { inventory?: string[]; 'vault-password-file'?: string[]; 'vault-id'?: string[]; limit?: string; forks?: string; 'extra-vars'?: string[]; 'accept-new-host-keys'?: boolean; timeout?: string };

/** Said when no inventory is given and ansible.cfg names none. */
const NO_CONFIGURED_INVENTORY = '; or inventory = in ansible.cfg or ANSIBLE_INVENTORY';

function configured(config: AnsibleConfig | undefined): ConfiguredOptions {
  return config ? { ansibleConfig: config } : {};
}

/** The options of a command that reaches hosts: the command line's, else ansible.cfg's, else provision's defaults. */
function hostOptions(values: Values, positionals: string[], command: string, config: AnsibleConfig | undefined): HostOptions {
  const given = [...positionals, ...(values.inventory ?? [])];
  const inventories = given.length > 0 ? given : (config?.inventories ?? []);
  if (inventories.length === 0 || positionals.length > 1) throw new UserError(`${command} takes one inventory (a file or directory; more with -i SOURCE${positionals.length === 0 ? NO_CONFIGURED_INVENTORY : ''}), got ${positionals.length ? positionals.join(' ') : 'none'} (see provision ${command} --help)`);
  return {
    inventory: inventories[0]!,
    inventories,
    vault: vaultOptions(values),
    limit: values.limit,
    forks: positiveInteger(values.forks, '--forks', config?.forks ?? DEFAULT_FORKS),
    extraVars: values['extra-vars'] ?? [],
    acceptNewHostKeys: values['accept-new-host-keys'] === true || config?.acceptNewHostKeys === true,
    timeoutSeconds: positiveInteger(values.timeout, '--timeout', config?.timeoutSeconds ?? 10),
    ...configured(config),
  };
}

function positiveInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^[1-9]\d*$/.test(value)) throw new UserError(`${name} expects a positive whole number, got '${value}'`);
  return Number(value);
}

type ParseConfig = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

function parse<T extends ParseConfig>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UserError(`${(err as Error).message.replace(/\. To specify a positional.*$/s, '')} (see provision --help)`);
  }
}
