/**
 * Floats in Jinja2 expressions, as Python computes and writes them: `/` makes a float (`4 / 2` is `2.0`), `//`, `%` and
 * `**` with Python's types and signs, int with float is a float, the `int`, `float`, `round` and `abs` filters, and
 * floats written as Python's repr (`2.0`, `1e+16`, `1e-05`, `-0.0`, `inf`). The oracle is Python's jinja2 (see
 * jinja-oracle.ts).
 */
import { describe, expect, it } from 'vitest';
import { pythonJinja, provisionJinja } from '../../test/fixtures/jinja-oracle.js';
import { PythonFloat } from '../inventory/python-float.js';
import { renderJinja } from './jinja.js';

// Floats as variables hold them for Jinja2 (see number-marks.ts): `2.0` a PythonFloat, so it stays a float.
const VARS: Record<string, unknown> = { x: new PythonFloat(2), half: 0.5, three: 3, floats: [new PythonFloat(1), 2, 0.5], m: { a: new PythonFloat(2) }, text_float: '3.25' };

/** Python's answer to `{{ 3 | round(-100000000) }}` costs it minutes of CPU (it computes 10 ** 100000000): it is asked this. */
const ROUND_FAR = '{{ 3 | round(-1000) }}';

const TEMPLATES = [
  '{{ x }}',
  '{{ x + 1 }}',
  '{{ x * three }}',
  '{{ x - x }}',
  '{{ 1 + 1.0 }}',
  '{{ 4 / 2 }}',
  '{{ 7 / 2 }}',
  '{{ 10 / 3 }}',
  '{{ three / x }}',
  '{{ 7 // 2 }}',
  '{{ -7 // 2 }}',
  '{{ 7.5 // 2 }}',
  '{{ -7.5 // 2 }}',
  '{{ 7 // -2.0 }}',
  '{{ 0.0 // -1 }}',
  '{{ 7 % 2.5 }}',
  '{{ -7 % 2.5 }}',
  '{{ -4.0 % 2 }}',
  '{{ 4.0 % -2 }}',
  '{{ 2 ** 10 }}',
  '{{ 2 ** 64 }}',
  '{{ 2 ** -2 }}',
  '{{ 2.0 ** 3 }}',
  '{{ 2 ** 0.5 }}',
  '{{ 9 ** 0.5 }}',
  '{{ 2 ** 3 ** 2 }}',
  '{{ -2 ** 2 }}',
  '{{ x ** 2 }}',
  // Correctly rounded, as C's pow (Math.pow is not): an int or float to an integer power is its exact value rounded once.
  '{{ 10 ** -5 }}',
  '{{ 10 ** -4 }}',
  '{{ 7.36 ** 6 }}',
  '{{ 3.3 ** 17 }}',
  '{{ (-3) ** -701 }}',
  '{{ 2 ** -1074 }}',
  '{{ 2 ** -1075 }}',
  '{{ 1.7 ** -1000 }}',
  '{{ 98765.4321 | round(-4, "floor") }}',
  '{{ 98765.4321 | round(-2, "ceil") }}',
  '{{ 12345678901234567890 | round(-5, "floor") }}',
  // An int divided by an int: the exact quotient rounded once, as Python's int / int.
  '{{ 12345678901234567891 / 10 }}',
  '{{ 1985758236351349410 / 375971457039397689 }}',
  '{{ 9338123869591611895 / 595358135352308825 }}',
  '{{ 10 ** 400 / 3 }}',
  '{{ 12345678901234567890 / 1 }}',
  '{{ 12345678901234567890 + 0.5 }}',
  '{{ 1 == 1.0 }}',
  '{{ x == 2 }}',
  '{{ 0.0 == -0.0 }}',
  '{{ 1.5 < 2 }}',
  '{{ x >= 2 }}',
  '{{ x in [2] }}',
  '{{ 2 in [x] }}',
  '{{ [2, 1.5, x, 0.5] | sort }}',
  '{{ floats | max }}',
  '{{ floats | min }}',
  '{{ [1, 1.0, 2.0, 2] | unique | list }}',
  '{{ 0.1 }}',
  '{{ 0.1 + 0.2 }}',
  '{{ 1e16 }}',
  '{{ 1e15 }}',
  '{{ 123456789012345678.0 }}',
  '{{ 0.0001 }}',
  '{{ 0.00001 }}',
  '{{ 1.5e-7 }}',
  '{{ 1E5 }}',
  '{{ 1_000.5 }}',
  '{{ -0.0 }}',
  '{{ 1e308 * 10 }}',
  '{{ -1e308 * 10 }}',
  '{{ 1e308 * 10 - 1e308 * 10 }}',
  '{{ x | string }}',
  "{{ x ~ '' }}",
  '{{ [x, 1, half] }}',
  "{{ {'a': x} }}",
  'v{{ x }}-{{ half }}',
  '{{ x | int }}',
  '{{ 3.7 | int }}',
  '{{ -3.7 | int }}',
  "{{ '3.7' | int }}",
  "{{ '1e3' | int }}",
  "{{ 'abc' | int }}",
  '{{ 1e20 | int }}',
  '{{ text_float | float }}',
  "{{ '3' | float }}",
  "{{ ' 2.5 ' | float }}",
  "{{ 'abc' | float }}",
  "{{ 'abc' | float(1) }}",
  '{{ 3 | float }}',
  '{{ true | float }}',
  "{{ 'inf' | float }}",
  "{{ '-nan' | float }}",
  "{{ '1_000' | float }}",
  '{{ none | float }}',
  '{{ 2.5 | round }}',
  '{{ 3.5 | round }}',
  '{{ -2.5 | round }}',
  '{{ 0.5 | round }}',
  '{{ -0.4 | round }}',
  '{{ 2.675 | round(2) }}',
  '{{ 2.567 | round(2) }}',
  '{{ 1234.5 | round(-2) }}',
  '{{ 1250 | round(-2) }}',
  '{{ 1350 | round(-2) }}',
  // An int rounded to more digits than it has is 0 (provision's at once for any count: the test after the table).
  ROUND_FAR,
  '{{ -12345 | round(-6) }}',
  '{{ 99999 | round(-5) }}',
  '{{ 49999 | round(-5) }}',
  "{{ 3 | round(-100000000, 'floor') }}",
  '{{ 3 | round }}',
  '{{ x | round }}',
  "{{ 2.567 | round(2, 'floor') }}",
  "{{ 2.561 | round(2, 'ceil') }}",
  "{{ 3 | round(0, 'floor') }}",
  "{{ -2.5 | round(method='floor') }}",
  '{{ 1e300 | round(2) }}',
  '{{ 0.1 | round(20) }}',
  "{{ 2.5 | round(0, 'up') }}",
  "{{ '2.5' | round }}",
  '{{ -2.5 | abs }}',
  '{{ -x | abs }}',
  '{{ -3 | abs }}',
  '{{ -0.0 | abs }}',
  "{{ 'a' | abs }}",
  "{{ 0.0 or 'zero' }}",
  "{{ half and 'yes' }}",
  "{{ 't' if -0.0 else 'f' }}",
  '{{ x is number }}',
  '{{ x is float }}',
  '{{ 2 is float }}',
  '{{ x is integer }}',
  '{{ 2 is integer }}',
  '{{ true is integer }}',
  '{{ true is number }}',
  '{{ (x | int) * "ab" }}',
  '{{ 1 / 0 }}',
  '{{ 1.0 / 0 }}',
  '{{ 1 // 0 }}',
  '{{ 1.0 % 0.0 }}',
  '{{ 0 ** -1 }}',
  '{{ 10.0 ** 400 }}',
  "{{ 2.0 * 'ab' }}",
  '{{ [1, 2][1.0] }}',
  '{{ x.value }}',
  '{{ x | length }}',
];

const expected = pythonJinja(TEMPLATES, VARS);

describe("Jinja2 floats behave as Python's (against Python's jinja2)", () => {
  it.each(TEMPLATES.map((t, i) => [t, i] as const))('%s', (template, i) => {
    expect(provisionJinja(template, VARS)).toEqual(expected[i]);
  });
});

describe('an int rounded to far more digits than it has', () => {
  it('is 0 as Python says of fewer digits, more than it has too; provision computes no 10 ** 100000000 (it took a minute)', () => {
    expect(provisionJinja('{{ 3 | round(-100000000) }}', VARS)).toEqual(expected[TEMPLATES.indexOf(ROUND_FAR)]);
  });
});

describe('where Python makes a complex number', () => {
  it('a negative number to a fractional power is refused, not a complex number', () => {
    expect(() => renderJinja('{{ (-8) ** 0.5 }}', () => undefined)).toThrow('a negative number to a fractional power is a complex number: not supported');
  });
});
