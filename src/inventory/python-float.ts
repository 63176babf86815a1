/**
 * Python floats as ansible-inventory prints them. JavaScript has one number
 * type, so `2.0` read from an inventory is the number 2; where Ansible reads a
 * float (YAML `2.0`, `.inf`; INI `x=2.0`, `x=1e3`) the printed value keeps it
 * as a PythonFloat, which prints as Python's json.dumps does (`2.0`, `1e+16`,
 * `1.5e-07`, `Infinity`). Pure.
 */

import { PythonBigInt } from '../yaml/python-int.js';

/** A float as Ansible holds it, for printing only (variables hold the plain number). */
export class PythonFloat {
  constructor(readonly value: number) {}
}

/** Python's repr of a float, as json.dumps writes it (NaN and the infinities as JavaScript literals, as Python does). */
export function pythonFloatText(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  if (Object.is(n, -0)) return '-0.0';
  // toExponential() gives the shortest digits that read back as n, as Python's repr does.
  const [mantissa = '', expText = '0'] = Math.abs(n).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number(expText);
  const sign = n < 0 ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const rest = digits.length > 1 ? `.${digits.slice(1)}` : '';
    return `${sign}${digits[0]}${rest}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  return `${sign}${whole}.${digits.slice(exp + 1) || '0'}`;
}

/** `value` with every PythonFloat in it (lists and mappings included) its plain number, every PythonBigInt its digits. */
export function withoutNumberMarks(value: unknown): unknown {
  if (value instanceof PythonFloat) return value.value;
  if (value instanceof PythonBigInt) return value.digits;
  if (Array.isArray(value)) return value.map(withoutNumberMarks);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutNumberMarks(v)]));
  }
  return value;
}

/** Whether a value is or holds a PythonFloat or a PythonBigInt. */
export function holdsNumberMark(value: unknown): boolean {
  if (value instanceof PythonFloat || value instanceof PythonBigInt) return true;
  if (Array.isArray(value)) return value.some(holdsNumberMark);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) return Object.values(value).some(holdsNumberMark);
  return false;
}
