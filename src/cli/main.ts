#!/usr/bin/env node
// First: the heap's settings apply from the first allocation on.
import './memory.js';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError, UserErrors, messageOf } from '../errors.js';
import { userText } from '../shell/quote.js';
import type { Decided } from '../engine/host-run.js';
import type { HostResult } from '../engine/results.js';
import type { SerialSpec } from '../roles/rolling.js';
import { display } from './display.js';
import { maskedJson } from '../secrets.js';
import { contactsHosts, isBuiltInCommand, parseCommandLine, reachesHosts, readsAnsibleConfig, type ApplyOptions, type EncryptStringOptions, type ExecOptions, type HostOptions, type InventoryCliOptions, type ActionCliOptions, type ConfiguredOptions, type RenewOptions, type SearchOptions, type StatusCliOptions, type VaultCliOptions } from './args.js';
import { HELP, actionHelp, mainHelp } from './help.js';
import { PACKAGE_ROOT, searchPath } from './search-path.js';
import { timingsFromEnv } from './timings.js';

/** Exit codes, as documented in --help. */
export const EXIT = { ok: 0, hostFailed: 1, badInput: 2, changesPending: 3, interrupted: 130 } as const;


const write = (text: string): void => {
  process.stdout.write(text);
};

/** Runs the CLI; returns the exit code. Heavy modules are imported only by the commands that need them. */
export async function main(argv: string[]): Promise<number> {
  try {
    // The resource types (and their actions) are loaded only when the command is not a built-in one.
    const config = readsAnsibleConfig(argv) ? await ansibleConfig() : undefined;
    const command = parseCommandLine(argv, isBuiltInCommand(argv[0]) ? [] : (await namedActions()).map((a) => a.name), config);
    if (config) refuseUnfollowed(config, reachesHosts(command) ? ['connect', 'inventory'] : command.kind === 'inventory' ? ['inventory'] : []);
    if (config && contactsHosts(command) && !isQuiet(command)) noteConnectionSettings(config);
    switch (command.kind) {
      case 'help':
        write(`${(command.topic !== undefined ? (HELP[command.topic] ?? (await namedActionHelp(command.topic))) : undefined) ?? mainHelp(await namedActions())}\n`);
        return EXIT.ok;
      case 'version':
        write(`${(JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version}\n`);
        return EXIT.ok;
      case 'apply':
        return await apply(command.options);
      case 'exec':
        return await exec(command.options);
      case 'action':
        return await runNamedAction(command.name, command.options);
      case 'renew':
        return await renew(command.options);
      case 'status':
        return await status(command.options);
      case 'secrets': {
        const { secretsCommand } = await import('./secrets.js');
        return await secretsCommand(command.options, { out: write, err: (text) => process.stderr.write(text), env: process.env });
      }
      case 'inventory':
        return await showInventory(command.options);
      case 'vault-encrypt-string':
        return await encryptString(command.options);
    }
  } catch (err) {
    if (err instanceof UserError) {
      process.stderr.write(`${display(err.format().split('\n').map((l) => `error: ${l}`).join('\n'))}\n`);
      return EXIT.badInput;
    }
    process.stderr.write(`error: ${display(messageOf(err))}\n`);
    if (process.env.PROVISION_DEBUG) process.stderr.write(`${display(String((err as Error).stack))}\n`);
    return EXIT.hostFailed;
  }
}

/** ansible.cfg (the one Ansible would read) and the ANSIBLE_* environment; what Ansible would warn about is said. */
async function ansibleConfig() {
  const [{ readAnsibleConfig }, { homedir }] = await Promise.all([import('../inventory/ansible-config.js'), import('node:os')]);
  const config = readAnsibleConfig({ env: process.env, cwd: process.cwd(), home: process.env.HOME ?? homedir() });
  for (const warning of config.warnings) process.stderr.write(`warning: ${display(warning)}\n`);
  return config;
}

/** Refuses the settings of ansible.cfg provision cannot follow, when they apply to the command. */
function refuseUnfollowed(config: NonNullable<ConfiguredOptions['ansibleConfig']>, when: ReadonlyArray<'connect' | 'inventory'>): void {
  const refused = config.refused.filter((r) => when.includes(r.when)).map((r) => r.error);
  if (refused.length === 1) throw refused[0]!;
  if (refused.length > 1) throw new UserErrors(refused);
}

/** A command that says nothing but news and failures (renew --quiet, from cron). */
function isQuiet(command: ReturnType<typeof parseCommandLine>): boolean {
  return command.kind === 'renew' && command.options.quiet;
}

/**
 * Says which file changed how or as whom hosts are reached, and with which settings (never their values): a stray
 * ./ansible.cfg is seen; and which timeout settings Ansible (so provision) leaves unused.
 */
function noteConnectionSettings(config: NonNullable<ConfiguredOptions['ansibleConfig']>): void {
  const applied = config.file !== undefined && config.connectionFromFile.length > 0 ? [`${config.file} sets how hosts are reached: ${config.connectionFromFile.join(', ')} (read as Ansible reads it)`] : [];
  for (const note of [...applied, ...config.unused]) process.stderr.write(`${display(`note: ${note}`)}\n`);
}

/** What the first Ctrl-C does to a run of the engine (apply, plan, renew). */
const STEP_FINISHES = 'each host finishes the step it is running, then stops; nothing new starts';

/**
 * Ctrl-C (or SIGTERM, as a service manager or CI stops a job), for every command that contacts hosts:
 * the first stops the command from starting anything new (what runs on a host finishes, connections
 * close, what was done is printed, exit 130); a second quits at once, also with 130. `what` tells the
 * operator, on stderr, what the first one does.
 */
function interruptible(what: string): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    controller.abort();
    process.stderr.write(`interrupted: ${what} (Ctrl-C again to quit at once)\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    done: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/**
 * Loads the inventory sources with the run's vault passwords, -e values and ansible.cfg; `quiet` (renew from cron) keeps
 * its notes unsaid. `rolesPaths` (--roles-path): where the roles are looked for whose declared secrets a problem of the
 * sources must not show.
 */
async function loadSources(inventories: string[], extraVars: string[], vault: VaultCliOptions, configured: ConfiguredOptions & { rolesPaths?: string[] }, { quiet = false, deferUnreadableSops = false } = {}) {
  const [{ loadInventoryWithSecrets, parseExtraVars }, { sshConfigPort, userSshConfigText }, { readVaultPasswords }, { registerHostSecrets }] = await Promise.all([
    import('../inventory/index.js'),
    import('../transport/ssh-config.js'),
    import('../vault/passwords.js'),
    import('../roles/plan.js'),
  ]);
  const rolesDirs = searchPath(inventories[0]!, { rolesPaths: configured.rolesPaths ?? [], filesPaths: [] }).rolesDirs;
  // One read of ~/.ssh/config for every host's port, rather than one per host.
  const sshConfig = userSshConfigText();
  const config = configured.ansibleConfig;
  const keyring = readVaultPasswords(vault, config?.vaultPasswordFile);
  const inventory = await loadInventoryWithSecrets(inventories, {
    extraVars: parseExtraVars(extraVars, keyring),
    defaultPort: (address) => sshConfigPort(address, sshConfig),
    vault: keyring,
    deferUnreadableSops,
    ...(config ? { hostDefaults: config.hostDefaults } : {}),
    ...(config?.inventoryIgnore ? { inventoryIgnore: config.inventoryIgnore } : {}),
    knowSecrets: (resolved) => void registerHostSecrets(resolved, rolesDirs),
  });
  for (const warning of inventory.warnings ?? []) process.stderr.write(`warning: ${display(warning)}\n`);
  if (!quiet) for (const note of inventory.notes ?? []) process.stderr.write(`note: ${display(note)}\n`);
  return { inventory, rolesDirs, registerHostSecrets };
}

/**
 * Loads the inventory and selects hosts: every user error surfaces here, before any connection,
 * including those of the selected hosts' connection variables (a vaulted password without its
 * vault password, a template that does not render). Other hosts' values are never read.
 */
async function selectedHosts(options: HostOptions & { quiet?: boolean; rolesPaths?: string[] }) {
  const [{ inventory, rolesDirs, registerHostSecrets }, { selectHosts }, { expandLimit }, { UserErrors: Errors }] = await Promise.all([
    loadSources(options.inventories, options.extraVars, options.vault, options, { quiet: options.quiet }),
    import('../inventory/index.js'),
    import('./retry.js'),
    import('../errors.js'),
  ]);
  const hosts = selectHosts(inventory, expandLimit(options.limit));
  const connectionProblems = (): UserError[] =>
    hosts.flatMap((host) => {
      try {
        void host.connection;
        return [];
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        return [err];
      }
    });
  let problems = connectionProblems();
  if (problems.length > 0) {
    // Worded again once every secret is known (those the roles declare too), so that none is shown.
    registerHostSecrets(inventory, rolesDirs);
    problems = connectionProblems();
  }
  if (problems.length === 1) throw problems[0]!;
  if (problems.length > 1) throw new Errors(problems);
  return { inventory, hosts, rolesDirs };
}

/** `provision inventory`: what ansible-inventory prints for the same sources; contacts no host. */
async function showInventory(options: InventoryCliOptions): Promise<number> {
  // A SOPS file that cannot be decrypted leaves its values unread (and said so), as a vault value without its password.
  const [{ inventory, rolesDirs }, output, { hostSecrets }] = await Promise.all([
    loadSources(options.inventories, options.extraVars, options.vault, options, { deferUnreadableSops: true }),
    import('../inventory/ansible-output.js'),
    import('../roles/plan.js'),
  ]);
  const show = options.show;
  // ansible-inventory refuses to print without their password; the listing is printed, and says what it lacks.
  const locked = inventory.lockedVarsFiles ?? [];
  if (locked.length > 0) process.stderr.write(`${display(`warning: the variables of ${locked.length} vars file(s) are left out (${locked.map((l) => l.file).join(', ')}): ${locked[0]!.problem}`)}\n`);
  if (show.kind === 'graph') {
    // Host and group names are the inventory's: --graph prints them bare, so they go through display() too.
    write(`${display(output.inventoryGraph(inventory, show.group))}\n`);
    return EXIT.ok;
  }
  // A value the inventory writes in plain text for a variable its roles declare secret is masked, as in every other
  // output, and so is a plain copy of a secret it reads from a secret source: the roles are looked for where apply looks
  // for them (--roles-path first).
  const secrets = hostSecrets(inventory, rolesDirs);
  warnSecretsUnknown(secrets, 'print as written');
  const text = show.kind === 'list' ? output.inventoryList(inventory, secrets) : output.inventoryHost(inventory, show.host, secrets);
  write(`${display(text)}\n`);
  return EXIT.ok;
}

/**
 * Says, for each role that could not be loaded (`unread`: why), that the variables it would declare secret are unknown,
 * and so `shown`, and for the secret values that could not be read (`unreadable`: why), that a plain copy of them is
 * not known as a secret.
 */
function warnSecretsUnknown(secrets: { unread: readonly string[]; unreadable: readonly string[] }, shown: string): void {
  for (const why of secrets.unread) process.stderr.write(`${display(`warning: the variables this role would declare secret are not known, and ${shown} (--roles-path DIR says where roles are): ${why}`)}\n`);
  const [first, ...more] = secrets.unreadable;
  if (first !== undefined) {
    const others = more.length > 0 ? ` (and ${more.length} more)` : '';
    process.stderr.write(`${display(`warning: a secret value could not be read, so a plain copy of it elsewhere is not known as a secret and not masked${others}: ${first}`)}\n`);
  }
}

/** `provision vault encrypt-string`: the value from stdin, encrypted as ansible-vault encrypt_string does. */
async function encryptString(options: EncryptStringOptions): Promise<number> {
  const [{ readVaultPasswords }, { encryptVault }] = await Promise.all([import('../vault/passwords.js'), import('../vault/vault.js')]);
  const keyring = readVaultPasswords(options.vault, options.ansibleConfig?.vaultPasswordFile);
  const key = keyring.passwords[0];
  if (!key) throw new UserError('vault encrypt-string needs a vault password: pass --vault-id LABEL@FILE or --vault-password-file FILE (or set ANSIBLE_VAULT_PASSWORD_FILE, or vault_password_file in ansible.cfg)');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // A value typed or piped with a final line break: the break is not part of it.
  const value = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (value === '') throw new UserError('vault encrypt-string: nothing on standard input: pipe the value to encrypt in');
  const text = encryptVault(Buffer.from(value, 'utf8'), key.password, key.id);
  const indented = text.trimEnd().split('\n').map((line) => `          ${line}`).join('\n');
  write(options.name === undefined ? `!vault |\n${indented}\n` : `${options.name}: !vault |\n${indented}\n`);
  return EXIT.ok;
}

function connectOptions(options: HostOptions) {
  return { acceptNewHostKeys: options.acceptNewHostKeys, timeoutMs: options.timeoutSeconds * 1000 };
}

/** Every selected host's plan, and what control-node steps need: all user errors surface before any connection. */
async function plansOf(options: HostOptions & SearchOptions & { tags: string[]; serial?: SerialSpec; quiet?: boolean }) {
  const { inventory, hosts } = await selectedHosts(options);
  const [{ buildPlans, buildBalancers }, { controlStateDir }] = await Promise.all([import('../roles/plan.js'), import('../control/state-dir.js')]);
  const inventoryDir = dirname(resolve(options.inventory));
  const planOptions = { ...searchPath(options.inventory, options), tags: options.tags, ...(options.serial ? { serial: options.serial } : {}) };
  const plans = buildPlans(inventory, hosts, planOptions);
  // Load balancers are needed even when not selected: a rolling deploy drains its hosts there.
  const balancers = plans.some((p) => p.rolling) ? buildBalancers(inventory, planOptions) : [];
  return { hosts, plans, balancers, control: { inventoryDir, controlStateDir: controlStateDir() } };
}

async function apply(options: ApplyOptions): Promise<number> {
  const { hosts, plans, balancers, control } = await plansOf(options);
  const [{ runPlans }, { openConnection: connect }, reporters] = await Promise.all([import('../engine/run.js'), import('../transport/connect.js'), import('./reporters.js')]);
  const reporterOptions = { check: options.check, diff: options.diff, fullDiff: options.fullDiff, hosts: hosts.map((h) => h.name), write };
  const reporter = options.json
    ? new reporters.JsonReporter(reporterOptions)
    : process.stdout.isTTY && (process.stdout.columns ?? 0) >= 40
      ? new reporters.TtyReporter(reporterOptions)
      : new reporters.PlainReporter(reporterOptions);
  const saved = await import('./saved-plan.js');
  const runOptions = { check: options.check, forks: options.forks, connect: connectOptions(options), openConnection: connect, control, balancers, recordApply: true, ...timingsFromEnv() };
  const plan = options.plan === undefined ? undefined : { file: options.plan, saved: saved.readSavedPlan(options.plan) };
  // From here on hosts are contacted (the re-check of a saved plan too): Ctrl-C ends with 130 and says so.
  const interrupt = interruptible(STEP_FINISHES);
  let results: HostResult[];
  try {
    let verify: ((host: string, round: number, decided: Decided[]) => string | undefined) | undefined;
    if (plan) {
      // Every host is planned again before any is changed: a stale plan changes nothing anywhere.
      const now = await runPlans(plans, { ...runOptions, check: true, onEvent: () => undefined, signal: interrupt.signal });
      if (interrupt.signal.aborted) {
        process.stderr.write(display(`interrupted while checking the hosts against ${plan.file}: nothing was changed\n`));
        return EXIT.interrupted;
      }
      const stale = now.map((h) => [h.name, h.unreachable || h.failed ? `cannot check it: ${h.error}` : saved.staleReason(plan.saved.hosts[h.name], saved.plannedEntries(h.results))] as const).filter(([, why]) => why);
      if (stale.length > 0) {
        process.stderr.write(display(`error: refusing to apply ${plan.file}, nothing was changed:\n${stale.map(([host, why]) => `  ${host}: ${why}`).join('\n')}\n`));
        return EXIT.hostFailed;
      }
      verify = (host, _round, decided) => saved.roundReason(plan.saved.hosts[host], decided);
    }
    results = await runPlans(plans, { ...runOptions, onEvent: (event) => reporter.onEvent(event), signal: interrupt.signal, verify });
  } finally {
    interrupt.done();
  }
  await reporter.done(results);
  if (options.out) {
    try {
      saved.writeSavedPlan(options.out, saved.savedPlanOf(options.inventory, results));
    } catch (err) {
      // Checked when the command line was read; what changed since (the directory removed, the disk full) is said plainly.
      throw new Error(`--out: the plan could not be saved to ${options.out}: ${(err as NodeJS.ErrnoException).code ?? messageOf(err)}`);
    }
    if (!options.json) write(`plan saved to ${options.out}; apply exactly it with: provision apply ${options.inventory} --plan ${options.out}\n`);
  }
  const { writeRetryFile } = await import('./retry.js');
  const retry = writeRetryFile(options.inventory, results);
  if (retry && !options.json) write(`to run again on the hosts that did not succeed: --limit @${retry}\n`);
  if (interrupt.signal.aborted) return EXIT.interrupted;
  if (results.some((r) => r.unreachable || r.failed > 0 || r.notAttempted)) return EXIT.hostFailed;
  if (options.detailedExitcode && results.some((r) => r.changed + r.unknown > 0)) return EXIT.changesPending;
  return EXIT.ok;
}

async function exec(options: ExecOptions): Promise<number> {
  const { inventory, hosts, rolesDirs } = await selectedHosts(options);
  const [{ execOnHosts }, { openConnection: connect }] = await Promise.all([import('../engine/exec.js'), import('../transport/connect.js')]);
  // The command prints what it likes: before the first output is shown, the secrets the hosts hold are made known, so
  // that display() masks them (once; a command that prints nothing, such as `true`, is not slowed by it).
  let secretsKnown: Promise<void> | undefined;
  const knowSecrets = (): Promise<void> =>
    (secretsKnown ??= import('../roles/plan.js').then(({ registerHostSecrets }) => {
      warnSecretsUnknown(registerHostSecrets(inventory, rolesDirs, hosts), 'are not masked');
    }));
  let printed = Promise.resolve();
  const interrupt = interruptible('the commands running finish; no other host is started');
  // The operator's own command, run as written (like `ansible -a`).
  const outcomes = await execOnHosts(hosts, userText(options.command), {
    forks: options.forks,
    connect: connectOptions(options),
    openConnection: connect,
    signal: interrupt.signal,
    onDone: (o) => {
      const status = o.notStarted ? 'NOT STARTED' : o.unreachable ? 'UNREACHABLE' : o.code === 0 ? 'ok' : `FAILED rc=${o.code}`;
      const body = [o.stdout, o.stderr].filter((s) => s.trim() !== '').map((s) => s.trimEnd()).join('\n');
      // Each host's output in the order the hosts finish.
      printed = printed.then(async () => {
        if (body !== '') await knowSecrets();
        write(display(`${o.host} | ${status}${body ? `\n${body}` : ''}\n`));
      });
    },
  }).finally(interrupt.done);
  await printed;
  if (interrupt.signal.aborted) return EXIT.interrupted;
  return outcomes.every((o) => o.code === 0) ? EXIT.ok : EXIT.hostFailed;
}

/** The named actions the resource types offer. */
async function namedActions() {
  const { listActions } = await import('../engine/action.js');
  return listActions();
}

/** The help of the resource types' action of that name, if one offers it. */
async function namedActionHelp(name: string): Promise<string | undefined> {
  const { findAction } = await import('../engine/action.js');
  const action = findAction(name);
  return action && actionHelp(name, action);
}

/** `provision NAME INVENTORY HOST`: a resource type's named action, then the inventory edits it returns. */
async function runNamedAction(name: string, options: ActionCliOptions): Promise<number> {
  const { inventory } = await selectedHosts(options);
  const [{ runAction, findAction }, { openConnection: connect }, { editHostVars }] = await Promise.all([import('../engine/action.js'), import('../transport/connect.js'), import('../inventory/edit.js')]);
  const secondInterrupt = findAction(name)?.secondInterrupt;
  const interrupt = interruptible(`${name} finishes (or undoes) what it started on a host; no other host is reached${secondInterrupt ? `; ${secondInterrupt}` : ''}`);
  let outcome: Awaited<ReturnType<typeof runAction>>;
  try {
    outcome = await runAction(name, inventory, options.host, { force: options.force, connect: connectOptions(options), openConnection: connect, say: (line) => write(`${display(line)}\n`), signal: interrupt.signal });
  } catch (err) {
    if (!interrupt.signal.aborted) throw err;
    process.stderr.write(`error: ${display(messageOf(err))}\n`);
    return EXIT.interrupted;
  } finally {
    interrupt.done();
  }
  const described = outcome.edits.map((e) => `${e.host}: ${Object.entries(e.vars).map(([k, v]) => (v === null ? `remove ${k}` : `${k}: ${v}`)).join(', ')}`);
  let text: string | undefined = readFileSync(options.inventory, 'utf8');
  for (const e of outcome.edits) text = text === undefined ? undefined : editHostVars(text, e.host, e.vars);
  if (options.edit && text !== undefined) {
    const [{ statSync }, { writeControlFile }] = await Promise.all([import('node:fs'), import('../control/write-file.js')]);
    writeControlFile(options.inventory, text, statSync(options.inventory).mode & 0o777);
    write(`${display(`${options.inventory} updated: ${described.join('; ')}`)}\n`);
  } else {
    write(`${display(`change ${options.inventory} to: ${described.join('; ')}`)}\n`);
  }
  write(`${display(`next: provision apply ${options.inventory} (${outcome.next})`)}\n`);
  return interrupt.signal.aborted ? EXIT.interrupted : EXIT.ok;
}

/**
 * Runs the resources of the selected hosts that take part in renewals and the
 * handlers they notify, the same engine path as apply; prints only news and failures. `--print-cron` prints the crontab line.
 */
async function renew(options: RenewOptions): Promise<number> {
  if (options.printCron) return printCron(options);
  const { plans, control } = await plansOf({ ...options, tags: [] });
  const [{ renewalPlans, renewalsOf }, { runPlans }, { openConnection: connect }] = await Promise.all([import('./renewal-plans.js'), import('../engine/run.js'), import('../transport/connect.js')]);
  const renewing = renewalPlans(plans, options.force);
  if (renewing.length === 0) return EXIT.ok;
  const renewals = renewalsOf(renewing);
  const releases: Array<() => void> = [];
  try {
    for (const renewal of renewals) releases.push(renewal.lock(control.controlStateDir));
    const interrupt = interruptible(STEP_FINISHES);
    const results = await runPlans(renewing, { check: options.dryRun, forks: options.forks, connect: connectOptions(options), openConnection: connect, onEvent: () => undefined, control, signal: interrupt.signal }).finally(interrupt.done);
    const reports = renewals.map((renewal) => renewal.report(results, { dryRun: options.dryRun, quiet: options.quiet }));
    for (const line of reports.flatMap((r) => r.out)) write(`${display(line)}\n`);
    const errors = reports.flatMap((r) => r.err);
    for (const line of errors) process.stderr.write(`error: ${display(line)}\n`);
    if (interrupt.signal.aborted) return EXIT.interrupted;
    return errors.length > 0 ? EXIT.hostFailed : EXIT.ok;
  } finally {
    for (const release of releases.reverse()) release();
  }
}

/** Seconds a host's checks may take once connected (a stub_status sample takes one, a served certificate at most ten). */
const STATUS_CHECK_SECONDS = 20;

/**
 * Checks the selected hosts (one remote call each) and prints the table or JSON; with --watch,
 * again every interval until Ctrl-C. Exit 0 when every host is healthy (in the last round).
 */
async function status(options: StatusCliOptions): Promise<number> {
  const { plans } = await plansOf({ ...options, tags: [] });
  const [{ StatusRunner }, { statusJson, statusTable }, { openConnection }] = await Promise.all([import('../status/run.js'), import('../status/report.js'), import('../transport/connect.js')]);
  const runner = new StatusRunner(plans, { forks: options.forks, connect: connectOptions(options), openConnection, checksMs: STATUS_CHECK_SECONDS * 1000 });
  const tty = process.stdout.isTTY === true;
  const show = (round: Awaited<ReturnType<typeof runner.run>>): void => {
    if (options.json) return write(`${display(maskedJson(statusJson(round), options.watch ? undefined : 2))}\n`);
    const table = statusTable(round, { colour: tty && process.env.NO_COLOR === undefined, now: new Date() });
    const heading = options.watch ? `${tty ? '\x1b[H\x1b[2J' : '\n'}provision status ${options.inventory}: ${new Date().toLocaleTimeString()}, every ${options.intervalSeconds}s (Ctrl-C to stop)\n\n` : '';
    write(`${heading}${display(`${table}\n`)}`);
  };
  // Ctrl-C is how --watch ends: it exits as the last round; stopped before any round finished, 130.
  const interrupt = interruptible(options.watch ? 'stopping; the exit code is the last finished round\'s' : 'stopping');
  const stopped = new Promise<void>((resolve) => interrupt.signal.addEventListener('abort', () => resolve(), { once: true }));
  let healthy: boolean | undefined;
  try {
    for (;;) {
      // Ctrl-C ends a round too (its hosts' deadlines bound it, but need not be waited for).
      const round = await Promise.race([runner.run(), stopped.then(() => undefined)]);
      if (round === undefined) break;
      healthy = round.every((s) => s.healthy);
      show(round);
      if (!options.watch) break;
      let timer: NodeJS.Timeout | undefined;
      const next = await Promise.race([stopped.then(() => 'stop' as const), new Promise<'next'>((resolve) => (timer = setTimeout(() => resolve('next'), options.intervalSeconds * 1000)))]);
      clearTimeout(timer);
      if (next === 'stop') break;
    }
  } finally {
    interrupt.done();
    await runner.close();
  }
  if (healthy === undefined) return EXIT.interrupted;
  return healthy ? EXIT.ok : EXIT.hostFailed;
}

/**
 * Prints the crontab line for renew. The inventory is loaded first: when its
 * secrets come from SOPS files, the line names the key file that decrypted
 * them; then it is loaded again with only what cron gives a job, and what would
 * still be missing is said on stderr.
 */
async function printCron(options: RenewOptions): Promise<number> {
  const [{ cronLine }, { loadInventoryWithSecrets, SopsSecrets }] = await Promise.all([import('./renew-cron.js'), import('../inventory/index.js')]);
  // Every source renew reads (an inventory = of ansible.cfg too): the job then needs no ansible.cfg to find them. A source that is no path is a host list.
  const sources = options.inventories.map((source) => (existsSync(source) ? resolve(source) : source));
  const searchWords = [...options.rolesPaths.flatMap((p) => ['--roles-path', resolve(p)]), ...options.filesPaths.flatMap((p) => ['--files-path', resolve(p)])];
  const sops = new SopsSecrets(process.env);
  const ignore = options.ansibleConfig?.inventoryIgnore ? { inventoryIgnore: options.ansibleConfig.inventoryIgnore } : {};
  await loadInventoryWithSecrets(sources, { sops, ...ignore });
  const used = sops.identities();
  const env: Record<string, string> = Object.assign({}, ...used.map((u) => u.cronEnv ?? {}));
  write(`${cronLine({ node: process.execPath, script: fileURLToPath(import.meta.url), inventories: sources, options: searchWords, env, cwd: process.cwd() })}\n`);
  const inline = used.filter((u) => !u.cronEnv);
  for (const u of inline) {
    process.stderr.write(`note: the age key comes from ${u.label}, which a crontab line must not hold: save it in a file only you can read and set SOPS_AGE_KEY_FILE to it\n`);
  }
  // ansible.cfg is found again from the line's directory, but cron gives the job none of this shell's ANSIBLE_* settings.
  const ansibleVars = Object.keys(process.env).filter((name) => name.startsWith('ANSIBLE_')).sort();
  if (ansibleVars.length > 0) process.stderr.write(`${display(`note: run by cron, the line would not have ${ansibleVars.join(', ')}, set here (provision reads them as Ansible does): put these settings in ansible.cfg, or before the command in the line`)}\n`);
  const { homedir, userInfo } = await import('node:os');
  const cronEnv = { HOME: process.env.HOME ?? homedir(), LOGNAME: userInfo().username, PATH: '/usr/bin:/bin', SHELL: '/bin/sh', ...env };
  try {
    await loadInventoryWithSecrets(sources, { env: cronEnv, ...ignore });
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    process.stderr.write(`${display(`note: run by cron, with only its environment, this line would stop before renewing:\n${err.format()}`)}\n`);
    if (inline.length === 0) process.stderr.write('note: keep the secrets in a SOPS file (see "Secrets in git" in the README), or put what is missing before the command in the line\n');
  }
  return EXIT.ok;
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
