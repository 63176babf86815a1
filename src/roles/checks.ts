/**
 * A role's `checks:`: what some of the variables it uses must be, e.g.
 * `checks: { domain: dns_name }`. A value the inventory (or -e) sets is checked
 * before any host is contacted and reported where it is written, rather than
 * where a resource of the role uses it. Values from role defaults are left to
 * the resources that use them. Pure.
 */
import { UserError } from '../errors.js';
import type { InventoryHost } from '../inventory/index.js';
import { describeValue } from '../inventory/describe-value.js';
import { dnsNameError } from '../resources/dns-name.js';

/** One entry of a role's `checks:`. */
export interface VariableCheck {
  /** The variable's name. */
  variable: string;
  /** What it must be. */
  kind: CheckKind;
}

/** A problem with a value: `at` is a sub-path (`[1]`) for an item of a list. */
interface Problem {
  at?: string;
  message: string;
}

interface Kind {
  /** What the value must be, for messages. */
  what: string;
  /** The problem with a value, if any. */
  problem(value: unknown): Problem | undefined;
}

function dnsNameProblem(value: unknown): Problem | undefined {
  if (typeof value !== 'string') return { message: `expected a DNS name, got ${describeValue(value)}` };
  const error = dnsNameError(value);
  return error === undefined ? undefined : { message: error };
}

const KINDS = {
  dns_name: { what: 'a DNS name', problem: dnsNameProblem },
  dns_names: {
    what: 'a list of DNS names',
    problem: (value: unknown) => {
      if (value === null) return undefined;
      if (!Array.isArray(value)) return dnsNameProblem(value);
      for (const [i, item] of value.entries()) {
        const problem = dnsNameProblem(item);
        if (problem) return { at: `[${i}]`, message: problem.message };
      }
      return undefined;
    },
  },
} satisfies Record<string, Kind>;

/** The kinds a check may name. */
export type CheckKind = keyof typeof KINDS;

/** Every kind, for "expected one of" messages. */
export const CHECK_KINDS = Object.keys(KINDS) as CheckKind[];

/** Whether `name` is a kind of check. */
export function isCheckKind(name: string): name is CheckKind {
  return Object.hasOwn(KINDS, name);
}

/**
 * The errors of a role's checks on one host: one per variable that the
 * inventory or -e sets to a value of the wrong kind, at the place it is set.
 * `vars` are the host's variables, resolved.
 */
export function checkVariables(role: { name: string; checks: readonly VariableCheck[] }, vars: Record<string, unknown>, host: InventoryHost): UserError[] {
  const errors: UserError[] = [];
  for (const { variable, kind } of role.checks) {
    const origin = host.varOrigins?.[variable];
    if (origin === undefined) continue;
    const problem = KINDS[kind].problem(vars[variable]);
    if (problem) errors.push(new UserError(`${origin.path}${problem.at ?? ''}: ${problem.message} (role ${role.name} uses it as ${KINDS[kind].what})`, origin.position));
  }
  return errors;
}
