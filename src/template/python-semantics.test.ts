/**
 * Jinja2 expressions whose result depends on Python's rules for values (`+` of text and a number, ordering of
 * numbers and text, sort/min/max/unique and their arguments): provision gives what Python's Jinja2 gives, or an
 * error where it raises. The oracle is Python's jinja2 (see jinja-oracle.ts).
 */
import { describe, expect, it } from 'vitest';
import { pythonJinja, provisionJinja } from '../../test/fixtures/jinja-oracle.js';
import { renderJinja } from './jinja.js';

const VARS = { text_three: '3', words: ['b', 'A', 'a', 'B'], people: [{ name: 'bo', age: 10 }, { name: 'al', age: 9 }, { name: 'cy', age: 10 }] };

const TEMPLATES = [
  '{{ [10, 9] | sort }}',
  '{{ [10, 9, 100, 2.5] | sort }}',
  '{{ [3, 1, 2] | sort(reverse=true) }}',
  '{{ [3, 1, 2] | sort(true) }}',
  '{{ words | sort }}',
  '{{ words | sort(case_sensitive=true) }}',
  "{{ people | sort(attribute='age', reverse=true) }}",
  '{{ [10, 9, 100] | max }}',
  '{{ [10, 9, 100] | min }}',
  '{{ words | max }}',
  '{{ words | min }}',
  '{{ words | max(case_sensitive=true) }}',
  "{{ people | max(attribute='age') }}",
  "{{ people | min(attribute='age') }}",
  '{{ ([] | max) | default(5) }}',
  '{{ [] | max }}',
  '{{ [1, 2, 1.0, 3] | unique | list }}',
  "{{ ['a', 'A', 'b'] | unique | list }}",
  "{{ ['a', 'A', 'b'] | unique(case_sensitive=true) | list }}",
  "{{ people | join(', ', attribute='name') }}",
  '{{ 1 == True }}',
  '{{ 0 == False }}',
  '{{ 1.0 == True }}',
  "{{ '1' == True }}",
  '{{ [1] == [True] }}',
  '{{ [1, True] | unique | list }}',
  '{{ [0, False, 1, True, 2] | unique | list }}',
  '{{ True in [1] }}',
  "{{ {'a': 1, 'b': [2]} == {'b': [2], 'a': 1} }}",
  "{{ {'a': 1} == {'a': 1, 'b': 2} }}",
  '{{ none == none }}',
  '{{ none == 0 }}',
  "{{ [{'b': 1}] | join(',', attribute='a') }}",
  "{{ 'a' | join(attribute='x') }}",
  "{{ people | sort(attribute='height') }}",
  "{{ people | max(attribute='height') }}",
  "{{ [1, 'a'] | sort }}",
  "{{ [1, 'a'] | max }}",
  "{{ [1, 'a'] | min }}",
  "{{ 'a' + 1 }}",
  "{{ 1 + 'a' }}",
  "{{ '5' - 1 }}",
  "{{ '5' * '2' }}",
  '{{ text_three + 1 }}',
  '{{ none + 1 }}',
  '{{ [1] + 1 }}',
  "{{ 'ab' + 'cd' }}",
  "{{ 'ab' * 2 }}",
  "{{ 2 * 'ab' }}",
  '{{ [1, 2] * 2 }}',
  '{{ true + 1 }}',
  '{{ 9007199254740993 * 3 }}',
  '{{ 9007199254740992 + 1 }}',
  '{{ 4503599627370497 * 3 }}',
  '{{ 7 % -3 }}',
  '{{ -7 % 3 }}',
  '{{ -7.5 % 2 }}',
  '{{ 1 / 0 }}',
  '{{ 1 % 0 }}',
  '{{ 10 > 9 }}',
  "{{ '10' > '9' }}",
  "{{ 1 < 'a' }}",
  "{{ 'a' >= none }}",
  "{{ 'a' < 'b' }}",
  '{{ [1, 2] < [1, 3] }}',
  '{{ [1, 2] < [1, 2, 0] }}',
  '{{ true > 0 }}',
  // `**` makes an int of up to 1000000 bits, as Python does (its text beyond 4300 digits Python 3.11 refuses).
  '{{ 2 ** 999999 % 1000 }}',
  '{{ (2 ** 999999) // (2 ** 999998) }}',
  '{{ (-2) ** 999999 % 7 }}',
  '{{ 3 ** 630000 % 1000 }}',
  '{{ 1048575 ** 50000 % 1000 }}',
];

const expected = pythonJinja(TEMPLATES, VARS);

describe("Jinja2 values behave as Python's (against Python's jinja2)", () => {
  it.each(TEMPLATES.map((t, i) => [t, i] as const))('%s', (template, i) => {
    expect(provisionJinja(template, VARS)).toEqual(expected[i]);
  });
});

describe('a power too large to compute', () => {
  it.each([
    ['{{ 2 ** 1000000 }}', 1000001],
    ['{{ (2 ** 999999) ** 2 }}', 1999999],
    ['{{ 10 ** 1000000 }}', 3000001],
    ['{{ (-3) ** 1000000 }}', 1000001],
  ])('%s is refused, saying how large it is at least', (template, bits) => {
    expect(() => renderJinja(template, () => undefined)).toThrow(`this ** makes an integer of at least ${bits} bits: expected at most 1000000`);
  });
});

describe('filter arguments', () => {
  it.each([
    ["{{ [2, 1] | sort(attributes='x') }}", 'Jinja2 filter sort has no argument attributes: it takes only reverse, case_sensitive, attribute here'],
    ["{{ 2.5 | round(1, 'floor', 2) }}", 'Jinja2 filter round takes only precision, method here'],
    ["{{ 'ff' | int(0, 16) }}", 'Jinja2 filter int takes only default here'],
    ['{{ [2, 1] | sort(true, reverse=false) }}', 'Jinja2 filter sort got reverse twice'],
    ['{{ [2, 1] | sort(reverse=true, 1) }}', 'Jinja2 syntax: a positional argument after a keyword argument'],
    ["{{ [{'b': 1}] | join(',', attribute='a') }}", "'a' is not defined: an item has no such attribute"],
    ["{{ [{'b': {'x': 1} }] | sort(attribute='b.c') }}", "'b.c' is not defined: an item has no such attribute"],
  ])('%s is refused, not ignored', (template, message) => {
    expect(() => renderJinja(template, () => undefined)).toThrow(message);
  });

  it("the operator's error says to join text with ~", () => {
    expect(() => renderJinja("{{ 'port ' + 22 }}", () => undefined)).toThrow('unsupported operand types for +: a string and an integer (text joins only with text, as in Python: use ~ to join any values as text)');
  });
});
