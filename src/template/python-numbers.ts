/**
 * Python's numbers while evaluating Jinja2: int and float, computed as Python computes them. JavaScript has one number
 * type, so an int is held exactly (a number within a number's exact range, else a bigint) and a float as a
 * PythonFloat, which keeps `2.0` a float: `4 / 2` is `2.0`, `1 + 1.0` is `2.0`, `7 // 2` is `3`. A JavaScript number
 * that is no exact integer (a fraction, NaN, an infinity, one beyond 2^53) is a float too; booleans are ints, as in
 * Python. Pure.
 */
import { PythonFloat, pythonFloatText } from '../inventory/python-float.js';
import { JinjaError } from './jinja-error.js';

/** A Python number: an int as a bigint, a float as a PythonFloat. */
export type PythonNumber = bigint | PythonFloat;

/** A number as the evaluator holds it: an int exactly (see exactInteger), a float as a PythonFloat. */
export type HeldNumber = number | bigint | PythonFloat;

/** `value` as a Python number (booleans as the ints 0 and 1, as Python's bool is an int); undefined for anything else. */
export function pythonNumber(value: unknown): PythonNumber | undefined {
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : new PythonFloat(value);
  return value instanceof PythonFloat ? value : undefined;
}

const MIN_EXACT = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);
/** An integer as this evaluator holds it: a number within a number's exact range, else a bigint. */
export const exactInteger = (n: bigint): number | bigint => (n >= MIN_EXACT && n <= MAX_EXACT ? Number(n) : n);

/** Whether a value is a float (see pythonNumber). */
export const isFloat = (value: unknown): boolean => pythonNumber(value) instanceof PythonFloat;

/** Python's float(n): an int beyond a float's range is refused, as Python raises OverflowError. */
export function toFloat(n: PythonNumber): number {
  if (n instanceof PythonFloat) return n.value;
  const f = Number(n);
  if (!Number.isFinite(f)) throw new JinjaError('int too large to convert to float');
  return f;
}

/** How Python's str() writes a float: `2.0`, `0.1`, `1e+16`, `1e-05`, `inf`, `nan`. */
export function floatText(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  return pythonFloatText(n);
}

/** A number literal as Jinja2 reads it: `12`, `1_000`, `2.0`, `1e3` (a float). */
export function numberLiteral(text: string): HeldNumber {
  const digits = text.replace(/_/g, '');
  return /[.eE]/.test(digits) ? new PythonFloat(Number(digits)) : exactInteger(BigInt(digits));
}

/** Python's int(text) in base 10 (spaces around, a sign, `_` between digits); undefined when Python refuses it. */
function intFromText(text: string): bigint | undefined {
  const t = text.trim();
  return /^[-+]?\d(?:_?\d)*$/.test(t) ? BigInt(t.replace(/_/g, '')) : undefined;
}

/** Python's float(text) (`3`, ` 2.5 `, `1e3`, `.5`, `1_000.5`, `inf`, `-nan`); undefined when Python refuses it. */
function floatFromText(text: string): number | undefined {
  const t = text.trim();
  const special = /^([-+]?)(inf|infinity|nan)$/i.exec(t);
  if (special) return special[2]!.toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
  const digits = String.raw`\d(?:_?\d)*`;
  const decimal = new RegExp(String.raw`^[-+]?(?:${digits}(?:\.(?:${digits})?)?|\.${digits})(?:[eE][-+]?${digits})?$`);
  return decimal.test(t) ? Number(t.replace(/_/g, '')) : undefined;
}

/** Python's int(n): a float truncated toward zero; NaN and the infinities are refused, as Python refuses them. */
function truncated(n: PythonNumber): bigint {
  if (typeof n === 'bigint') return n;
  if (!Number.isFinite(n.value)) throw new JinjaError('cannot convert a float infinity or NaN to integer');
  return BigInt(Math.trunc(n.value));
}

/**
 * Jinja2's int filter: Python's int() of a number (a float truncated) or of text (digits, else a float's text
 * truncated: `'3.7'` is 3); undefined where Jinja2 gives the filter's default (`'abc'`, None, NaN).
 */
export function intOf(value: unknown): bigint | undefined {
  const n = typeof value === 'string' ? (intFromText(value) ?? floatOf(value)) : pythonNumber(value);
  if (n === undefined) return undefined;
  const number = typeof n === 'number' ? new PythonFloat(n) : n;
  return number instanceof PythonFloat && Number.isNaN(number.value) ? undefined : truncated(number);
}

/** Jinja2's float filter: Python's float() of a number or text; undefined where Jinja2 gives the filter's default. */
export function floatOf(value: unknown): number | undefined {
  if (typeof value === 'string') return floatFromText(value);
  const n = pythonNumber(value);
  return n === undefined ? undefined : toFloat(n);
}

/** The most bits an int computed by `**` is known to need: a larger one is a mistake (or hostile), not a value. */
const MAX_POWER_BITS = 1_000_000;

/**
 * Python's `x op y` for op one of + - * / // % **: exact on ints of any size; a float when either is a float, for `/`,
 * and for an int to a negative power. Division by zero is refused, as Python raises ZeroDivisionError.
 */
export function numberArithmetic(op: string, x: PythonNumber, y: PythonNumber): HeldNumber {
  const zero = typeof y === 'bigint' ? y === 0n : y.value === 0;
  if (zero && (op === '/' || op === '//' || op === '%')) throw new JinjaError('division or modulo by zero');
  if (typeof x === 'bigint' && typeof y === 'bigint' && op !== '/' && !(op === '**' && y < 0n)) return exactInteger(intArithmetic(op, x, y));
  // Python divides ints exactly, then rounds once (long_true_divide): 2 ** 60 + 1 over 3 is no quotient of two rounded floats.
  if (typeof x === 'bigint' && typeof y === 'bigint' && op === '/') return new PythonFloat(intQuotient(x, y));
  return new PythonFloat(floatArithmetic(op, toFloat(x), toFloat(y)));
}

function intArithmetic(op: string, m: bigint, n: bigint): bigint {
  switch (op) {
    case '+':
      return m + n;
    case '-':
      return m - n;
    case '*':
      return m * n;
    case '//':
      return floorDivision(m, n);
    case '%':
      // Python's % takes the sign of the divisor.
      return m - floorDivision(m, n) * n;
    case '**':
      if (m !== 0n && m !== 1n && m !== -1n) {
        // |m| ** n has at least this many bits and fewer than twice as many: 2 ** 999999 (1000000 bits) is made, 2 ** 1000000 is not.
        const fewestBits = BigInt((m < 0n ? -m : m).toString(2).length - 1) * n + 1n;
        if (fewestBits > BigInt(MAX_POWER_BITS)) throw new JinjaError(`this ** makes an integer of at least ${fewestBits} bits: expected at most ${MAX_POWER_BITS}`);
      }
      return m ** n;
    default:
      throw new JinjaError(`Jinja2 operator ${op} is not supported`);
  }
}

const floorDivision = (m: bigint, n: bigint): bigint => {
  const q = m / n;
  return m % n !== 0n && m < 0n !== n < 0n ? q - 1n : q;
};

function floatArithmetic(op: string, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '//':
      return floatDivMod(a, b)[0];
    case '%':
      return floatDivMod(a, b)[1];
    case '**':
      return floatPower(a, b);
    default:
      throw new JinjaError(`Jinja2 operator ${op} is not supported`);
  }
}

/** Python's divmod of floats (CPython's float_divmod): the remainder takes the divisor's sign, zeros keep theirs. */
function floatDivMod(a: number, b: number): [number, number] {
  let mod = a % b;
  let div = (a - mod) / b;
  if (mod !== 0) {
    if (b < 0 !== mod < 0) {
      mod += b;
      div -= 1;
    }
  } else {
    mod = b < 0 ? -0 : 0;
  }
  if (div === 0) return [Object.is(a / b, -0) || a / b < 0 ? -0 : 0, mod];
  const floor = Math.floor(div);
  return [div - floor > 0.5 ? floor + 1 : floor, mod];
}

/** Python's `a ** b` of floats (CPython's float_pow), a complex result and an overflow refused as Python does. */
function floatPower(a: number, b: number): number {
  if (b === 0 || a === 1) return 1;
  if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
  if (!Number.isFinite(b)) return Math.abs(a) === 1 ? 1 : Math.abs(a) > 1 === b > 0 ? Infinity : 0;
  if (!Number.isFinite(a)) return Math.pow(a, b);
  if (a === 0 && b < 0) throw new JinjaError('0.0 cannot be raised to a negative power');
  if (a < 0 && !Number.isInteger(b)) throw new JinjaError('a negative number to a fractional power is a complex number: not supported');
  const result = (Number.isInteger(b) ? integerPower(a, b) : undefined) ?? Math.pow(a, b);
  if (!Number.isFinite(result)) throw new JinjaError('numerical result out of range: the result of ** is too large for a float');
  return result;
}

/** The most bits of the exact numerator or denominator `integerPower` computes: beyond, Math.pow (see README). */
const MAX_EXACT_POWER_BITS = 1 << 16;

/**
 * a ** n (a finite, non-zero, n an integer) correctly rounded, as C's pow is in practice, where Math.pow is not
 * (`10 ** -5` is 1e-05, not 9.999999999999999e-06): the exact fraction, rounded once. Undefined when that fraction
 * would be too large to compute (a base near 1 to a huge power).
 */
function integerPower(a: number, b: number): number | undefined {
  const estimate = b * Math.log2(Math.abs(a));
  const negative = a < 0 && b % 2 !== 0;
  if (estimate > 1100) return negative ? -Infinity : Infinity;
  if (estimate < -1200) return negative ? -0 : 0;
  const [numerator, denominator] = exactFraction(a);
  const n = BigInt(b < 0 ? -b : b);
  if (BigInt(Math.max(bitLength(numerator), bitLength(denominator))) * n > BigInt(MAX_EXACT_POWER_BITS)) return undefined;
  const [top, bottom] = b < 0 ? [denominator ** n, numerator ** n] : [numerator ** n, denominator ** n];
  return nearestFloat(bottom < 0n ? -top : top, bottom < 0n ? -bottom : bottom);
}

/** m / n for ints, correctly rounded; too large a quotient is refused, as Python raises OverflowError. */
function intQuotient(m: bigint, n: bigint): number {
  const result = nearestFloat(n < 0n ? -m : m, n < 0n ? -n : n);
  if (!Number.isFinite(result)) throw new JinjaError('integer division result too large for a float');
  return result;
}

const bitLength = (n: bigint): number => (n < 0n ? -n : n).toString(2).length;

/** numerator / denominator (denominator positive) as the nearest float, a tie to the even one: rounded once. */
function nearestFloat(numerator: bigint, denominator: bigint): number {
  if (numerator === 0n) return 0;
  const magnitude = numerator < 0n ? -numerator : numerator;
  // A quotient of 55 bits or more: 53 kept, a rounding bit, and the remainder says whether anything lies beyond.
  const shift = 55 - (bitLength(magnitude) - bitLength(denominator));
  const [top, bottom] = shift >= 0 ? [magnitude << BigInt(shift), denominator] : [magnitude, denominator << BigInt(-shift)];
  const quotient = top / bottom;
  const beyond = top % bottom !== 0n;
  const leading = bitLength(quotient) - 1 - shift;
  // The last bit kept: 53 bits, fewer for a subnormal (none below 2^-1074).
  const lowest = Math.max(leading - 52, -1074);
  const dropped = BigInt(lowest + shift);
  const kept = quotient >> dropped;
  const rest = quotient - (kept << dropped);
  const half = 1n << (dropped - 1n);
  const up = rest > half || (rest === half && (beyond || kept % 2n === 1n));
  const result = scaledByPowerOfTwo(Number(kept + (up ? 1n : 0n)), lowest);
  return numerator < 0n ? -result : result;
}

/** m × 2^e, exact when representable (steps of at most 2^1000, each within a float's range). */
function scaledByPowerOfTwo(m: number, e: number): number {
  let result = m;
  for (let rest = e; rest !== 0 && Number.isFinite(result) && result !== 0; ) {
    const step = Math.max(-1000, Math.min(1000, rest));
    const power = Number(1n << BigInt(Math.abs(step)));
    result = step > 0 ? result * power : result / power;
    rest -= step;
  }
  return result;
}

/** Python's math.floor (method 'floor') or math.ceil ('ceil') of a number: an int. */
function floorOrCeil(method: 'floor' | 'ceil', n: PythonNumber): bigint {
  if (typeof n === 'bigint') return n;
  if (!Number.isFinite(n.value)) throw new JinjaError('cannot convert a float infinity or NaN to integer');
  return BigInt(method === 'floor' ? Math.floor(n.value) : Math.ceil(n.value));
}

/**
 * Jinja2's round filter: Python's round(n, digits) for method 'common'; for 'floor' and 'ceil', math.floor or
 * math.ceil of n × 10**digits, divided by 10**digits again (a float).
 */
export function jinjaRound(n: PythonNumber, digits: bigint, method: unknown): HeldNumber {
  if (method === 'common') return pythonRound(n, digits);
  if (method !== 'floor' && method !== 'ceil') throw new JinjaError(`Jinja2 filter round: method must be common, ceil or floor`);
  const scale = pythonNumber(numberArithmetic('**', 10n, digits))!;
  const scaled = pythonNumber(numberArithmetic('*', n, scale))!;
  return numberArithmetic('/', floorOrCeil(method, scaled), scale);
}

/**
 * Python's round(n, digits): an int stays an int, a float is a float; the nearest multiple of 10^-digits, a half to
 * the even one, decided on the float's exact binary value (2.675 is 2.67499999..., so round(2.675, 2) is 2.67).
 */
function pythonRound(n: PythonNumber, digits: bigint): HeldNumber {
  if (typeof n === 'bigint') {
    // An int rounded to more digits than it has is 0: no power of ten computed (10 ** 100000000 takes a minute).
    if (digits >= 0n || -digits > BigInt((n < 0n ? -n : n).toString().length)) return digits >= 0n ? exactInteger(n) : 0;
    return exactInteger(roundedToEven(n, 1n, 10n ** -digits) * 10n ** -digits);
  }
  const x = n.value;
  // Beyond these, every float is already a multiple of 10^-digits, or rounds to zero (CPython's NDIGITS_MAX/MIN).
  if (!Number.isFinite(x) || x === 0 || digits > 323n) return n;
  if (digits < -308n) return new PythonFloat(x < 0 ? -0 : 0);
  const [numerator, denominator] = exactFraction(x);
  const q = digits >= 0n ? roundedToEven(numerator * 10n ** digits, denominator, 1n) : roundedToEven(numerator, denominator, 10n ** -digits);
  const result = Number(`${q}e${-digits}`);
  if (!Number.isFinite(result)) throw new JinjaError('rounded value too large to represent');
  return new PythonFloat(result === 0 && x < 0 ? -0 : result);
}

/** numerator / (denominator × unit), rounded to the nearest int, a half to the even one. */
function roundedToEven(numerator: bigint, denominator: bigint, unit: bigint): bigint {
  const d = denominator * unit;
  const q = floorDivision(numerator, d);
  const twice = 2n * (numerator - q * d);
  return twice > d || (twice === d && q % 2n !== 0n) ? q + 1n : q;
}

/** A finite float as the exact fraction numerator / denominator it is (the denominator a power of two). */
function exactFraction(x: number): [bigint, bigint] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = (biased === 0 ? fraction : fraction | (1n << 52n)) * (bits >> 63n === 1n ? -1n : 1n);
  const exponent = (biased === 0 ? 1 : biased) - 1075;
  return exponent >= 0 ? [mantissa << BigInt(exponent), 1n] : [mantissa, 1n << BigInt(-exponent)];
}
