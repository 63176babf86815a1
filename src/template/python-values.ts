/**
 * Values while evaluating Jinja2, with Python's semantics in one place: how Python writes them (str, repr, JSON),
 * compares, orders and computes with them, iterates them and takes their truth; numbers as python-numbers.ts holds
 * them. A secret's value is compared and computed with by its real value. Pure.
 */
import { isSecretValue, Secret } from '../secrets.js';
import { PythonFloat } from '../inventory/python-float.js';
import { JinjaError } from './jinja-error.js';
import { exactInteger, floatText, numberArithmetic, pythonNumber, type HeldNumber, type PythonNumber } from './python-numbers.js';

/** Where a mapping may say how Jinja2 reads its items: a host's variables, their numbers as Python has them (hostvars). */
export const JINJA_ITEM = Symbol('jinjaItem');

/** The marker of an undefined value while evaluating (so `default` can replace it). */
export const UNDEFINED = Symbol('undefined');
export type Value = unknown;

/** A number computed from a secret's value while evaluating: the result is a secret (its text), as text made from one is. */
export class SecretNumber {
  constructor(readonly value: HeldNumber) {}
}

export const plain = (value: Value): Value => (value instanceof Secret ? value.reveal() : value instanceof SecretNumber ? value.value : value);
export const isNumeric = (v: Value): v is HeldNumber => typeof v !== 'boolean' && pythonNumber(v) !== undefined;
export const isInteger = (v: Value): v is number | bigint => typeof v === 'bigint' || Number.isSafeInteger(v);
/** A value as a number to compare by value: ints, floats and booleans (as 0 and 1); undefined for anything else. */
const asNumber = (v: Value): number | bigint | undefined => {
  const n = pythonNumber(v);
  return n instanceof PythonFloat ? n.value : n;
};
/** The most items and characters, at every depth, that `*` makes: more is a mistake (or hostile), not a value. */
const MAX_REPEATED = 1_000_000;

/** How Python's str() writes a value, as Jinja2 does in text. */
export function pythonText(value: Value): string {
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value === null || value === undefined) return 'None';
  if (value instanceof Secret || value instanceof SecretNumber) return pythonText(plain(value));
  const n = pythonNumber(value);
  if (n instanceof PythonFloat) return floatText(n.value);
  if (typeof value === 'object') return pythonRepr(value);
  return String(value);
}

export function pythonRepr(value: Value): string {
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  if (value instanceof Secret || value instanceof SecretNumber) return pythonRepr(plain(value));
  if (isMapping(value)) return `{${Object.entries(value).map(([k, v]) => `${pythonRepr(k)}: ${pythonRepr(v)}`).join(', ')}}`;
  return pythonText(value);
}

/**
 * How many items (of lists and mappings) and characters (of text and keys) `value` holds at every depth, counted up to
 * just beyond `budget`: a list repeated inside another (`[[1] * 1000000] * 1000`) is as large as it is written out.
 */
export function sizeWithin(value: Value, budget: number): number {
  const v = plain(value);
  if (typeof v === 'string') return v.length;
  const entries: Array<[string, Value]> = Array.isArray(v) ? v.map((item) => ['', item]) : isMapping(v) ? Object.entries(v) : [];
  let size = entries.length;
  for (const [key, item] of entries) {
    if (size > budget) break;
    size += key.length + sizeWithin(item, budget - size);
  }
  return size;
}

/**
 * Python's `a op b` (op one of + - * / // % **) on numbers (see numberArithmetic); text or a list times an int repeats
 * it. Anything else is refused, as Python refuses `'a' + 1` or `'5' - 1`.
 */
export function arithmetic(op: string, a: Value, b: Value): Value {
  const [x, y] = [pythonNumber(a), pythonNumber(b)];
  return x === undefined || y === undefined ? repeated(op, a, b) : numberArithmetic(op, x, y);
}

/** `v` as a Python number for `what` (unary -, abs(), round()); anything else is refused, as Python refuses it. */
export function numberOperand(v: Value, what: string): PythonNumber {
  const n = pythonNumber(v);
  if (n === undefined) throw new JinjaError(`bad operand type for ${what}: ${typeName(v)} (expected a number)`);
  return n;
}

/** Python's `-x`: a float's zero keeps its sign (`-0.0`). */
export function negated(v: Value): Value {
  const n = numberOperand(v, 'unary -');
  return n instanceof PythonFloat ? new PythonFloat(-n.value) : exactInteger(-n);
}

/** `'ab' * 2`, `[1] * 3`: text or a list repeated; any other operands are refused. */
function repeated(op: string, a: Value, b: Value): Value {
  const [sequence, times] = typeof a === 'string' || Array.isArray(a) ? [a, pythonNumber(b)] : [b, pythonNumber(a)];
  if (op === '*' && (typeof sequence === 'string' || Array.isArray(sequence)) && typeof times === 'bigint') {
    const count = Number(times);
    // Nothing repeated, or nothing to repeat, is empty (as in Python), however large the count: nothing built.
    if (count <= 0 || sequence.length === 0) return typeof sequence === 'string' ? '' : [];
    if (sizeWithin(sequence, MAX_REPEATED / count) * count > MAX_REPEATED) throw new JinjaError(`this * makes more than ${MAX_REPEATED} items and characters (counting those inside lists and mappings): expected at most ${MAX_REPEATED}`);
    return typeof sequence === 'string' ? sequence.repeat(count) : Array.from({ length: count }, () => sequence).flat();
  }
  const hint = op === '+' && (typeof a === 'string' || typeof b === 'string') ? ' (text joins only with text, as in Python: use ~ to join any values as text)' : ' (expected two numbers)';
  throw new JinjaError(`unsupported operand types for ${op}: ${typeName(a)} and ${typeName(b)}${hint}`);
}

export function typeName(v: Value): string {
  if (v === null || v === undefined || v === UNDEFINED) return 'None';
  if (typeof v === 'boolean') return 'a boolean';
  return isInteger(v) ? 'an integer' : isNumeric(v) ? 'a float' : typeof v === 'string' ? 'a string' : Array.isArray(v) ? 'a list' : 'a mapping';
}

/**
 * Python's order of `a` and `b` (negative, zero, positive) for `op`: numbers (booleans as 0 and 1) by value, text by
 * code point, lists item by item. Any other pair (text and a number, None) is refused, as Python 3 refuses it.
 */
export function pythonOrder(a: Value, b: Value, op: string): number {
  const [x, y] = [asNumber(a), asNumber(b)];
  if (x !== undefined && y !== undefined) return x < y ? -1 : x > y ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return codePointOrder(a, b);
  if (Array.isArray(a) && Array.isArray(b)) {
    const differs = a.findIndex((item, i) => i < b.length && !sameValue(plain(item), plain(b[i])));
    return differs >= 0 ? pythonOrder(plain(a[differs]), plain(b[differs]), op) : a.length - b.length;
  }
  throw new JinjaError(`'${op}' is not supported between ${typeName(a)} and ${typeName(b)}, as in Python`);
}

/** Python's order of text: by code point (JavaScript's `<` compares UTF-16 units). */
export function codePointOrder(a: string, b: string): number {
  const [x, y] = [[...a], [...b]];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** `a op b` for op one of < > <= >=, as Python compares (numbers directly, so NaN compares false both ways). */
export function compared(op: string, a: Value, b: Value): boolean {
  const [x, y] = [asNumber(a), asNumber(b)];
  if (x !== undefined && y !== undefined) return op === '<' ? x < y : op === '>' ? x > y : op === '<=' ? x <= y : x >= y;
  const order = pythonOrder(a, b, op);
  return op === '<' ? order < 0 : op === '>' ? order > 0 : op === '<=' ? order <= 0 : order >= 0;
}

/** `item[key]` as Jinja2 reads it (a list index may count from the end); UNDEFINED when there is none. */
export function itemOf(target: Value, key: Value): Value {
  const container = plain(target);
  if (!Array.isArray(container) && !isMapping(container)) return UNDEFINED;
  const k = plain(key);
  const read = isMapping(container) ? (container as { [JINJA_ITEM]?: (key: string) => unknown })[JINJA_ITEM] : undefined;
  if (read !== undefined) {
    const value = read(String(k));
    return value === undefined ? UNDEFINED : value;
  }
  // Own items only: a JavaScript property (`constructor`, `__proto__`, a list's `length`) is no Jinja2 item.
  if (Array.isArray(container)) {
    // `lst.0` reads item 0, as in Jinja2.
    const n = typeof k === 'string' && /^\d+$/.test(k) ? Number(k) : k;
    const index = typeof n === 'number' && Number.isInteger(n) ? (n < 0 ? container.length + n : n) : -1;
    return index >= 0 && index < container.length ? container[index] : UNDEFINED;
  }
  return Object.hasOwn(container, String(k)) ? container[String(k)] : UNDEFINED;
}

export const text = (value: Value): string => (typeof value === 'string' ? value : pythonText(value));
export const list = (value: Value): Value[] => {
  const v = plain(value);
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  // A key made from a secret stays a secret: secretKey registered it, so it is one exactly (a key merely holding a secret's text is not).
  if (isMapping(v)) return Object.keys(v).map((key) => (isSecretValue(key) ? new Secret(key) : key));
  throw new JinjaError(`expected a list, got ${typeName(v)}`);
};
export const truthy = (value: Value): boolean => {
  const v = plain(value);
  if (v === UNDEFINED || v === null || v === undefined || v === '') return false;
  const n = asNumber(v);
  if (n !== undefined) return n != 0;
  if (Array.isArray(v)) return v.length > 0;
  if (isMapping(v)) return Object.keys(v).length > 0;
  return true;
};

/** Python's ==, on real values (a secret inside a list or mapping compares by its value, not its mask). */
export function sameValue(left: Value, right: Value): boolean {
  const [a, b] = [plain(left), plain(right)];
  const [x, y] = [asNumber(a), asNumber(b)];
  // Numbers compare by value whatever their type, booleans as 0 and 1: 12345678901234567890 == 1.2345678901234567e19 and 1 == True, as in Python.
  if (x !== undefined && y !== undefined) return x == y;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  if (isMapping(a) && isMapping(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && sameValue(a[key], b[key]));
  }
  return a === b;
}

/** Whether a value is a mapping (an object that is no list, and no number or secret held as an object). */
export function isMapping(v: Value): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof PythonFloat) && !(v instanceof Secret) && !(v instanceof SecretNumber);
}
