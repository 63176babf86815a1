import { createRequire } from 'node:module';
import type Handlebars from 'handlebars';
import { UserError, type SourcePosition } from '../errors.js';
import { FormatError } from '../formats/format-error.js';
import { mysqlOptionValue } from '../formats/mysql-option.js';
import { nginxValue } from '../formats/nginx.js';
import { propertiesValue } from '../formats/properties.js';
import { systemdEnvValue, systemdUnitValue } from '../formats/systemd.js';
import { oneLine } from '../formats/text.js';
import { describeValue } from '../inventory/describe-value.js';
import { BACKEND_NAME, ensureCa, serverCertificate } from '../pki/internal-ca.js';
import { stateDir } from '../pki/state-dir.js';
import { Secret, revealAll } from '../secrets.js';
import { TemplateCache, templateCacheFile } from './template-cache.js';

/** Variables a template sees. */
export type TemplateContext = Record<string, unknown>;

/** The helpers that write a value in the form of a file format: every value a shipped template writes goes through one. */
export const FORMAT_HELPERS = ['json', 'mysql_option', 'systemd_env', 'systemd_value', 'nginx', 'properties', 'one_line'];

// The runtime only: templates come precompiled from the cache, the compiler is loaded on a miss.
const hbs = (createRequire(import.meta.url)('handlebars/runtime') as typeof Handlebars).create();
hbs.registerHelper({
  eq: (a: unknown, b: unknown) => String(a) === String(b),
  ne: (a: unknown, b: unknown) => String(a) !== String(b),
  not: (a: unknown) => !a,
  and: (...args: unknown[]) => args.slice(0, -1).every(Boolean),
  or: (...args: unknown[]) => args.slice(0, -1).some(Boolean),
  join: (list: unknown, separator: unknown) => (Array.isArray(list) ? list.join(typeof separator === 'string' ? separator : ', ') : ''),
  // Values in the form their file's format needs (see README "Template helpers"); several values are joined first.
  json: (...args: unknown[]) => {
    const values = args.slice(0, -1);
    return JSON.stringify(values.length === 1 ? revealAll(values[0]) : values.map(String).join(''));
  },
  mysql_option: formatHelper('mysql_option', mysqlOptionValue),
  systemd_env: formatHelper('systemd_env', systemdEnvValue),
  systemd_value: formatHelper('systemd_value', systemdUnitValue),
  nginx: formatHelper('nginx', nginxValue),
  properties: formatHelper('properties', propertiesValue),
  one_line: formatHelper('one_line', oneLine),
  // Backend TLS material from the internal CA on the control node, made on first use.
  internal_ca_cert: () => ensureCa(stateDir()).certificate,
  internal_tls_cert: (options: Handlebars.HelperOptions) => hostCertificate(options).certificate,
  internal_tls_key: (options: Handlebars.HelperOptions) => hostCertificate(options).key.reveal(),
  internal_tls_name: () => BACKEND_NAME,
  // {{last_octet address}}: the last number of an IPv4 address (e.g. a stable MySQL server_id).
  last_octet: (address: unknown) => String(address).split('.').pop() ?? '',
  // {{addresses "app" exclude=inventory_hostname}}: comma-separated addresses of a group's hosts.
  addresses: (group: unknown, options: Handlebars.HelperOptions) => groupAddresses(options.data.root as TemplateContext, String(group), options.hash.exclude as string | undefined).join(','),
});

/**
 * A helper writing its arguments, joined, through a format's encoder. A value the format cannot
 * carry is an error at the helper's place in the template.
 */
function formatHelper(name: string, encode: (value: string) => string) {
  return (...args: unknown[]): string => {
    const options = args.pop() as Handlebars.HelperOptions & { loc?: { start: { line: number; column: number } } };
    // Like {{x}}: nothing for null and undefined.
    const value = args.map((a) => (a === null || a === undefined ? '' : String(a))).join('');
    try {
      return encode(value);
    } catch (err) {
      if (!(err instanceof FormatError)) throw err;
      const shown = args.some((a) => a instanceof Secret) ? 'a secret' : describeValue(value);
      throw Object.assign(new Error(`{{${name}}}: ${shown}: ${err.message}`), { lineNumber: options.loc?.start.line, column: options.loc?.start.column });
    }
  };
}

function hostCertificate(options: Handlebars.HelperOptions) {
  const root = options.data.root as TemplateContext;
  return serverCertificate(stateDir(), String(root.inventory_hostname), String(root.address ?? root.inventory_hostname));
}

/** Addresses of the hosts of `group` (from hostvars), in inventory order, without `exclude`. */
export function groupAddresses(context: TemplateContext, group: string, exclude?: string): string[] {
  const groups = (context.groups ?? {}) as Record<string, string[]>;
  const hostvars = (context.hostvars ?? {}) as Record<string, Record<string, unknown>>;
  return (groups[group] ?? []).filter((h) => h !== exclude).map((h) => String(hostvars[h]?.address ?? h));
}

const templates = new TemplateCache(hbs, () => templateCacheFile(stateDir()));

/** Keeps the templates compiled in this run for the next one. */
export function saveTemplateCache(): void {
  templates.save();
}

/**
 * Renders Handlebars text in strict mode (a missing variable is an error) without HTML escaping:
 * the output is configuration, not a web page. `where` is where the text starts (a template
 * file), or, with `inline`, the key whose value it is: errors then point at that key.
 */
export function renderText(text: string, context: TemplateContext, where: SourcePosition, hostName: string, inline = false): string {
  if (!text.includes('{{')) return text;
  try {
    return templates.get(text)(context);
  } catch (err) {
    // A variable that a template reads may fail to render itself: that error already says where.
    if (err instanceof UserError) throw err;
    throw templateError(err, where, hostName, inline);
  }
}

/** Turns a Handlebars exception into a UserError at the template's file:line:col. */
function templateError(err: unknown, where: SourcePosition, hostName: string, inline: boolean): UserError {
  const e = err as { message?: string; lineNumber?: number; column?: number };
  const message = e.message ?? String(err);
  const missing = /^"([^"]+)" not defined/.exec(message);
  const parse = /^Parse error on line (\d+):[\s\S]*\n(Expecting [\s\S]*)$/.exec(message);
  const line = e.lineNumber ?? (parse ? Number(parse[1]) : 1);
  const position: SourcePosition = inline ? where : {
    file: where.file,
    line: where.line + line - 1,
    col: line === 1 ? where.col + (e.column ?? 0) : (e.column ?? 0) + 1,
  };
  if (missing) return new UserError(`template variable '${missing[1]}' is not defined (rendering for host ${hostName}; define it in the inventory or the role's defaults.yaml)`, position);
  if (parse) return new UserError(`template syntax error: ${parse[2]!.replace(/\s+/g, ' ')}`, position);
  return new UserError(`template error: ${message} (rendering for host ${hostName})`, position);
}

const WHOLE_VARIABLE = /^\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}$/;

/** The variable a text is exactly (`{{app_archive}}` → app_archive), or undefined. */
export function wholeVariable(text: string): string | undefined {
  return WHOLE_VARIABLE.exec(text)?.[1];
}
const COLLECT = /^\{\{\s*collect\s+"([\w-]+)"\s*\}\}$/;

/**
 * Renders every string inside a declaration's value (errors point at `where`). A string that is exactly
 * one `{{variable}}` keeps the variable's own type (a list stays a list, a
 * Secret stays a Secret) so declarations can take non-string values.
 */
export function renderValue(value: unknown, context: TemplateContext, where: SourcePosition, hostName: string): unknown {
  if (typeof value === 'string') {
    const collected = COLLECT.exec(value);
    // The lists' items are variables' values, already rendered: never rendered twice.
    if (collected) return collectLists(context, collected[1]!);
    const whole = wholeVariable(value);
    if (whole !== undefined) {
      const resolved = lookup(context, whole);
      if (resolved !== undefined && typeof resolved !== 'string') return resolved;
    }
    return renderText(value, context, where, hostName, true);
  }
  if (Array.isArray(value)) return value.map((v) => renderValue(v, context, where, hostName));
  if (value !== null && typeof value === 'object' && !(value instanceof Secret)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderValue(v, context, where, hostName)]));
  }
  return value;
}

/**
 * Variables may refer to other variables (`tls_dir: "/etc/tls/{{domain}}"`): each variable's own
 * text is rendered once, with the variables it reads rendered first. What rendering produces is
 * never rendered again, so a value that holds `{{` (a secret, or a value a variable read) stays
 * as it is. A variable that needs itself is an error naming the cycle; errors point at the role's
 * defaults file and name the variable.
 */
export function resolveVariables(context: TemplateContext, role: { name: string; dir: string }, hostName: string): TemplateContext {
  const where: SourcePosition = { file: `${role.dir}/defaults.yaml`, line: 1, col: 1 };
  const resolved: TemplateContext = {};
  const resolving: string[] = [];
  const settle = (name: string, value: unknown): unknown => {
    Object.defineProperty(resolved, name, { value, enumerable: true, writable: true, configurable: true });
    return value;
  };
  const render = (name: string, value: unknown): unknown => {
    if (resolving.includes(name)) throw new UserError(`variable '${name}' refers to itself: ${[...resolving.slice(resolving.indexOf(name)), name].join(' → ')}`, where);
    resolving.push(name);
    try {
      return settle(name, renderValue(value, resolved, where, hostName));
    } catch (err) {
      if (err instanceof UserError && !err.message.startsWith('variable ')) throw new UserError(`variable '${name}': ${err.message}`, err.position);
      throw err;
    } finally {
      resolving.pop();
    }
  };
  for (const [name, value] of Object.entries(context)) {
    if (!mentionsTemplate(value) || name === 'hostvars' || name === 'groups') settle(name, value);
    // Rendered when first read (by another variable, or below), so the order of definition does not matter.
    else Object.defineProperty(resolved, name, { get: () => render(name, value), enumerable: true, configurable: true });
  }
  for (const name of Object.keys(resolved)) void resolved[name];
  return resolved;
}

function mentionsTemplate(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('{{');
  if (Array.isArray(value)) return value.some(mentionsTemplate);
  if (value !== null && typeof value === 'object' && !(value instanceof Secret)) return Object.values(value).some(mentionsTemplate);
  return false;
}

/**
 * `{{collect "firewall_allow_"}}`: the lists held by every variable whose name starts with
 * the prefix, joined in name order, so each role can add items (e.g. the ports it needs).
 */
function collectLists(context: TemplateContext, prefix: string): unknown[] {
  return Object.keys(context)
    .filter((k) => k.startsWith(prefix))
    .sort()
    .flatMap((k) => {
      const v = context[k];
      return Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
    });
}

function lookup(context: TemplateContext, path: string): unknown {
  let current: unknown = context;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** A `when:` value is false when it renders to empty, false, no, 0, null or undefined. */
export function isTruthy(rendered: unknown): boolean {
  if (typeof rendered === 'boolean') return rendered;
  if (rendered === null || rendered === undefined) return false;
  return !['', 'false', 'no', '0', 'null', 'undefined'].includes(String(rendered).trim().toLowerCase());
}
