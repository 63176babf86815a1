import type { SourcePosition } from '../errors.js';
import type { LiteralMark, VarOrigin } from './types.js';
import { canBeOutranked, connectionVar, misspeltConnectionVar, nameStrength, type ReadOptions } from './connection-vars.js';
import { describeValue } from './describe-value.js';
import { DeferredValue } from './deferred.js';
import type { ErrorList } from '../yaml/error-list.js';
import { GROUP_KEYS } from './names.js';
import { numberMarkOf } from '../template/number-marks.js';

/**
 * Variables of one scope under their canonical names, in the order written, and where each is written. A connection
 * variable written under one of Ansible's names is there under that name too, with its own value: the canonical
 * name holds the strongest one's (what the connection uses), Ansible's names each their own, as Ansible keeps them.
 */
export class VarTable extends Map<string, unknown> {
  /** Name → where its value is written, for messages about the value. */
  readonly origins = new Map<string, VarOrigin>();

  /** Canonical name → the name a connection variable is written under (`ansible_ssh_user` for `user`). */
  readonly writtenAs = new Map<string, string>();

  /**
   * Canonical name → why its value, written under a name that a stronger one in another scope may beat, cannot be
   * used: reported only if it still decides the connection once the scopes are merged (see connectionProblems).
   */
  readonly problems = new Map<string, VarProblem>();

  /** Sets a variable and where it is written, under `writtenAs` when that is another name (an alias). */
  define(name: string, value: unknown, site: VarSite, writtenAs = name, printed?: unknown): void {
    this.set(name, value);
    this.writtenAs.set(name, writtenAs);
    const mark = numberMarkOf(printed);
    const numbers = mark === undefined ? {} : { numbers: mark };
    this.origins.set(name, { path: site.path, ...(site.valuePosition ? { position: site.valuePosition } : {}), baseDir: site.baseDir, ...(site.literal ? { literal: site.literal } : {}), ...numbers });
  }
}

/** Where a variable is written: for messages and for reading its value. */
export interface VarSite extends ReadOptions {
  /** Dotted path for messages: `all.children.app.hosts.web-01.port`, or `-e port` on the command line. */
  path: string;
  /** Where its name is written (none on the command line). */
  keyPosition?: SourcePosition;
  /** Where its value is written (none on the command line). */
  valuePosition?: SourcePosition;
  /** Which of it is an Ansible `!unsafe` value, never rendered as a template. */
  literal?: LiteralMark;
}

/** A problem with a variable's value, where it is written. */
export interface VarProblem {
  message: string;
  position?: SourcePosition;
}

/** One variable as written. */
export interface WrittenVar {
  /** Name as written (an alias such as ansible_host included). */
  name: string;
  /** Value, secrets already resolved. */
  value: unknown;
  /** The value as Ansible prints it, when that differs from `value` (it holds floats such as 2.0, see python-float.ts). */
  printed?: unknown;
  /** Where it is written. */
  site: VarSite;
}

/**
 * Checks the variables of one scope (a vars mapping, a host entry, the -e values)
 * and returns them under their canonical names with connection values normalised.
 * Problems go to `errors` (a value that a stronger name in another scope may outrank, to `problems`, see connectionProblems); the offending variable is left out.
 */
export function readVariables(written: readonly WrittenVar[], errors: ErrorList): VarTable {
  const table = new VarTable();
  const outranked = outrankedNames(written);
  for (const { name, value, printed, site } of written) {
    const problem = nameProblem(name);
    if (problem) {
      errors.add(`${site.path}: ${problem}`, site.keyPosition);
      continue;
    }
    const spec = connectionVar(name);
    if (!spec) {
      table.define(name, value, site, name, printed);
      continue;
    }
    const readSite = spec.fromCurrentDir?.includes(name) ? { ...site, baseDir: process.cwd() } : site;
    // Outranked, an Ansible name is a plain variable to Ansible: its value as written, unchecked (a password is still
    // read, to be masked); provision's own name is then no variable at all.
    const plain = outranked.has(name) && spec.hidden !== true;
    if (plain && name !== spec.name) table.define(name, value, readSite, name, printed);
    const names = plain ? [] : [...(outranked.has(name) ? [] : [spec.name]), ...(name === spec.name ? [] : [name])];
    if (names.length === 0) continue;
    // A secret, a vaulted value or a template is checked when the connection is made, once it has its value.
    if (isDeferredConnectionValue(value) || spec.checkedWhenUsed === true) {
      for (const as of names) table.define(as, value, readSite, name);
      continue;
    }
    const read = spec.read(value, readSite);
    if (!('expected' in read)) {
      for (const as of names) table.define(as, read.value, readSite, name);
      continue;
    }
    const refused = { message: `${site.path}: ${read.expected}${spec.hidden === true ? '' : `, got ${describeValue(value)}`}`, ...(site.valuePosition ? { position: site.valuePosition } : {}) };
    if (!canBeOutranked(name) || spec.hidden === true) {
      errors.add(refused.message, refused.position);
      continue;
    }
    // A stronger name in another scope may still beat it: kept as written until the host's scopes are merged.
    for (const as of names) table.define(as, value, readSite, name, printed);
    table.problems.set(spec.name, refused);
  }
  return table;
}

/** Reports the problems of the connection values that decide the host's connection once its scopes are merged. */
export function connectionProblems(vars: VarTable, errors: ErrorList): void {
  for (const { message, position } of vars.problems.values()) errors.add(message, position);
}

/**
 * The names that another name of the same connection setting beats in one scope (`ansible_host` beside
 * `ansible_ssh_host`, or provision's `address`): Ansible takes them all and its plugins use the strongest (a name of
 * provision's is a plain variable to it), so only that one sets the connection, as across scopes (mergeVars).
 */
function outrankedNames(written: readonly WrittenVar[]): Set<string> {
  const strongest = new Map<string, string>();
  for (const { name } of written) {
    const spec = connectionVar(name);
    if (spec === undefined) continue;
    const rival = strongest.get(spec.name);
    if (rival === undefined || nameStrength(name) > nameStrength(rival)) strongest.set(spec.name, name);
  }
  return new Set(written.map(({ name }) => name).filter((name) => {
    const spec = connectionVar(name);
    return spec !== undefined && strongest.get(spec.name) !== name;
  }));
}

/** Whether a connection variable's value is only known when used: a deferred value or a template. */
export function isDeferredConnectionValue(value: unknown): boolean {
  return value instanceof DeferredValue || (typeof value === 'string' && value.includes('{{'));
}

/** Why a variable name is refused: a structure key in the wrong place, or a likely typo of a connection variable. */
function nameProblem(name: string): string | undefined {
  if ((GROUP_KEYS as readonly string[]).includes(name)) {
    return `'${name}' is a group key, not a variable: expected it directly under a group (check the indentation)`;
  }
  const meant = misspeltConnectionVar(name);
  if (meant !== undefined) {
    return `'${name}' is not a connection variable: did you mean '${meant}'? (names this close to one are refused to catch typos; rename the variable if it is meant)`;
  }
  return undefined;
}

/** Copies `from` over `into`: later definitions win, except over a stronger name of a connection variable (see ansibleOrder). */
export function mergeVars(into: VarTable, from: VarTable): void {
  for (const [name, value] of from) {
    const incoming = from.writtenAs.get(name) ?? name;
    // `ansible_ssh_user` in group vars beats `ansible_user` of the host, as in Ansible.
    if (into.has(name) && nameStrength(into.writtenAs.get(name) ?? name) > nameStrength(incoming)) continue;
    into.set(name, value);
    into.writtenAs.set(name, incoming);
    const problem = from.problems.get(name);
    if (problem) into.problems.set(name, problem);
    else into.problems.delete(name);
    const origin = from.origins.get(name);
    if (origin) into.origins.set(name, origin);
  }
}
