import type Handlebars from 'handlebars';
// A static import, so the bundle carries the runtime in its own chunk: required from node_modules, its 17 CommonJS files were each found, read and compiled on every run.
import * as handlebarsRuntime from 'handlebars/runtime';
import { UserError, type SourcePosition } from '../errors.js';
import { FormatError } from '../formats/format-error.js';
import { hostPort } from '../formats/host-port.js';
import { mysqlOptionValue } from '../formats/mysql-option.js';
import { nginxValue } from '../formats/nginx.js';
import { propertiesValue } from '../formats/properties.js';
import { systemdEnvValue, systemdUnitValue, systemdExecValue } from '../formats/systemd.js';
import { oneLine } from '../formats/text.js';
import { describeValue } from '../inventory/describe-value.js';
import { BACKEND_NAME } from '../pki/internal-ca.js';
import { controlStateDir } from '../control/state-dir.js';
import { Secret, revealAll, sealedIfSecret } from '../secrets.js';
import { stableId } from './stable-id.js';
import { TemplateCache, templateCacheFile } from './template-cache.js';
import { DeferredValue } from '../inventory/deferred.js';
import type { LiteralMark } from '../inventory/types.js';
import { isJinja, JinjaError, renderJinja, type Lookup } from '../template/jinja.js';
import { type NumberMark, withPythonNumbers } from '../template/number-marks.js';
import { sealedKnownSecrets } from '../template/jinja-secrecy.js';
import { JINJA_ITEM } from '../template/python-values.js';
import { lazyContext, type LazyContext } from '../template/lazy-context.js';
import { quote, words } from '../shell/quote.js';
import { checkValuePlaces, INTEGER_MARK, LIST_MARK, quoteShellTemplate, SHELL_INTEGER_HELPER, SHELL_QUOTE_HELPER, shellInteger, ShellTemplateError, VALUE_MARK } from './shell-text.js';

/** Variables a template sees. */
export type TemplateContext = Record<string, unknown>;

/** The helpers that write a value in the form of a file format: every value a shipped template writes goes through one. */
export const FORMAT_HELPERS = ['json', 'mysql_option', 'systemd_env', 'systemd_value', 'systemd_exec', 'nginx', 'properties', 'one_line'];

// The runtime only: templates come precompiled from the cache, the compiler is loaded on a miss.
// The package is CommonJS: its exports are the namespace's default (its types declare none).
const hbs = (handlebarsRuntime as unknown as { default: typeof Handlebars }).default.create();
hbs.registerHelper({
  eq: (a: unknown, b: unknown) => String(a) === String(b),
  ne: (a: unknown, b: unknown) => String(a) !== String(b),
  not: (a: unknown) => !a,
  and: (...args: unknown[]) => args.slice(0, -1).every(Boolean),
  or: (...args: unknown[]) => args.slice(0, -1).some(Boolean),
  join: (list: unknown, separator: unknown) => (Array.isArray(list) ? list.join(typeof separator === 'string' ? separator : ', ') : ''),
  // Values in the form their file's format needs (see README "Template helpers"); several values are joined first.
  json: (...args: unknown[]) => (args.length === 2 ? JSON.stringify(revealAll(args[0])) : joinedJson(...args)),
  mysql_option: formatHelper('mysql_option', mysqlOptionValue),
  systemd_env: formatHelper('systemd_env', systemdEnvValue),
  systemd_value: formatHelper('systemd_value', systemdUnitValue),
  systemd_exec: formatHelper('systemd_exec', systemdExecValue),
  nginx: formatHelper('nginx', nginxValue),
  properties: formatHelper('properties', propertiesValue),
  one_line: formatHelper('one_line', oneLine),
  // The name every backend certificate of the internal CA carries (the material itself: the internal_tls resource type).
  internal_tls_name: () => BACKEND_NAME,
  // {{stable_id inventory_hostname}}: a number from 1 to 4294967295 the text always gives (a MySQL server_id).
  stable_id: (text: unknown) => String(stableId(String(text))),
  // {{host_port address port}}: address:port, an IPv6 address in brackets ([2001:db8::11]:80).
  host_port: (address: unknown, port: unknown, options: Handlebars.HelperOptions) => {
    try {
      return hostPort(String(address), String(port));
    } catch (err) {
      if (!(err instanceof FormatError)) throw err;
      throw Object.assign(new Error(`{{host_port}}: ${err.message}`), { lineNumber: (options as { loc?: { start: { line: number } } }).loc?.start.line });
    }
  },
  // {{addresses "app" exclude=inventory_hostname}}: comma-separated addresses of a group's hosts.
  addresses: (group: unknown, options: Handlebars.HelperOptions) => groupAddresses(options.data.root as TemplateContext, String(group), options.hash.exclude as string | undefined).join(','),
  // What every {{value}} of role shell text becomes (see shell-text.ts): one quoted word; a list, one word per item.
  [SHELL_QUOTE_HELPER]: (value: unknown, ...rest: unknown[]): string => {
    shellValueDefined(value, rest);
    if (markingValues) return Array.isArray(value) ? LIST_MARK : VALUE_MARK;
    return Array.isArray(value) ? words(value.map(shellValueText)) : quote(shellValueText(value));
  },
  // What a {{value}} of role shell text with arithmetic becomes (see shell-text.ts): an integer, or an error.
  [SHELL_INTEGER_HELPER]: (value: unknown, ...rest: unknown[]): string => {
    shellValueDefined(value, rest);
    if (markingValues) return INTEGER_MARK;
    const options = rest[rest.length - 1] as Handlebars.HelperOptions;
    const name = typeof rest[0] === 'string' ? rest[0] : undefined;
    return shellInteger(Array.isArray(value) ? value.map(shellValueText).join(' ') : shellValueText(value), name, String(options.hash.place));
  },
});

/** As strict mode says it for {{name}}: a shell text helper's variable is named after its value. */
function shellValueDefined(value: unknown, rest: readonly unknown[]): void {
  if (value === undefined && typeof rest[0] === 'string') throw new Error(`"${rest[0]}" not defined in shell text`);
}

/** A value of shell text as text: a secret revealed, null and undefined empty; a mapping (or a list in a list) has no one word. */
function shellValueText(value: unknown): string {
  if (value instanceof Secret) return value.reveal();
  if (value === null || value === undefined) return '';
  // String() would write "[object Object]" or "a,b".
  if (typeof value === 'object') throw new Error(`${describeValue(value)} in shell text: expected a string, number or boolean, or a list of them (one word each)`);
  return String(value);
}

/**
 * A helper writing its arguments, joined, through a format's encoder. A value the format cannot
 * carry is an error at the helper's place in the template.
 */
function formatHelper(name: string, encode: (value: string) => string) {
  return (...args: unknown[]): string => {
    const options = args.pop() as Handlebars.HelperOptions & { loc?: { start: { line: number; column: number } } };
    const fail = (shown: string, message: string) =>
      Object.assign(new Error(`{{${name}}}: ${shown}: ${message}`), { lineNumber: options.loc?.start.line, column: options.loc?.start.column });
    // A list or mapping has no one text form ("a,b", "[object Object]"): only `json` writes those.
    const structured = args.find((a) => a !== null && typeof a === 'object' && !(a instanceof Secret));
    if (structured !== undefined) throw fail(describeValue(structured), 'expected a string, number or boolean (only {{json}} writes lists and mappings)');
    // Like {{x}}: nothing for null and undefined.
    const value = args.map((a) => (a === null || a === undefined ? '' : String(a))).join('');
    try {
      return encode(value);
    } catch (err) {
      if (!(err instanceof FormatError)) throw err;
      const shown = args.some((a) => a instanceof Secret) ? 'a secret' : describeValue(value);
      throw fail(shown, err.message);
    }
  };
}

// Several values: joined as text first, like the other helpers.
const joinedJson = formatHelper('json', (text) => JSON.stringify(text));

/** Addresses of the hosts of `group` (from hostvars), in inventory order, without `exclude`. */
export function groupAddresses(context: TemplateContext, group: string, exclude?: string): string[] {
  const groups = (context.groups ?? {}) as Record<string, string[]>;
  const hostvars = (context.hostvars ?? {}) as Record<string, Record<string, unknown>>;
  return (groups[group] ?? []).filter((h) => h !== exclude).map((h) => String(hostvars[h]?.address ?? h));
}

const templates = new TemplateCache(hbs, () => templateCacheFile(controlStateDir()));

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
  return renderWith(true, text, context, where, hostName, inline);
}

/** renderText; `plain`: a text of plain variables may skip Handlebars (never for shell text, whose safety is Handlebars' reading of it). */
function renderWith(plain: boolean, text: string, context: TemplateContext, where: SourcePosition, hostName: string, inline: boolean): string {
  if (!text.includes('{{')) return text;
  try {
    const variables = plain ? plainTextOf(text) : null;
    return (variables ? renderPlain(variables, context) : undefined) ?? templates.get(text)(context);
  } catch (err) {
    // A variable that a template reads may fail to render itself: that error already says where.
    if (err instanceof UserError) throw err;
    throw templateError(err, text, where, hostName, inline);
  }
}

/** A text whose every mustache is a variable (`{{name}}`, `{{a.b}}`): the text around them and their paths. */
interface PlainText {
  literals: string[];
  paths: string[][];
}

const PLAIN_MUSTACHE = /\{\{\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*\}\}/g;
// Names Handlebars reads as no variable (literals, `this`), or as no mustache at all ({{else}}, {{else.x}}), at any place of a path.
const NOT_VARIABLES = new Set(['this', 'true', 'false', 'null', 'undefined', 'else']);
const plainTexts = new Map<string, PlainText | null>();

/** The text as a PlainText, or null when Handlebars may read any of it otherwise (a helper, a block, an escape, a triple mustache). */
function plainTextOf(text: string): PlainText | null {
  let plain = plainTexts.get(text);
  if (plain === undefined) {
    const literals: string[] = [];
    const paths: string[][] = [];
    let last = 0;
    for (const m of text.matchAll(PLAIN_MUSTACHE)) {
      literals.push(text.slice(last, m.index));
      paths.push(m[1]!.split('.'));
      last = m.index + m[0].length;
    }
    literals.push(text.slice(last));
    const other = /\\\{\{|\{\{\{|\}\}\}/.test(text) || literals.some((l) => l.includes('{{')) || paths.some((path) => path.some((part) => NOT_VARIABLES.has(part)) || path[0]! in hbs.helpers);
    plain = other ? null : { literals, paths };
    plainTexts.set(text, plain);
  }
  return plain;
}

/**
 * A PlainText rendered as its Handlebars template renders it, without running one: each of the many such role texts
 * would be compiled and set up for every render. Strict and without escaping, a template joins its parts with `+`
 * (null and undefined empty, no empty text between two values: {{a}}{{b}} of 1 and 2 is 3), then makes text of the
 * result. Undefined when a variable is not an own property of an object (Handlebars says why) or is a function.
 */
function renderPlain({ literals, paths }: PlainText, context: TemplateContext): string | undefined {
  const parts: unknown[] = literals[0] === '' ? [] : [literals[0]];
  for (let i = 0; i < paths.length; i++) {
    let value: unknown = context;
    for (const part of paths[i]!) {
      if (value === null || typeof value !== 'object' || part === 'constructor' || !Object.hasOwn(value, part)) return undefined;
      value = (value as Record<string, unknown>)[part];
    }
    if (typeof value === 'function') return undefined;
    parts.push(value ?? '');
    if (literals[i + 1] !== '') parts.push(literals[i + 1]);
  }
  // As Handlebars' own wrapper does: '' + value (valueOf first), not String(value).
  return '' + (parts.reduce((joined, part) => (joined as string) + (part as string)) as string);
}

// `{{name args}}` or `{{#name args}}`: Handlebars calls name as a helper.
const CALL = /\{\{~?[#^]?\s*([A-Za-z_][\w.-]*)\s+[^\s}~]/g;
// Helpers Handlebars registers for its own use, and the one every value of shell text goes through: not for operators.
const INTERNAL_HELPERS = new Set(['blockHelperMissing', 'helperMissing', SHELL_QUOTE_HELPER, SHELL_INTEGER_HELPER]);

/** Why Handlebars failed inside its runtime (`... .call is not a function`): a name called with arguments that is no helper. */
function unknownHelperCall(text: string): string | undefined {
  const name = [...text.matchAll(CALL)].map((m) => m[1]!).find((called) => !isHelper(called));
  if (name === undefined) return undefined;
  const helpers = Object.keys(hbs.helpers).filter((h) => !INTERNAL_HELPERS.has(h));
  return `{{${name} ...}} calls ${name}, which is no template helper (helpers: ${[...helpers, 'collect'].sort().join(', ')}); Jinja2 expressions ({{ a in b }}) are read in inventory values only`;
}

/** Turns a Handlebars exception into a UserError at the template's file:line:col. */
function templateError(err: unknown, text: string, where: SourcePosition, hostName: string, inline: boolean): UserError {
  const e = err as { message?: string; lineNumber?: number; column?: number };
  const notHelper = err instanceof TypeError ? unknownHelperCall(text) : undefined;
  const message = notHelper ?? e.message ?? String(err);
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

/** While set, shell_quote writes VALUE_MARK instead of a value: the rendered text's shape, checked before the real render. */
let markingValues = false;

/**
 * Renders role text that becomes shell: every `{{value}}` is quoted as shell
 * words (`{{{value}}}` is not: the opt-out). The template is rendered first
 * with each value as a mark and the marks' places checked in that output, so
 * what the template itself does to the text (`{{#if}}` dropping a line, `~`
 * joining lines, `\\{{` leaving a backslash) cannot move a value into a
 * here-document or a quote. Errors point at `where`, the key.
 */
export function renderShellText(text: string, context: TemplateContext, where: SourcePosition, hostName: string): string {
  if (!text.includes('{{')) return text;
  let quoted: string;
  try {
    quoted = onceByText(quotedShellTexts, text, (template) => quoteShellTemplate(template, (name) => name in hbs.helpers));
    markingValues = true;
    let shape: string;
    try {
      shape = renderWith(false, quoted, context, where, hostName, true);
    } finally {
      markingValues = false;
    }
    onceByText(checkedShapes, shape, checkValuePlaces);
  } catch (err) {
    if (err instanceof ShellTemplateError) throw new UserError(err.message, where);
    throw err;
  }
  return renderWith(false, quoted, context, where, hostName, true);
}

/** What quoteShellTemplate and checkValuePlaces made of a text (a refusal too): both depend on it alone (the helpers are fixed), and each host renders the same role texts. */
type Outcome<T> = { value: T } | { refused: ShellTemplateError };
const quotedShellTexts = new Map<string, Outcome<string>>();
const checkedShapes = new Map<string, Outcome<void>>();

/** `compute(text)`, computed the first time only: later calls return its value or throw its ShellTemplateError again. */
function onceByText<T>(outcomes: Map<string, Outcome<T>>, text: string, compute: (text: string) => T): T {
  let outcome = outcomes.get(text);
  if (outcome === undefined) {
    try {
      outcome = { value: compute(text) };
    } catch (err) {
      if (!(err instanceof ShellTemplateError)) throw err;
      outcome = { refused: err };
    }
    outcomes.set(text, outcome);
  }
  if ('refused' in outcome) throw outcome.refused;
  return outcome.value;
}

const WHOLE_VARIABLE = /^\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}$/;

/** The variable a text is exactly (`{{app_archive}}` → app_archive), or undefined. */
export function wholeVariable(text: string): string | undefined {
  return WHOLE_VARIABLE.exec(text)?.[1];
}
const COLLECT = /^\{\{\s*collect\s+"([\w-]+)"\s*\}\}$/;

/** Whether `{{name ...}}` calls a Handlebars helper: a registered one or `collect`. */
const isHelper = (name: string): boolean => Object.hasOwn(hbs.helpers, name) || name === 'collect';

/**
 * Renders every string inside a declaration's value (errors point at `where`). A string that is exactly
 * one `{{variable}}` keeps the variable's own type (a list stays a list, a
 * Secret stays a Secret) so declarations can take non-string values.
 */
export function renderValue(value: unknown, context: TemplateContext, where: SourcePosition, hostName: string, shell = false): unknown {
  // Shell text is always text, every value in it quoted.
  if (shell) return typeof value === 'string' ? renderShellText(value, context, where, hostName) : Array.isArray(value) ? value.map((v) => renderValue(v, context, where, hostName, true)) : value;
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

/** Where a variable's value comes from: the inventory (Jinja2 or Handlebars) or a role's defaults (Handlebars). */
export interface VariableSource {
  /** Its value as written (deferred values included). */
  value: unknown;
  /** Where it is written: errors about the value point there; where its value holds numbers variables cannot hold as Python does (see number-marks.ts). */
  origin: { path: string; position?: SourcePosition; numbers?: NumberMark };
  /** Inventory values may be Jinja2 (as Ansible's are); role defaults are provision's Handlebars. */
  jinja: boolean;
  /** Which of it is an Ansible `!unsafe` value, used as written and never rendered. */
  literal?: LiteralMark;
}

/**
 * The variables of one host as templates see them, each computed when first
 * read: a secret or vaulted value is read then, a template rendered then
 * (variables may refer to variables: `tls_dir: "/etc/tls/{{domain}}"`). An
 * unused variable is never looked at, so it may hold Jinja2 this tool does not
 * render or a vaulted value without its password. Errors name the variable and
 * point at the file that holds its value.
 */
export function hostContext(variables: ReadonlyMap<string, VariableSource>, fixed: Record<string, unknown>, hostName: string): LazyContext {
  // Where a variable computed by a Jinja2 template holds such numbers (`next: "{{ big + 1 }}"`, `half: "{{ n / 2 }}"`).
  const computed = new Map<string, NumberMark>();
  // A variable as Jinja2 reads it: its numbers as Python has them (see number-marks.ts), and what in it is the very text
  // of a known secret (a plain copy, a number written for one) that secret.
  const pythonValue = (context: LazyContext, ref: string): unknown => sealedKnownSecrets(withPythonNumbers(lookup(context, ref), computed.get(ref) ?? variables.get(ref)?.origin.numbers));
  const hostVars = lazyContext(
    [...variables].map(([name, source]) => [name, source] as const),
    (name, raw, context) => {
      const source = raw as VariableSource;
      const jinjaLookup = (ref: string): unknown => pythonValue(context, ref);
      try {
        return renderVariable(source, context, hostName, jinjaLookup, (mark) => computed.set(name, mark));
      } catch (err) {
        if (err instanceof JinjaError) throw new UserError(`${source.origin.path}: ${err.message} (rendering for host ${hostName})`, source.origin.position);
        if (err instanceof UserError && err.position === source.origin.position && !err.message.startsWith(source.origin.path)) {
          throw new UserError(`variable '${name}': ${err.message}`, err.position);
        }
        throw err;
      }
    },
    fixed,
    // A variable holding the very text of a known secret is that secret, on every host and through hostvars.
    sealedIfSecret,
  );
  // hostvars['this host'].x, read from another host's templates, gets the numbers as Python has them too.
  Object.defineProperty(hostVars, JINJA_ITEM, { value: (name: string) => pythonValue(hostVars, name) });
  return hostVars;
}

function renderVariable(source: VariableSource, context: TemplateContext, hostName: string, jinjaLookup: Lookup, onNumbers: (mark: NumberMark) => void): unknown {
  const where = source.origin.position ?? { file: source.origin.path, line: 1, col: 1 };
  const render = (value: unknown, literal: LiteralMark | undefined): unknown => {
    // A secret's value is never rendered: a `{{` in a password is part of the password.
    if (value instanceof DeferredValue) return value.resolve();
    if (typeof value === 'string') {
      if (!value.includes('{{') || literal === true) return value;
      const whole = value === source.value ? onNumbers : undefined;
      return source.jinja && isJinja(value, isHelper) ? renderJinja(value, jinjaLookup, whole) : renderValue(value, context, where, hostName);
    }
    const inner = (key: string | number): LiteralMark | undefined => (literal === true ? true : literal?.[key]);
    if (Array.isArray(value)) return value.map((item, i) => render(item, inner(i)));
    if (value !== null && typeof value === 'object' && !(value instanceof Secret)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, render(v, inner(k))]));
    return value;
  };
  return render(source.value, source.literal);
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
