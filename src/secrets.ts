import { inspect } from 'node:util';
import { mysqlOptionEscape } from './formats/mysql-option.js';
import { propertiesValue } from './formats/properties.js';
import { systemdEnvEscape } from './formats/systemd.js';
import { sqlString } from './resources/shared/mysql/sql.js';
import { quote } from './shell/quote.js';

/** What every secret value is replaced with in output. */
export const MASK = '********';

/**
 * The shortest secret provision accepts. A shorter value could not be masked
 * without masking ordinary words in the output, so it is refused where it is
 * read rather than shown.
 */
export const MIN_SECRET_LENGTH = 4;

/** Why `value` cannot be a secret, or undefined when it can; the message never holds the value. */
export function secretProblem(value: string): string | undefined {
  if (value.length < MIN_SECRET_LENGTH) {
    return `the secret is ${value.length === 0 ? 'empty' : `only ${value.length} character${value.length === 1 ? '' : 's'} long`}: secrets must have at least ${MIN_SECRET_LENGTH} characters, so that they can be masked in all output`;
  }
  return undefined;
}

/** Every form of a known secret that output may carry, longest first (so a longer form is masked whole). */
const knownForms = new Set<string>();
let sortedForms: string[] = [];
/** Every secret value as registered, for asking whether a text is one exactly. */
const knownValues = new Set<string>();

/**
 * A secret value (password, access key, private key). It renders to its real
 * value only where a template or script needs it; everywhere it is printed,
 * serialised or inspected it shows as MASK. Every secret is also registered
 * with the redactor, in every encoding provision writes values in, so it is
 * masked in any text that reaches the user.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    // Sources check secretProblem first and report it where the secret is read; this throw is the backstop.
    registerSecret(value);
    this.#value = value;
  }

  /** The real value: only for templates and remote scripts sent over stdin. */
  reveal(): string {
    return this.#value;
  }

  /** Handlebars and string concatenation use this: the real value. */
  toString(): string {
    return this.#value;
  }

  toJSON(): string {
    return MASK;
  }

  [inspect.custom](): string {
    return MASK;
  }
}

/**
 * A secret whose text is a canonical integer (`2222`, `-5`, no sign or zero in front), as that number, for a consumer
 * that needs an integer (a port computed from a secret): the secret stays registered, so the number is still masked in
 * output. Any other value as it is.
 */
export function secretAsInteger(value: unknown): unknown {
  if (!(value instanceof Secret)) return value;
  const text = value.reveal();
  return /^(?:0|-?[1-9][0-9]*)$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : value;
}

/** `value` with every Secret inside it (at any depth of lists and mappings) replaced by its real value, for encoders such as JSON. */
export function revealAll(value: unknown): unknown {
  if (value instanceof Secret) return value.reveal();
  if (Array.isArray(value)) return value.map(revealAll);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealAll(v)]));
  return value;
}

/**
 * The forms of `value` that text provision produces may hold: as is, inside a
 * JSON string, inside single quotes in sh, inside an SQL literal, inside a
 * quoted MySQL option-file or systemd environment-file value, as a .properties
 * value, with systemd's `%%`, URL-encoded, and base64 (see base64Forms); JSON twice over too;
 * each line of a multi-line secret on its own (see lineForms); and each of these shell-quoted.
 */
export function secretForms(value: string): string[] {
  const inner = (quoted: string): string => (quoted.startsWith("'") || quoted.startsWith('"') ? quoted.slice(1, -1) : quoted);
  const json = inner(JSON.stringify(value));
  const forms = [
    value,
    json,
    // A JSON document quoted in another one: a JSON file's diff in the --json report.
    inner(JSON.stringify(json)),
    inner(sqlString(value)),
    propertiesValue(value),
    value.replace(/%/g, '%%'),
    mysqlOptionEscape(value),
    systemdEnvEscape(value),
    // A value in a URL (a query parameter, a webhook URL's path).
    encodeURIComponent(value),
    ...base64Forms(value),
    ...lineForms(value),
  ];
  // Each form shell-quoted too: role shell text quotes what a format helper wrote ({{properties token}}), and
  // plan shows a command's text. The shell quoting builder refuses a NUL byte, so a secret holding one never reaches it.
  const quoted = value.includes('\0') ? [] : forms.map((form) => inner(quote(form)));
  return [...new Set([...forms, ...quoted])];
}

/** The shortest line of a multi-line secret that is masked on its own. */
const MIN_LINE_LENGTH = 8;

/**
 * Each line of a multi-line secret (a private key), trimmed: output may carry
 * its lines apart, indented in a YAML block or each on a diff line of its own.
 * Lines shorter than MIN_LINE_LENGTH are left to the whole secret's forms.
 */
function lineForms(value: string): string[] {
  if (!/[\r\n]/.test(value)) return [];
  return value
    .split(/\r?\n|\r/)
    .map((line) => line.trim())
    .filter((line) => line.length >= MIN_LINE_LENGTH);
}

/**
 * base64 of the secret wherever it starts in the encoded stream: for each of
 * the three byte offsets, the run of base64 characters that depend on the
 * secret's bytes alone, plus the whole standalone encoding with its padding.
 */
export function base64Forms(value: string): string[] {
  const bytes = Buffer.from(value);
  const forms = [bytes.toString('base64')];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes, Buffer.alloc(2)]).toString('base64');
    // Character i encodes bits [6i, 6i+6) of the stream; keep those inside the secret's bits.
    const core = encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6));
    if (core.length >= MIN_SECRET_LENGTH) forms.push(core);
  }
  return forms;
}

/** A value's text as a secret holds it: a Secret's value, a number's digits, a string as it is; undefined for anything else (a list, a mapping, null). */
export function secretTextOf(value: unknown): string | undefined {
  if (value instanceof Secret) return value.reveal();
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return typeof value === 'string' ? value : undefined;
}

/** Remembers a value that must never be shown, in all its forms. */
export function registerSecret(value: string): void {
  const problem = secretProblem(value);
  if (problem !== undefined) throw new Error(problem);
  if (knownValues.has(value)) return;
  knownValues.add(value);
  let added = false;
  for (const form of secretForms(value)) {
    if (!knownForms.has(form)) {
      knownForms.add(form);
      added = true;
    }
  }
  if (added) sortedForms = [...knownForms].sort((a, b) => b.length - a.length);
}

/** How many secret values are registered: a number that grows when one is added (a text checked before may now hold one). */
export function secretsCount(): number {
  return knownValues.size;
}

/** Whether text is exactly a registered secret value (a mapping key made from a secret, say). */
export function isSecretValue(text: string): boolean {
  return knownValues.has(text);
}

/**
 * `value` as a Secret when it is text identical to a registered secret's value (a variable holding the very text of
 * one, or the variable a secret is read from): what a template makes of it is then a secret too. Any other value as it is.
 */
export function sealedIfSecret(value: unknown): unknown {
  return typeof value === 'string' && knownValues.has(value) ? new Secret(value) : value;
}

/** Whether text holds a known secret value (in any of its forms). */
export function holdsSecretText(text: string): boolean {
  return sortedForms.some((form) => text.includes(form));
}

/** Replaces every known secret value, in any of its forms, in text with MASK. */
export function redact(text: string): string {
  let out = text;
  for (const form of sortedForms) {
    if (out.includes(form)) out = out.split(form).join(MASK);
  }
  return out;
}

/**
 * `text` with its secrets masked, then cut to at most `max` characters (ending
 * in `…`): masking first, so a cut never leaves the start of a secret that the
 * redactor would no longer recognise.
 */
export function shorten(text: string, max: number): string {
  const masked = redact(text);
  return masked.length <= max ? masked : `${masked.slice(0, max - 1)}…`;
}

/**
 * `value` with redact() applied to every string inside it (at any depth), for documents that are serialised afterwards;
 * a number, boolean or null whose JSON text holds a secret (secret `2222`, number 12222) becomes MASK, so masking the
 * serialised text afterwards finds nothing outside a string to break the document with.
 */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return (holdsSecretText(JSON.stringify(value)) ? MASK : value) as T;
  if (Array.isArray(value)) return value.map(redactDeep) as T;
  if (value !== null && typeof value === 'object' && !(value instanceof Secret)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [redact(k), redactDeep(v)])) as T;
  }
  return value;
}

/** `value` as JSON text with every secret masked, the document still valid JSON: masked before serialising, and after. */
export function maskedJson(value: unknown, space?: number): string {
  return redact(JSON.stringify(redactDeep(value), null, space));
}

/** Forgets all registered secrets (tests only). */
export function clearSecretsForTests(): void {
  knownForms.clear();
  knownValues.clear();
  sortedForms = [];
}
