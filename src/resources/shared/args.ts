import { Secret, secretAsInteger } from '../../secrets.js';
import { closest } from '../../suggest.js';
import { ArgError } from '../types.js';

/** Declaration arguments after template rendering. */
export type Args = Record<string, unknown>;

/** Rejects keys that the resource type does not know, suggesting the closest one. */
export function onlyKeys(args: Args, known: readonly string[]): void {
  for (const key of Object.keys(args)) {
    if (!known.includes(key)) {
      const hint = closest(key, known);
      throw new ArgError(key, `unknown key '${key}'${hint ? `; did you mean '${hint}'?` : ''} (expected one of: ${known.join(', ')})`);
    }
  }
}

/** A required non-empty string. */
export function requiredString(args: Args, key: string): string {
  const v = args[key];
  if (v === undefined || v === null) throw new ArgError(key, `'${key}' is required`);
  return stringValue(key, v);
}

/** An optional string (numbers are accepted and turned into strings). */
export function optionalString(args: Args, key: string): string | undefined {
  const v = args[key];
  if (v === undefined || v === null) return undefined;
  return stringValue(key, v);
}

/**
 * A declaration's string. Every string read here may reach a path or a shell
 * word, where a NUL byte cannot pass (a shell or the kernel would cut the value
 * there: "/usr/l\0ib" would become "/usr/l"), so it is refused; only file
 * content (requiredText) may hold one.
 */
function stringValue(key: string, v: unknown, nul = false): string {
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string' && !(typeof v === 'object' && v !== null && 'reveal' in v)) {
    throw new ArgError(key, `'${key}' must be a string, got ${describe(v)}`);
  }
  const s = String(v);
  if (s === '') throw new ArgError(key, `'${key}' must not be empty`);
  if (!nul && s.includes('\0')) throw new ArgError(key, `'${key}' holds a NUL byte (\\0), which no path or shell word can carry`);
  return s;
}

/** An optional boolean, with a default. */
export function optionalBoolean(args: Args, key: string, fallback: boolean): boolean {
  return booleanOrUndefined(args, key) ?? fallback;
}

/** An optional boolean without a default: undefined when the key is not set ("leave it alone"). */
export function booleanOrUndefined(args: Args, key: string): boolean | undefined {
  const v = args[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'yes') return true;
  if (v === 'false' || v === 'no') return false;
  throw new ArgError(key, `'${key}' must be true or false, got ${describe(v)}`);
}

/** One of a fixed set of strings, with a default. */
export function oneOf<T extends string>(args: Args, key: string, allowed: readonly T[], fallback: T): T {
  return oneOfOrUndefined(args, key, allowed) ?? fallback;
}

/** One of a fixed set of strings, or undefined when the key is not set. */
export function oneOfOrUndefined<T extends string>(args: Args, key: string, allowed: readonly T[]): T | undefined {
  const v = args[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  const hint = typeof v === 'string' ? closest(v, allowed) : undefined;
  throw new ArgError(key, `'${key}' must be one of ${allowed.join(', ')}, got ${describe(v)}${hint ? `; did you mean '${hint}'?` : ''}`);
}

/** A string or a list of strings, as a list. */
export function stringList(args: Args, key: string, required: boolean): string[] {
  const v = args[key];
  if (v === undefined || v === null) {
    if (required) throw new ArgError(key, `'${key}' is required`);
    return [];
  }
  const list = Array.isArray(v) ? v : [v];
  return list.map((item) => stringValue(key, item));
}

/** An octal file mode like "0644" or 644 (YAML may read it as a number), normalised to four digits. */
export function optionalMode(args: Args, key: string): string | undefined {
  const v = args[key];
  if (v === undefined || v === null) return undefined;
  const s = String(v);
  if (!/^[0-7]{3,4}$/.test(s)) throw new ArgError(key, `'${key}' must be an octal mode like "0644", got ${describe(v)}`);
  return s.padStart(4, '0');
}

/** An absolute path. */
export function absolutePath(args: Args, key: string): string {
  const p = requiredString(args, key);
  if (!p.startsWith('/')) throw new ArgError(key, `'${key}' must be an absolute path, got '${p}'`);
  return p;
}

/** Short description of a value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v instanceof Secret) return 'a secret';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** An optional non-negative integer (YAML number or a string of digits), e.g. a uid or a number of seconds. */
export function optionalInteger(args: Args, key: string): number | undefined {
  const v = secretAsInteger(args[key]);
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^[0-9]+$/.test(v) && Number.isSafeInteger(Number(v))) return Number(v);
  // The value as given: a secret's integer is described as the secret, never as its number.
  throw new ArgError(key, `'${key}' must be a non-negative integer, got ${describe(args[key])}`);
}

/** Checks that a string value has the shape `pattern` (anchored), naming what was expected in the error. */
export function matching(key: string, value: string, pattern: RegExp, expected: string): string {
  if (!pattern.test(value)) throw new ArgError(key, `'${key}' must be ${expected}, got '${value}'`);
  return value;
}

/** A required string that may be empty (file content); a secret gives its real value. */
export function requiredText(args: Args, key: string): string {
  const v = args[key];
  if (v === undefined || v === null) throw new ArgError(key, `'${key}' is required`);
  if (v === '') return v;
  return stringValue(key, v, true);
}
