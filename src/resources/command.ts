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
  return lines(`if [ -e ${creates} ] || [ -L ${creates} ]; then`, `  echo ${quote(`skipped: ${desired.creates} exists now`)}`, 'else', run, 'fi');
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
};
