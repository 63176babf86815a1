/**
 * `command`: runs the user's shell text, unless a guard says it is done.
 * This is the one resource that runs user shell text as is (through
 * userShell); every other value is quoted.
 */
import { redact } from '../../secrets.js';
import { insert, lines, sh, trusted, type Shell } from '../../shell/quote.js';
import { absolutePath, type Args, onlyKeys, optionalString, requiredString } from '../shared/args.js';
import { parseFields } from '../shared/probe-output.js';
import { userShell } from '../shared/script.js';
import { casesOf, type Effects, type Lookahead, type Prediction, unitName } from '../shared/lookahead.js';
import { scriptEffects } from '../shared/maintainer-scripts.js';
import { namedTrees } from '../shared/shell-mentions.js';
import type { Decision, ResourceType } from '../types.js';

/** Validated `command` declaration. */
export interface CommandDesired {
  /** Shell text, run with sh (no `set -e`), stdin from /dev/null. */
  cmd: string;
  /** Skip when this path exists. */
  creates?: string;
  /** Read-only shell text run by the probe: skip when it exits 0. */
  unless?: string;
  /** Directory to run cmd (and unless) in. */
  chdir?: string;
}

/** What the guards said at probe time. */
export interface CommandCurrent {
  /** The `creates` path exists. */
  created: boolean;
  /** The `unless` command exited 0. */
  unlessPassed: boolean;
}

function validate(args: Args): CommandDesired {
  onlyKeys(args, ['cmd', 'creates', 'unless', 'chdir']);
  return {
    cmd: requiredString(args, 'cmd'),
    creates: args['creates'] === undefined ? undefined : absolutePath(args, 'creates'),
    unless: optionalString(args, 'unless'),
    chdir: args['chdir'] === undefined ? undefined : absolutePath(args, 'chdir'),
  };
}

function probe(desired: CommandDesired): Shell {
  const creates = desired.creates;
  return lines(
    creates !== undefined && sh`if [ -e ${creates} ] || [ -L ${creates} ]; then echo created=yes; fi`,
    // The guard's output is discarded: only its exit status counts, and it must not mix with the probe's.
    desired.unless !== undefined && sh`if ${insert(guard(desired.unless, desired.chdir))} >/dev/null 2>&1; then echo unless=passed; fi`,
  ) || trusted(':');
}

/**
 * The unless guard as one command: userShell's own subshell, and around it one more only to
 * change directory (the probe runs inline: the batch's shell must stay where it is).
 */
function guard(unless: string, chdir: string | undefined): Shell {
  return chdir === undefined ? userShell(unless) : sh`( cd -- ${chdir} && ${insert(userShell(unless))} )`;
}

function parse(output: string): CommandCurrent {
  const fields = parseFields(output);
  return { created: fields.get('created') === 'yes', unlessPassed: fields.get('unless') === 'passed' };
}

/** The decision: it runs (one change) unless a guard said it is done (none). */
export interface CommandDecision extends Decision {
  readonly run: boolean;
}

function decide(desired: CommandDesired, current: CommandCurrent): CommandDecision {
  const run = !current.created && !current.unlessPassed;
  return { run, changes: run ? [{ summary: `run: ${firstLine(desired.cmd)}` }] : [] };
}

function apply(desired: CommandDesired, decision: CommandDecision): Shell {
  if (!decision.run) return trusted(':');
  // cd on its own line, so that set -e stops the script when the directory is missing.
  const run = lines(desired.chdir !== undefined && sh`cd -- ${desired.chdir}`, userShell(desired.cmd));
  if (desired.creates === undefined) return run;
  // Cheap to check again: a command with `creates` is usually not safe to run twice.
  const creates = desired.creates;
  return lines(sh`if [ -e ${creates} ] || [ -L ${creates} ]; then`, sh`  echo ${`skipped: ${desired.creates} exists now`}`, '  provision_unchanged', 'else', run, 'fi');
}

/**
 * Whether it runs once earlier changes of the run are applied: `creates` is
 * checked again right before running (so earlier changes of its own apply call
 * count), the `unless` guard only by the probe, and it is affected when an
 * earlier change touches a path it names or installs a program it runs.
 */
function predict(desired: CommandDesired, current: CommandCurrent, ahead: Lookahead): Prediction<CommandCurrent> | undefined {
  const created = desired.creates === undefined || current.created ? undefined : ahead.atApply.path(desired.creates);
  if (created && created.kind !== 'absent' && created.kind !== 'unknown') return { current: { ...current, created: true }, because: `${created.by} creates ${desired.creates}` };
  const run = [{ summary: `run: ${firstLine(desired.cmd)}` }];
  if (created?.kind === 'unknown') return { unknown: `${created.by} may create ${desired.creates}: ${created.why}`, cases: casesOf([[`${desired.creates} is there then`, []], ['it is not', run]]) };
  const guard = desired.unless === undefined || current.created ? undefined : ahead.shell(desired.unless);
  if (guard) return { unknown: `${guard.by} may change what its unless guard finds: ${guard.why}`, cases: casesOf([['the guard passes then', []], ['it fails', run]]) };
  return undefined;
}

/**
 * What running it may change, on the rule maintainer scripts are read by: what
 * its text names. Every path in it (here-documents too, its chdir) as a whole
 * directory, the accounts it creates, the services it acts on; none certain.
 */
function commandEffects(desired: CommandDesired): Effects {
  const by = `command ${label(desired)}`;
  const named = scriptEffects(desired.cmd);
  const trees = [...namedTrees(desired.cmd), ...(desired.chdir ? [desired.chdir] : [])];
  const unnamed = named.accounts.find((a) => a.name === undefined);
  return {
    trees: trees.map((path) => ({ path, by, kind: 'unknown' as const, why: 'the command names it' })),
    accounts: new Map(named.accounts.filter((a) => a.name !== undefined).map((a) => [`${a.kind}:${a.name}`, { by, why: `the command runs ${a.command}` }])),
    units: new Map(named.services.map((a) => [unitName(a.unit), { by, loadState: 'unchanged', why: `the command may ${a.action} it` }])),
    ...(unnamed ? { someAccounts: { by, why: `the command runs ${unnamed.command} with a name it computes` } } : {}),
  };
}

/** The first line of shell text, secrets masked, "…" when more lines follow. */
function firstLine(text: string): string {
  const [first = '', ...rest] = redact(text).split('\n');
  return rest.length > 0 ? `${first}…` : first;
}

/** firstLine, at most 60 characters. */
function label(desired: CommandDesired): string {
  const first = firstLine(desired.cmd);
  return first.length > 60 ? `${first.slice(0, 59)}…` : first;
}

/** The `command` resource type. */
export const command: ResourceType<CommandDesired, CommandCurrent, CommandDecision> = {
  name: 'command',
  validate,
  shellKeys: ['cmd', 'unless'],
  label,
  probe,
  probeInline: true,
  parse,
  decide,
  apply,
  predict,
  effects: { of: (items) => commandEffects(items[0]!.desired) },
};
