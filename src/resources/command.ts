/**
 * `command`: runs the user's shell text, unless a guard says it is done.
 * This is the one resource that runs user shell text as is (through
 * userShell); every other value is quoted.
 */
import { redact } from '../secrets.js';
import { quote } from '../shell/quote.js';
import { absolutePath, type Args, onlyKeys, optionalString, requiredString } from './args.js';
import { parseFields } from './probe-output.js';
import { lines, userShell } from './script.js';
import { casesOf, type Lookahead, type Prediction } from './lookahead.js';
import type { Change, ResourceType } from './types.js';

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

function probe(desired: CommandDesired): string {
  const creates = desired.creates === undefined ? undefined : quote(desired.creates);
  return lines(
    creates !== undefined && `if [ -e ${creates} ] || [ -L ${creates} ]; then echo created=yes; fi`,
    // The guard's output is discarded: only its exit status counts, and it must not mix with the probe's.
    desired.unless !== undefined && `if ( ${desired.chdir === undefined ? '' : `cd -- ${quote(desired.chdir)} && `}${userShell(desired.unless)} ) >/dev/null 2>&1; then echo unless=passed; fi`,
  ) || ':';
}

function parse(output: string): CommandCurrent {
  const fields = parseFields(output);
  return { created: fields.get('created') === 'yes', unlessPassed: fields.get('unless') === 'passed' };
}

function willRun(current: CommandCurrent): boolean {
  return !current.created && !current.unlessPassed;
}

function diff(desired: CommandDesired, current: CommandCurrent): Change[] {
  return willRun(current) ? [{ summary: `run: ${firstLine(desired.cmd)}` }] : [];
}

function apply(desired: CommandDesired, current: CommandCurrent): string {
  if (!willRun(current)) return ':';
  // cd on its own line, so that set -e stops the script when the directory is missing.
  const run = lines(desired.chdir !== undefined && `cd -- ${quote(desired.chdir)}`, userShell(desired.cmd));
  if (desired.creates === undefined) return run;
  // Cheap to check again: a command with `creates` is usually not safe to run twice.
  const creates = quote(desired.creates);
  return lines(`if [ -e ${creates} ] || [ -L ${creates} ]; then`, `  echo ${quote(`skipped: ${desired.creates} exists now`)}`, '  provision_unchanged', 'else', run, 'fi');
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
export const command: ResourceType<CommandDesired, CommandCurrent> = {
  name: 'command',
  validate,
  label,
  probe,
  parse,
  diff,
  apply,
  predict,
  // What a command does is not modelled: anything may change.
  effects: { of: (items) => ({ anything: { by: `command ${label(items[0]!.desired)}`, why: 'a command runs earlier in this run' } }) },
};
