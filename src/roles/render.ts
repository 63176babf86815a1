import { createRequire } from 'node:module';
import type Handlebars from 'handlebars';
import { UserError, type SourcePosition } from '../errors.js';
import { BACKEND_NAME, ensureCa, serverCertificate } from '../pki/internal-ca.js';
import { stateDir } from '../pki/state-dir.js';
import { Secret } from '../secrets.js';
import { TemplateCache, templateCacheFile } from './template-cache.js';

/** Variables a template sees. */
export type TemplateContext = Record<string, unknown>;

// The runtime only: templates come precompiled from the cache, the compiler is loaded on a miss.
const hbs = (createRequire(import.meta.url)('handlebars/runtime') as typeof Handlebars).create();
hbs.registerHelper({
  eq: (a: unknown, b: unknown) => String(a) === String(b),
  ne: (a: unknown, b: unknown) => String(a) !== String(b),
  not: (a: unknown) => !a,
  and: (...args: unknown[]) => args.slice(0, -1).every(Boolean),
  or: (...args: unknown[]) => args.slice(0, -1).some(Boolean),
  join: (list: unknown, separator: unknown) => (Array.isArray(list) ? list.join(typeof separator === 'string' ? separator : ', ') : ''),
  json: (value: unknown) => JSON.stringify(value),
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
  return new UserError(`template error: ${message}`, position);
}

const WHOLE_VARIABLE = /^\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}$/;
const COLLECT = /^\{\{\s*collect\s+"([\w-]+)"\s*\}\}$/;

/**
 * Renders every string inside a declaration's value (errors point at `where`). A string that is exactly
 * one `{{variable}}` keeps the variable's own type (a list stays a list, a
 * Secret stays a Secret) so declarations can take non-string values.
 */
export function renderValue(value: unknown, context: TemplateContext, where: SourcePosition, hostName: string): unknown {
  if (typeof value === 'string') {
    const collected = COLLECT.exec(value);
    if (collected) return collectLists(context, collected[1]!).map((item) => renderValue(item, context, where, hostName));
    const whole = WHOLE_VARIABLE.exec(value);
    if (whole) {
      const resolved = lookup(context, whole[1]!);
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
 * Variables may refer to other variables (`tls_dir: "/etc/tls/{{domain}}"`): renders
 * every variable against the others until nothing changes (at most 5 rounds, so a
 * cycle ends). Errors point at the role's defaults file and name the variable.
 */
export function resolveVariables(context: TemplateContext, role: { name: string; dir: string }, hostName: string): TemplateContext {
  const where: SourcePosition = { file: `${role.dir}/defaults.yaml`, line: 1, col: 1 };
  let current = context;
  for (let round = 0; round < 5; round++) {
    let changed = false;
    const next: TemplateContext = { ...current };
    for (const [name, value] of Object.entries(current)) {
      if (!mentionsTemplate(value) || name === 'hostvars' || name === 'groups') continue;
      let rendered: unknown;
      try {
        rendered = renderValue(value, current, where, hostName);
      } catch (err) {
        if (err instanceof UserError) throw new UserError(`variable '${name}': ${err.message}`, err.position);
        throw err;
      }
      if (JSON.stringify(rendered) !== JSON.stringify(value)) {
        next[name] = rendered;
        changed = true;
      }
    }
    current = next;
    if (!changed) break;
  }
  return current;
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
