/**
 * `to_json` and `to_nice_json` write what Ansible's write (json.dumps: `[1, 2]`, `{"a": 1.0}`, `\u00e9`), and mapping
 * literals nest as Jinja2's lexer reads them (`{'a': {'b': 1}} }}`). The oracle is Python's jinja2 with ansible-core's
 * filters (see jinja-oracle.ts), in one process for the table.
 */
import { describe, expect, it } from 'vitest';
import { pythonJinja, provisionJinja } from '../../test/fixtures/jinja-oracle.js';
import { PythonFloat } from '../inventory/python-float.js';

const VARS: Record<string, unknown> = {
  items: [1, 2, 'three'],
  m: { b: 1, a: [true, false, null], 'é': new PythonFloat(2) },
  text: 'caf\u00e9 \u{1F600} "q" \\ \n\t\u0007\u007f',
  big: 12345678901234567890n,
  f: new PythonFloat(1e16),
  half: 0.5,
};

const TEMPLATES = [
  '{{ [1, 2] | to_json }}',
  "{{ {'a': 1.0} | to_json }}",
  '{{ items | to_json }}',
  '{{ m | to_json }}',
  '{{ text | to_json }}',
  "{{ text | to_json(ensure_ascii=false) }}",
  '{{ [none, true, false] | to_json }}',
  '{{ [f, half, 0.1 + 0.2, -0.0] | to_json }}',
  // Not beside a variable: Jinja2 then writes a folded inf into its Python code, a NameError.
  '{{ [1e308 * 10, -1e308 * 10, 1e308 * 10 - 1e308 * 10] | to_json }}',
  '{{ [big, big + 1] | to_json }}',
  '{{ [[], {}, [[]], {"k": {}}] | to_json }}',
  '{{ m | to_json(sort_keys=true) }}',
  '{{ m | to_json(indent=2) }}',
  "{{ m | to_json(indent='\t') }}",
  '{{ items | to_json(indent=0) }}',
  '{{ m | to_nice_json }}',
  '{{ items | to_nice_json(indent=2) }}',
  '{{ m | to_nice_json(sort_keys=false) }}',
  '{{ [] | to_nice_json }}',
  "{{ 'x' | to_nice_json }}",
  '{{ 5 | to_json }}',
  '{{ text | to_nice_json(ensure_ascii=false) }}',
  "{{ {'z': 1, 'Z': 2, 'é': 3, '\u{1F600}': 4, '\uff5e': 5} | to_nice_json }}",
  // A nested mapping literal closes with `}}`, as Jinja2's lexer balances brackets.
  "{{ {'a': {'b': 1}} }}",
  "{{ {'a': {'b': 1}}}}",
  "{{ {'k': {'a': 1}} | to_json }}",
  "{{ [{'a': [1, {'b': 2}]}]}}",
  "{{ ({'a': {'b': {}}}) }}",
  "{{ {'a': 1}}}",
  "{{ {'a': 1}} }}",
];

const expected = pythonJinja(TEMPLATES, VARS, true);

describe("to_json, to_nice_json and mapping literals as Ansible's (against Python's jinja2 with ansible-core's filters)", () => {
  it.each(TEMPLATES.map((t, i) => [t, i] as const))('%s', (template, i) => {
    expect(provisionJinja(template, VARS)).toEqual(expected[i]);
  });
});
