/**
 * Numbers that variables cannot hold as Python holds them. Variables hold plain values, for roles and templates: an
 * integer beyond 2^53 as its digits (a JavaScript number would round it), a float as a plain number (so `2.0` is 2),
 * a number computed from a secret as a Secret (its text, masked). Beside such a value a NumberMark says where these
 * numbers are, at any depth of lists and mappings, so that Jinja2 gets them back as Python has them: the integer
 * exact, `2.0` a float, the secret number a number (`{{ (pin | int) + 1 }}` stored, then `{{ derived + 1 }}`). Pure.
 */
import { PythonFloat } from '../inventory/python-float.js';
import { Secret } from '../secrets.js';
import { PythonBigInt } from '../yaml/python-int.js';
import { derivedSecret } from './jinja-secrecy.js';
import { exactInteger, floatOf } from './python-numbers.js';
import { isMapping, pythonText, SecretNumber } from './python-values.js';

/** Marks a Secret whose text is a number's (Python's int or float text). */
class SecretNumberMark {}
/** The mark of a variable that holds a secret number (as a Secret of its text). */
export const SECRET_NUMBER = new SecretNumberMark();

/** Where a value holds such numbers: the number itself, else the list items (by index) and mapping keys that do. */
export type NumberMark = PythonBigInt | PythonFloat | SecretNumberMark | { readonly [keyOrIndex: string]: NumberMark };

/**
 * The NumberMark of a value as Ansible prints it (PythonBigInt, PythonFloat) or as Jinja2 computed it (a bigint, a
 * PythonFloat, a SecretNumber), at any depth of lists and mappings; undefined for none.
 */
export function numberMarkOf(value: unknown): NumberMark | undefined {
  if (value instanceof PythonBigInt || value instanceof PythonFloat) return value;
  if (typeof value === 'bigint') return new PythonBigInt(String(value));
  if (value instanceof SecretNumber) return SECRET_NUMBER;
  if (!Array.isArray(value) && !isMapping(value)) return undefined;
  const marks = Object.entries(value).flatMap(([key, item]) => {
    const mark = numberMarkOf(item);
    return mark === undefined ? [] : [[key, mark] as const];
  });
  return marks.length > 0 ? Object.fromEntries(marks) : undefined;
}

/** A value Jinja2 computed, as variables hold it (see above), at any depth of lists and mappings. */
export function heldByVariables(value: unknown): unknown {
  if (typeof value === 'bigint') return String(value);
  if (value instanceof PythonFloat) return value.value;
  if (value instanceof SecretNumber) return derivedSecret(pythonText(value.value));
  if (Array.isArray(value)) return value.map(heldByVariables);
  if (isMapping(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, heldByVariables(v)]));
  return value;
}

/** A variable's value for Jinja2: where `mark` says, its numbers as Python has them. Only the marked places are visited. */
export function withPythonNumbers(value: unknown, mark: NumberMark | undefined): unknown {
  if (mark === undefined) return value;
  // Its digits may be sealed as the very text of a known secret (see sealedIfSecret): still the number, a secret one.
  if (mark instanceof PythonBigInt) return value === mark.digits ? BigInt(mark.digits) : value instanceof Secret && value.reveal() === mark.digits ? new SecretNumber(BigInt(mark.digits)) : value;
  if (mark instanceof PythonFloat) return typeof value === 'number' ? new PythonFloat(value) : value;
  if (mark instanceof SecretNumberMark) return value instanceof Secret ? new SecretNumber(secretNumber(value.reveal())) : value;
  if (Array.isArray(value)) return value.map((item, i) => withPythonNumbers(item, mark[i]));
  if (!isMapping(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, Object.hasOwn(mark, key) ? withPythonNumbers(item, mark[key]) : item]));
}

/** The number whose Python text a secret holds: an int's digits, else a float's (`2.0`, `1e+16`, `inf`). */
function secretNumber(text: string): number | bigint | PythonFloat {
  return /^-?\d+$/.test(text) ? exactInteger(BigInt(text)) : new PythonFloat(floatOf(text) ?? NaN);
}
