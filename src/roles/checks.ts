/**
 * A role's `checks:`: what some of the variables it uses must be, e.g.
 * `checks: { domain: dns_name, app_port: port, mysql_role: [primary, replica] }`.
 * A value the inventory (or -e) sets is checked before any host is contacted
 * and reported where it is written, rather than where a resource of the role
 * uses it. Values from role defaults are left to the resources that use them, but
 * for secrets a default template computes (from a plain inventory value, say).
 * A kind written with a trailing `?` (`integer?`) also accepts an empty value
 * (null or ""). Pure, but for `secret`, which registers a plain-text value with the redactor.
 */
import { isIP } from 'node:net';
import { UserError, type SourcePosition } from '../errors.js';
import { controlCharacter, characterName, FormatError } from '../formats/format-error.js';
import { systemdExecValue } from '../formats/systemd.js';
import type { InventoryHost } from '../inventory/index.js';
import { describeValue } from '../inventory/describe-value.js';
import { isSecretValue, registerSecret, Secret, secretProblem, secretTextOf } from '../secrets.js';
import { ACCOUNT_NAME } from '../resources/shared/accounts.js';
import { dnsNameError } from '../resources/shared/dns-name.js';
import { isVitalDirectory } from '../resources/shared/system-directory.js';
import { MAX_STABLE_ID } from './stable-id.js';

/** What a variable must be: checks one value. */
export interface Check {
  /** What the value must be, for messages: "a port number". */
  what: string;
  /** The problem with a value, if any. */
  problem(value: unknown): Problem | undefined;
}

/** One entry of a role's `checks:`. */
export interface VariableCheck {
  /** The variable's name. */
  variable: string;
  /** What it must be. */
  check: Check;
  /** The check as written in role.yaml (`checkOf(spec)` makes it again). */
  spec: unknown;
}

/** A problem with a value: `at` is a sub-path (`[1]`) for an item of a list. */
interface Problem {
  at?: string;
  message: string;
}

/** A kind that tests a string (numbers are turned into strings); `rule` says what is wrong, or undefined. */
function textKind(what: string, rule: (text: string) => string | undefined): Check {
  return {
    what,
    problem: (value) => {
      const text = value instanceof Secret ? value.reveal() : typeof value === 'number' ? String(value) : value;
      if (typeof text !== 'string') return { message: `expected ${what}, got ${describeValue(value)}` };
      const why = rule(text);
      // A secret's value is never shown.
      return why === undefined ? undefined : { message: `${describeValue(value)} is not ${what}: ${why}` };
    },
  };
}

/** A kind that tests a string against a pattern. */
function patternKind(what: string, pattern: RegExp, expected: string): Check {
  return textKind(what, (text) => (pattern.test(text) ? undefined : `expected ${expected}`));
}

/** A whole number from `min` to `max`, written as a number or digits. */
function numberKind(what: string, min: number, max: number): Check {
  return textKind(what, (text) => (/^[0-9]+$/.test(text) && Number(text) >= min && Number(text) <= max ? undefined : `expected a whole number from ${min} to ${max}`));
}

/** What a format encoder refuses in the text, or undefined. */
function encoderProblem(encode: (text: string) => string): (text: string) => string | undefined {
  return (text) => {
    try {
      encode(text);
      return undefined;
    } catch (err) {
      if (err instanceof FormatError) return err.message;
      throw err;
    }
  };
}

function firstControl(text: string): string | undefined {
  const char = controlCharacter(text, true);
  return char === undefined ? undefined : `it holds ${characterName(char)}`;
}

/**
 * A secret the role deploys: one line of at least MIN_SECRET_LENGTH characters. A value the
 * inventory writes in plain text (not `{ secret: ... }`, vault or SOPS) is registered with the
 * redactor here, so it is masked in all output like one from a secret source; it is never shown,
 * not even in this check's own message.
 */
const secretKind: Check = {
  what: 'a secret',
  problem: (value) => {
    const text = value instanceof Secret ? value.reveal() : typeof value === 'number' ? String(value) : value;
    if (typeof text !== 'string') return { message: `expected a secret (text), got ${describeValue(value)}` };
    const why = firstControl(text) ?? secretProblem(text);
    if (why !== undefined) return { message: `${value instanceof Secret ? 'the secret' : 'the value'} cannot be used as a secret: ${why}` };
    if (!(value instanceof Secret)) registerSecret(text);
    return undefined;
  },
};

/** A secret of letters, digits, _ and - only: an API's key or id, written plain into any file format (a properties file reads \\ or a leading space in it). */
const apiKeyKind: Check = {
  what: 'an API key or id (letters, digits, _ and -)',
  problem: (value) => {
    // The secret's own check first: it also masks a plain value from then on, even one refused below.
    const problem = secretKind.problem(value);
    if (problem !== undefined) return problem;
    const text = value instanceof Secret ? value.reveal() : String(value);
    return /^[A-Za-z0-9_-]+$/.test(text) ? undefined : { message: `${value instanceof Secret ? 'the secret' : 'the value'} is not an API key or id: expected letters, digits, _ and - only` };
  },
};

const dnsName: Check = {
  what: 'a DNS name',
  problem: (value) => {
    if (typeof value !== 'string') return { message: `expected a DNS name, got ${describeValue(value)}` };
    const error = dnsNameError(value);
    return error === undefined ? undefined : { message: error };
  },
};

// Paths safe in every config format and command line they reach: no spaces, quotes, $, %, \ or control characters.
const SAFE_PATH = /^\/[A-Za-z0-9._+@,:=~/-]*$/;

/** Why `text` is not an absolute path safe everywhere it goes, or undefined. */
function pathProblem(text: string): string | undefined {
  if (!SAFE_PATH.test(text)) return "expected '/' then letters, digits and . _ + @ , : = ~ / - only (no spaces, quotes, $, % or \\)";
  if (text.split('/').some((part) => part === '..')) return "expected no '..' in it";
  return undefined;
}

const KINDS = {
  dns_name: dnsName,
  dns_names: {
    what: 'a list of DNS names',
    problem: (value: unknown) => {
      if (value === null) return undefined;
      if (!Array.isArray(value)) return dnsName.problem(value);
      for (const [i, item] of value.entries()) {
        const problem = dnsName.problem(item);
        if (problem) return { at: `[${i}]`, message: problem.message };
      }
      return undefined;
    },
  },
  host: textKind('a host name or IP address', (text) =>
    isIP(text) !== 0 || /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(text) ? undefined : 'expected a name of letters, digits, - and dots, or an IP address',
  ),
  ip_address: textKind('an IP address', (text) => (isIP(text) !== 0 ? undefined : 'expected an IPv4 or IPv6 address such as 10.0.0.5 or ::')),
  port: numberKind('a port number', 1, 65535),
  integer: numberKind('a whole number', 0, Number.MAX_SAFE_INTEGER),
  // MariaDB's and MySQL's server_id: 32 bits, and 0 refuses replication.
  server_id: numberKind('a server id', 1, MAX_STABLE_ID),
  path: textKind('an absolute path', pathProblem),
  // A directory the role owns: it takes its owner and mode (app_dir), or removes it whole when it is a
  // collector's (sumo_dir): never one the system is made of (/etc, /opt, /usr/lib); /app or /srv may be.
  own_directory: textKind('an absolute path to a directory of its own', (text) => {
    const why = pathProblem(text);
    if (why !== undefined) return why;
    return isVitalDirectory(text) ? 'expected a directory of its own, such as /opt/NAME, not a system directory: the role owns it, or removes it whole' : undefined;
  }),
  name: patternKind('a name', /^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}$/, 'letters, digits and _ . @ -, not starting with . @ or -, at most 64 characters'),
  identifier: patternKind('an identifier', /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, 'letters, digits, _ and -, starting with a letter or _, at most 64 characters'),
  user_name: textKind('a user or group name', (text) =>
    ACCOUNT_NAME.test(text) && text.length <= 32 ? undefined : 'expected lowercase letters, digits and _ . -, starting with a letter or _, at most 32 characters',
  ),
  url: textKind('an http or https URL', (text) => (/^https?:\/\/[^\s"'`\\<>{}|^$]+$/.test(text) && firstControl(text) === undefined ? undefined : 'expected http:// or https:// then no spaces, quotes, $ or \\')),
  sha256: patternKind('a sha256 checksum', /^[0-9a-fA-F]{64}$/, '64 hexadecimal digits'),
  // A value a role writes unquoted into a Sumo Logic search (`_sourceCategory=<value>`): only what Sumo's
  // keyword expressions take without quotes (its documented punctuation, and * as a wildcard), so it
  // cannot add a term, an OR or a pipe to the query.
  sumo_keyword: patternKind('a Sumo Logic search keyword', /^[A-Za-z0-9_\-:/.+@#$%^*]{1,255}$/, 'letters, digits, * and - _ : / . + @ # $ % ^ only (no spaces, quotes, | or parentheses), at most 255 characters'),
  one_line: textKind('one line of text', firstControl),
  // A password or key: masked in all output even when the inventory writes it in plain text.
  secret: secretKind,
  // Masked like a secret, and plain enough for any file it is written into (Sumo's access ids and keys).
  api_key: apiKeyKind,
  // A command a systemd unit starts (ExecStart=): one line, no prefix that runs it as root or through a shell.
  systemd_command: textKind('a command line for systemd', encoderProblem(systemdExecValue)),
} satisfies Record<string, Check>;

/** The kinds a check may name. */
export type CheckKind = keyof typeof KINDS;

/** Every kind, for "expected one of" messages. */
export const CHECK_KINDS = Object.keys(KINDS) as CheckKind[];

/** Whether a `checks:` entry declares a secret (`secret`, `api_key`, either with `?`): a value masked in all output. */
export function isSecretSpec(spec: unknown): boolean {
  return typeof spec === 'string' && /^(secret|api_key)\??$/.test(spec);
}

/** Empty (null, "" or unset) or what `check` accepts. */
function orEmpty(check: Check): Check {
  return { what: `${check.what} or nothing`, problem: (value) => (value === null || value === '' ? undefined : check.problem(value)) };
}

/** One of the listed values. */
function oneOf(allowed: readonly string[]): Check {
  const what = `one of ${allowed.join(', ')}`;
  return textKind(what, (text) => (allowed.includes(text) ? undefined : `expected ${what}`));
}

/**
 * The check a `checks:` entry names: a kind (`port`), a kind that may be empty (`port?`) or a
 * list of the allowed values; undefined when it names none.
 */
export function checkOf(spec: unknown): Check | undefined {
  if (Array.isArray(spec) && spec.length > 0 && spec.every((v) => typeof v === 'string' || typeof v === 'number')) return oneOf(spec.map(String));
  if (typeof spec !== 'string') return undefined;
  const optional = spec.endsWith('?');
  const kind = optional ? spec.slice(0, -1) : spec;
  if (!Object.hasOwn(KINDS, kind)) return undefined;
  const check = KINDS[kind as CheckKind];
  return optional ? orEmpty(check) : check;
}

/** Where a variable the inventory does not set gets its value (a role default), for messages. */
export type DefaultOrigin = (variable: string) => { path: string; position?: SourcePosition } | undefined;

/**
 * The errors of a role's checks on one host: one per variable that the
 * inventory or -e sets to a value of the wrong kind, at the place it is set.
 * `vars` are the host's variables, resolved. A secret a role default computes
 * (`x_password: "{{ vault_x }}"`, vault_x set in plain text) is checked too, so
 * it is masked like one the inventory sets, or refused at `defaultOrigin`.
 */
export function checkVariables(
  role: { name: string; checks: readonly VariableCheck[] },
  vars: Record<string, unknown>,
  host: InventoryHost,
  defaultOrigin: DefaultOrigin = () => undefined,
  secretNames: ReadonlySet<string> = new Set(),
): UserError[] {
  const errors: UserError[] = [];
  for (const { variable, check, spec } of role.checks) {
    const origin = host.varOrigins?.[variable] ?? (isSecretSpec(spec) ? defaultOrigin(variable) : undefined);
    if (origin === undefined || computedValue(vars, variable, origin !== host.varOrigins?.[variable]) === undefined) continue;
    const value = vars[variable];
    // A value another role declares secret (or a known secret) is checked as a Secret here, so no message quotes it.
    const unquoted = !isSecretSpec(spec) && (typeof value === 'string' || typeof value === 'number') && (secretNames.has(variable) || isSecretValue(String(value)));
    const problem = check.problem(unquoted ? new Secret(String(value)) : value);
    if (problem) errors.push(new UserError(`${origin.path}${problem.at ?? ''}: ${problem.message} (role ${role.name} uses it as ${check.what})`, origin.position));
  }
  return errors;
}

/**
 * Makes each plain-text value of the roles' `secret` and `api_key` variables a Secret in `vars` (once
 * checked: text of at least MIN_SECRET_LENGTH characters), so that what a template makes of it
 * (`{{ app_db_password | upper }}`, a part of it) is a secret too, as it is for one from a secret source.
 */
export function sealSecrets(roles: ReadonlyArray<{ checks: readonly VariableCheck[] }>, vars: Record<string, unknown>, sealedNumber: (variable: string) => void = () => undefined): void {
  for (const { variable, spec } of roles.flatMap((role) => role.checks)) {
    if (!isSecretSpec(spec) || !Object.hasOwn(vars, variable)) continue;
    const value = computedValue(vars, variable, true);
    // Already a secret (from a secret source): kept as it is.
    if (value instanceof Secret) continue;
    const text = secretTextOf(value);
    if (text === undefined || secretProblem(text) !== undefined || firstControl(text) !== undefined) continue;
    Object.defineProperty(vars, variable, { value: new Secret(text), enumerable: true, configurable: true });
    if (typeof value === 'number' || typeof value === 'bigint') sealedNumber(variable);
  }
}

/**
 * The variable's value; for a role default, undefined when it cannot be computed: the resources
 * using it report why (the inventory's own values report it here).
 */
function computedValue(vars: Record<string, unknown>, variable: string, fromDefault: boolean): unknown {
  try {
    return vars[variable];
  } catch (err) {
    if (fromDefault && err instanceof UserError) return undefined;
    throw err;
  }
}
