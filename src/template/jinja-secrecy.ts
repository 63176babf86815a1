/**
 * Which values a Jinja2 expression makes from a secret are secrets too: text or a number computed from one (a part
 * of it, joined, serialized, `int` of it), or from a list or mapping that holds one at any depth, as a value or a key.
 * An item picked from a list keeps its own secrecy; a length, a truth or a comparison says nothing new. Pure.
 */
import { isSecretValue, Secret, secretProblem, secretsCount } from '../secrets.js';
import { JinjaError } from './jinja-error.js';
import { isMapping, isNumeric, plain, pythonText, SecretNumber, text, type Value } from './python-values.js';

// Filters whose result tells nothing of a secret's text (whether it is set, its length) or is one of their inputs as it is.
const REVEAL_NOTHING_NEW = new Set(['length', 'count', 'bool', 'default', 'd', 'mandatory', 'ternary']);
// Filters that, given a list or mapping, return its items as they are: each keeps its own secrecy.
const PICK_ITEMS = new Set(['first', 'last', 'list', 'unique', 'sort', 'reverse', 'min', 'max']);

/** Whether a value is a Secret or holds one at any depth of lists and mappings, as a value or in a key. */
export function holdsSecret(value: Value): boolean {
  if (value instanceof Secret || value instanceof SecretNumber) return true;
  if (Array.isArray(value)) return value.some(holdsSecret);
  return value !== null && typeof value === 'object' && Object.entries(value).some(([k, v]) => isSecretValue(k) || holdsSecret(v));
}

/**
 * A mapping's key as text. Keys are plain text, so one made from a secret is known by its text: registered as a
 * secret here (refused when too short to mask), it makes the mapping a secret container (see holdsSecret).
 */
export function secretKey(key: Value): string {
  const keyText = text(plain(key));
  if (holdsSecret(key)) derivedSecret(keyText);
  return keyText;
}

/**
 * What filter `name` made of `target` and `args`: when a secret went in (itself or inside a list or mapping), text
 * or a number that came out (a part of it, reversed, joined, serialized, its characters one by one, `int` of it) is a
 * secret too; its length or truth is not, and an item picked from a list or mapping is as secret as it was.
 */
export function filtered(name: string, target: Value, args: Value[], result: Value): Value {
  if (REVEAL_NOTHING_NEW.has(name)) return result;
  if (PICK_ITEMS.has(name) && !(target instanceof Secret) && !args.some(holdsSecret)) return result;
  return holdsSecret(target) || args.some(holdsSecret) ? fromSecret(result) : result;
}

/** What an operation made of a secret's value: text and numbers are secrets too (each item of a list of them). */
export function fromSecret(result: Value): Value {
  if (typeof result === 'string') return derivedSecret(result);
  if (isNumeric(result)) return new SecretNumber(result);
  return Array.isArray(result) ? result.map(fromSecret) : result;
}

/** Text made from a secret is a secret too; one too short to be masked in output is refused, as a secret read from a source is. */
export function derivedSecret(text: string): Secret {
  const problem = secretProblem(text);
  if (problem !== undefined) throw new JinjaError(`this expression makes a secret of its own: ${problem}`);
  return new Secret(text);
}

/**
 * `value` with each item that is a known secret's value sealed, at any depth of lists and mappings: text that is one a
 * Secret, a number whose Python text is one (`123456789`, `4321.0`, an int beyond 2^53) a SecretNumber, so that what
 * Jinja2 makes of it (`{{ pin + 1 }}`) is a secret too, as it is made of the secret itself. `value` itself when it holds none.
 */
export function sealedKnownSecrets(value: Value): Value {
  if (value instanceof Secret || value instanceof SecretNumber) return value;
  if (typeof value === 'string') return isSecretValue(value) ? new Secret(value) : value;
  if (isNumeric(value)) return isSecretValue(pythonText(value)) ? new SecretNumber(value) : value;
  if (!Array.isArray(value) && !isMapping(value)) return value;
  // A variable is read by each template using it: a list or mapping is walked again only when a secret was added since.
  const known = sealedLists.get(value);
  if (known !== undefined && known.secrets === secretsCount()) return known.sealed;
  const sealed = sealedItems(value);
  sealedLists.set(value, { secrets: secretsCount(), sealed });
  return sealed;
}

/** Lists and mappings sealedKnownSecrets walked, with what it made of them and how many secrets were known then. */
const sealedLists = new WeakMap<object, { secrets: number; sealed: Value }>();

/** A list's or mapping's items sealed (see sealedKnownSecrets); itself when none is a known secret. */
function sealedItems(value: unknown[] | Record<string, unknown>): Value {
  // A lazy context (hostvars) is not walked, which would compute every variable: each is sealed when read.
  if (!Array.isArray(value) && Object.values(Object.getOwnPropertyDescriptors(value)).some((descriptor) => descriptor.get !== undefined)) return value;
  const entries = Object.entries(value);
  const sealed = entries.map(([, item]) => sealedKnownSecrets(item));
  if (sealed.every((item, i) => item === entries[i]![1])) return value;
  return Array.isArray(value) ? sealed : Object.fromEntries(entries.map(([key], i) => [key, sealed[i]]));
}
