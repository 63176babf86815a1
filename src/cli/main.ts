#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError, messageOf } from '../errors.js';
import { redact } from '../secrets.js';
import { parseCommandLine, type ApplyOptions, type ExecOptions, type HostOptions, type PromoteCliOptions } from './args.js';
import { HELP } from './help.js';

/** Exit codes, as documented in --help. */
export const EXIT = { ok: 0, hostFailed: 1, badInput: 2, changesPending: 3, interrupted: 130 } as const;

/** The installed package's root (dist/cli/main.js or src/cli/main.ts → two levels up). */
const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const write = (text: string): void => {
  process.stdout.write(text);
};

/** Runs the CLI; returns the exit code. Heavy modules are imported only by the commands that need them. */
export async function main(argv: string[]): Promise<number> {
  try {
    const command = parseCommandLine(argv);
    switch (command.kind) {
      case 'help':
        write(`${HELP[command.topic ?? 'main'] ?? HELP.main}\n`);
        return EXIT.ok;
      case 'version':
        write(`${(JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version}\n`);
        return EXIT.ok;
      case 'apply':
        return await apply(command.options);
      case 'exec':
        return await exec(command.options);
      case 'promote':
        return await promote(command.options);
    }
  } catch (err) {
    if (err instanceof UserError) {
      process.stderr.write(`${redact(err.format().split('\n').map((l) => `error: ${l}`).join('\n'))}\n`);
      return EXIT.badInput;
    }
    process.stderr.write(`error: ${redact(messageOf(err))}\n`);
    if (process.env.PROVISION_DEBUG) process.stderr.write(`${redact(String((err as Error).stack))}\n`);
    return EXIT.hostFailed;
  }
}

/** Loads the inventory and selects hosts: every user error surfaces here, before any connection. */
async function selectedHosts(options: HostOptions) {
  const { loadInventory, parseExtraVars, selectHosts } = await import('../inventory/index.js');
  const inventory = loadInventory(options.inventory, { extraVars: parseExtraVars(options.extraVars) });
  return { inventory, hosts: selectHosts(inventory, options.limit) };
}

function connectOptions(options: HostOptions) {
  return { acceptNewHostKeys: options.acceptNewHostKeys, timeoutMs: options.timeoutSeconds * 1000 };
}

async function apply(options: ApplyOptions): Promise<number> {
  const { inventory, hosts } = await selectedHosts(options);
  const { buildPlans } = await import('../roles/plan.js');
  const inventoryDir = dirname(resolve(options.inventory));
  const plans = buildPlans(inventory, hosts, {
    rolesDirs: [...options.rolesPaths.map((p) => resolve(p)), join(inventoryDir, 'roles'), join(inventoryDir, '..', 'roles'), join(PACKAGE_ROOT, 'roles')],
    templateDirs: [join(inventoryDir, 'templates'), join(inventoryDir, '..', 'templates'), join(PACKAGE_ROOT, 'templates')],
    tags: options.tags,
  });
  const [{ runPlans }, { connect }, reporters] = await Promise.all([import('../engine/run.js'), import('../transport/ssh.js'), import('./reporters.js')]);
  const reporterOptions = { check: options.check, diff: options.diff, hosts: hosts.map((h) => h.name), write };
  const reporter = options.json
    ? new reporters.JsonReporter(reporterOptions)
    : process.stdout.isTTY && (process.stdout.columns ?? 0) >= 40
      ? new reporters.TtyReporter(reporterOptions)
      : new reporters.PlainReporter(reporterOptions);
  const results = await runPlans(plans, {
    check: options.check,
    forks: options.forks,
    connect: connectOptions(options),
    openConnection: connect,
    onEvent: (event) => reporter.onEvent(event),
  });
  await reporter.done(results);
  if (results.some((r) => r.unreachable || r.failed > 0)) return EXIT.hostFailed;
  if (options.detailedExitcode && results.some((r) => r.changed > 0)) return EXIT.changesPending;
  return EXIT.ok;
}

async function exec(options: ExecOptions): Promise<number> {
  const { hosts } = await selectedHosts(options);
  const [{ execOnHosts }, { connect }] = await Promise.all([import('../engine/exec.js'), import('../transport/ssh.js')]);
  const outcomes = await execOnHosts(hosts, options.command, {
    forks: options.forks,
    connect: connectOptions(options),
    openConnection: connect,
    onDone: (o) => {
      const status = o.unreachable ? 'UNREACHABLE' : o.code === 0 ? 'ok' : `FAILED rc=${o.code}`;
      const body = [o.stdout, o.stderr].filter((s) => s.trim() !== '').map((s) => s.trimEnd()).join('\n');
      write(redact(`${o.host} | ${status}${body ? `\n${body}` : ''}\n`));
    },
  });
  return outcomes.every((o) => o.code === 0) ? EXIT.ok : EXIT.hostFailed;
}

async function promote(options: PromoteCliOptions): Promise<number> {
  const { inventory } = await selectedHosts(options);
  const [{ promotionPair, promoteReplica }, { connect }, { editHostVars }] = await Promise.all([import('../engine/promote.js'), import('../transport/ssh.js'), import('../inventory/edit.js')]);
  const { replica, primary } = promotionPair(inventory, options.host);
  await promoteReplica(replica, primary, { force: options.force, catchUpSeconds: 60, connect: connectOptions(options), openConnection: connect, say: (line) => write(`${redact(line)}\n`) });
  const edits = [
    { host: replica.name, vars: { mysql_role: 'primary', mysql_primary: null } },
    { host: primary.name, vars: { mysql_role: 'replica', mysql_primary: replica.name } },
  ];
  const described = edits.map((e) => `${e.host}: ${Object.entries(e.vars).map(([k, v]) => (v === null ? `remove ${k}` : `${k}: ${v}`)).join(', ')}`);
  let text: string | undefined = readFileSync(options.inventory, 'utf8');
  for (const e of edits) text = text === undefined ? undefined : editHostVars(text, e.host, e.vars);
  if (options.edit && text !== undefined) {
    const { writeFileSync, renameSync } = await import('node:fs');
    writeFileSync(`${options.inventory}.tmp`, text);
    renameSync(`${options.inventory}.tmp`, options.inventory);
    write(`${options.inventory} updated: ${described.join('; ')}\n`);
  } else {
    write(`change ${options.inventory} to: ${described.join('; ')}\n`);
  }
  write(`next: provision apply ${options.inventory} (the old primary becomes a replica of ${replica.name})\n`);
  return EXIT.ok;
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
