import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadInventory } from '../inventory/index.js';
import { variablesOf } from './plan.js';
import { hostContext } from './render.js';

// Integers beyond 2^53, as sysctl's shmmax: Jinja2 computes with them exactly, as Python does.
const TEMPLATES = [
  '{{ big + 1 }}',
  '{{ big - small }}',
  '{{ big * 2 }}',
  '{{ big % 7 }}',
  '{{ -big % 7 }}',
  '{{ big == 12345678901234567890 }}',
  '{{ big != 12345678901234567891 }}',
  '{{ big > 99999999999999999999 }}',
  '{{ big > small }}',
  '{{ big is number }}',
  '{{ big | int }}',
  "{{ '12345678901234567890' | int + 1 }}",
  '{{ big | abs }}',
  '{{ big }}',
  'x{{ big }}y',
  '{{ [big] | to_json }}',
  '{{ 99999999999999999999 - 1 }}',
];

/** How Jinja2 writes a rendered value in text. */
const asText = (value: unknown) => (value === true ? 'True' : value === false ? 'False' : String(value));

describe('integers beyond 2^53 in Jinja2 (against Python Jinja2)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provision-bigint-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'hosts'), `h1 big=12345678901234567890 small=5\n[all:vars]\n${TEMPLATES.map((t, i) => `t${i}="${t}"`).join('\n')}\n`);
  const host = loadInventory(join(dir, 'hosts'), { env: {} }).hosts[0]!;
  const context = hostContext(variablesOf(host, []), { inventory_hostname: 'h1' }, 'h1');
  const oracle = `import json, sys
from jinja2 import Environment
env = Environment()
env.filters['to_json'] = json.dumps  # Ansible's to_json
print(json.dumps([env.from_string(t).render(big=12345678901234567890, small=5) for t in json.load(sys.stdin)]))`;
  const expected = JSON.parse(execFileSync('/usr/bin/python3', ['-c', oracle], { input: JSON.stringify(TEMPLATES), encoding: 'utf8' })) as string[];

  it.each(TEMPLATES.map((t, i) => [t, i] as const))('%s', (_template, i) => {
    expect(asText(context[`t${i}`])).toBe(expected[i]);
  });

  it('a big integer with text is refused, as Python refuses int + str', () => {
    writeFileSync(join(dir, 'bad'), 'h1 big=12345678901234567890 bad="{{ big + \'a\' }}"\n');
    const bad = loadInventory(join(dir, 'bad'), { env: {} }).hosts[0]!;
    expect(() => hostContext(variablesOf(bad, []), {}, 'h1').bad).toThrow("ungrouped.hosts.h1.bad: unsupported operand types for +: an integer and a string");
  });

  it('a YAML inventory and a connection variable compute with it too', () => {
    writeFileSync(join(dir, 'hosts.yml'), 'all:\n  hosts:\n    h1:\n      big: 12345678901234567890\n      next: "{{ big + 1 }}"\n      ansible_user: "u{{ big * 2 }}"\n');
    const yamlHost = loadInventory(join(dir, 'hosts.yml'), { env: {} }).hosts[0]!;
    expect(hostContext(variablesOf(yamlHost, []), {}, 'h1').next).toBe('12345678901234567891');
    expect(yamlHost.connection.user).toBe('u24691357802469135780');
  });

  it('so does a variable a template computed, as Ansible holds its result as a number', () => {
    const templates = 'next: "{{ big + 1 }}"\n      pair: "{{ [big, {\'x\': big - 1}] }}"\n      after: "{{ next + 1 }}"\n      inner: "{{ pair[1].x + 1 }}"';
    writeFileSync(join(dir, 'chain.yml'), `all:\n  hosts:\n    h1:\n      big: 12345678901234567890\n      ${templates}\n      ansible_user: "u{{ next * 2 }}"\n`);
    const chained = loadInventory(join(dir, 'chain.yml'), { env: {} }).hosts[0]!;
    const context = hostContext(variablesOf(chained, []), {}, 'h1');
    expect([context.after, context.inner]).toEqual(['12345678901234567892', '12345678901234567890']);
    expect(chained.connection.user).toBe('u24691357802469135782');
  });

  it('the variable itself keeps every digit as text, and the listing prints it as a number', () => {
    expect(host.vars.big).toBe('12345678901234567890');
    expect(String(host.ansibleVars?.big)).toBe('12345678901234567890');
  });
});

// The same inside lists and mappings, at any depth, from YAML and from INI (a Python literal).
const NESTED = [
  '{{ nested[0] + 1 }}',
  '{{ nested[1].x - 1 }}',
  '{{ nested[1].x * 2 }}',
  '{{ nested[0] > 18446744073709551614 }}',
  '{{ nested[0] == 18446744073709551615 }}',
  '{{ nested[0] | int }}',
  '{{ nested[0] is number }}',
  '{{ nested | string }}',
  '{{ deep.a.b[1] % 1000 }}',
  '{{ deep.a.b | max }}',
  '{{ deep.a.b | sort }}',
  '{{ deep | to_json }}',
  '{{ nested[0] + 0.5 }}',
];
const NESTED_VARS = { nested: [18446744073709551615n, { x: 18446744073709551616n }], deep: { a: { b: [99999999999999999999n, 12345678901234567890n, 5] } } };

describe('integers beyond 2^53 inside lists and mappings (against Python Jinja2)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provision-bigint-nested-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const yamlVars = 'nested: [18446744073709551615, {x: 18446744073709551616}]\n      deep: {a: {b: [99999999999999999999, 12345678901234567890, 5]}}';
  // In text (`<...>`), so both write the result as Python's str() does.
  writeFileSync(join(dir, 'hosts.yml'), `all:\n  hosts:\n    h1:\n      ${yamlVars}\n${NESTED.map((t, i) => `      t${i}: "<${t}>"`).join('\n')}\n`);
  writeFileSync(
    join(dir, 'hosts'),
    `h1 nested="[18446744073709551615, {'x': 18446744073709551616}]" deep="{'a': {'b': [99999999999999999999, 12345678901234567890, 5]}}"\n[all:vars]\n${NESTED.map((t, i) => `t${i}="<${t}>"`).join('\n')}\n`,
  );
  const oracle = `import json, sys
from jinja2 import Environment
env = Environment()
env.filters['to_json'] = json.dumps  # Ansible's to_json
vars = json.loads(sys.argv[1])
print(json.dumps([env.from_string('<' + t + '>').render(**vars) for t in json.load(sys.stdin)]))`;
  const varsJson = JSON.stringify(NESTED_VARS, (_k, v: unknown) => (typeof v === 'bigint' ? `\u0000${v}` : v)).replace(/"\\u0000(\d+)"/g, '$1');
  const expected = JSON.parse(execFileSync('/usr/bin/python3', ['-c', oracle, varsJson], { input: JSON.stringify(NESTED), encoding: 'utf8' })) as string[];

  describe.each(['hosts.yml', 'hosts'])('%s', (file) => {
    const host = loadInventory(join(dir, file), { env: {} }).hosts[0]!;
    const context = hostContext(variablesOf(host, []), { inventory_hostname: 'h1' }, 'h1');
    it.each(NESTED.map((t, i) => [t, i] as const))('%s', (_template, i) => {
      expect(asText(context[`t${i}`])).toBe(expected[i]);
    });
  });
});
