import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseExtraVars } from '../inventory/extra-vars.js';
import { loadInventory } from '../inventory/index.js';
import { variablesOf } from './plan.js';
import { hostContext } from './render.js';

// Floats an inventory writes (`php_version: 8.0`, INI `x=2.0`, `e=1e3`) stay floats in Jinja2, as Ansible reads them,
// also through a variable a template computed (`half: "{{ x / 4 }}"`, then `{{ half }}`).
const TEMPLATES = [
  '{{ php }}',
  'php{{ php }}-fpm',
  '{{ v }}',
  '{{ x + 1 }}',
  '{{ x | int }}',
  '{{ e }}',
  '{{ items }}',
  '{{ items[0] * 3 }}',
  '{{ m.a / 2 }}',
  '{{ m | to_json }}',
  '{{ copy }}',
  '{{ copy + 1 }}',
  '{{ half }}',
  '{{ half * 4 }}',
  '{{ pair }}',
  '{{ pair[1].y }}',
];
// The variables the templates above use, computed by templates themselves: Ansible holds their results as numbers.
const COMPUTED = { copy: '{{ x }}', half: '{{ x / 4 }}', pair: "{{ [x, {'y': m.a}] }}" };

/** The Python value of each variable written as a float, to render the templates with Python's jinja2. */
const PYTHON_VARS = `dict(php=8.0, v=3.1, x=2.0, e=1000.0, items=[1.0, 2], m={'a': 3.0})`;

const oracle = `import json, sys
from jinja2 import Environment
env = Environment()
env.filters['to_json'] = json.dumps  # Ansible's to_json
vars = ${PYTHON_VARS}
for name, template in json.loads(sys.argv[1]).items():
    vars[name] = env.compile_expression(template[2:-2].strip())(**vars)
print(json.dumps([env.from_string('<' + t + '>').render(**vars) for t in json.load(sys.stdin)]))`;
const expected = JSON.parse(execFileSync('/usr/bin/python3', ['-c', oracle, JSON.stringify(COMPUTED)], { input: JSON.stringify(TEMPLATES), encoding: 'utf8' })) as string[];

const computedYaml = Object.entries(COMPUTED).map(([name, t]) => `${name}: "${t}"`);
const templatesYaml = TEMPLATES.map((t, i) => `t${i}: "<${t}>"`);

describe('floats written in an inventory stay floats in Jinja2 (against Python Jinja2)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provision-floats-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const yamlVars = ['php: 8.0', 'v: 3.10', 'x: 2.0', 'e: 1000.0', 'items: [1.0, 2]', 'm: {a: 3.0}', ...computedYaml, ...templatesYaml];
  writeFileSync(join(dir, 'hosts.yml'), `all:\n  hosts:\n    h1:\n${yamlVars.map((line) => `      ${line}`).join('\n')}\n`);
  // INI values are Python literals: 2.0 and 1e3 are floats, as ansible-inventory lists them.
  writeFileSync(join(dir, 'hosts'), `h1 php=8.0 v=3.10 x=2.0 e=1e3 items="[1.0, 2]" m="{'a': 3.0}"\n[all:vars]\n${[...computedYaml, ...templatesYaml].map((line) => line.replace(': ', '=')).join('\n')}\n`);
  // JSON group_vars, and -e as YAML.
  mkdirSync(join(dir, 'json', 'group_vars'), { recursive: true });
  writeFileSync(join(dir, 'json', 'hosts.yml'), `all:\n  hosts:\n    h1:\n${[...computedYaml, ...templatesYaml].map((line) => `      ${line}`).join('\n')}\n`);
  writeFileSync(join(dir, 'json', 'group_vars', 'all.json'), '{"php": 8.0, "v": 3.10, "x": 2.0, "e": 1000.0, "items": [1.0, 2], "m": {"a": 3.0}}\n');
  const extra = parseExtraVars(['{php: 8.0, v: 3.10, x: 2.0, e: 1000.0, items: [1.0, 2], m: {a: 3.0}}']);
  const sources: Array<[string, () => ReturnType<typeof loadInventory>]> = [
    ['YAML', () => loadInventory(join(dir, 'hosts.yml'), { env: {} })],
    ['INI', () => loadInventory(join(dir, 'hosts'), { env: {} })],
    ['JSON group_vars', () => loadInventory(join(dir, 'json', 'hosts.yml'), { env: {} })],
    ['-e', () => loadInventory(join(dir, 'json', 'hosts.yml'), { env: {}, extraVars: extra })],
  ];

  it("another host's through hostvars, integers beyond 2^53 too", () => {
    writeFileSync(join(dir, 'two.yml'), 'all:\n  hosts:\n    h1:\n      php: 8.0\n      items: [1.0, 2]\n      big: 12345678901234567890\n      half: "{{ php / 16 }}"\n    h2:\n');
    const [h1, h2] = loadInventory(join(dir, 'two.yml'), { env: {} }).hosts;
    const hostvars = { h1: hostContext(variablesOf(h1!, []), { inventory_hostname: 'h1' }, 'h1') };
    const t = "<{{ hostvars['h1'].php }} {{ hostvars.h1['items'] }} {{ hostvars.h1.half }} {{ hostvars.h1.big + 1 }}>";
    const other = hostContext(new Map([['t', { value: t, origin: { path: 'h2.t' }, jinja: true }]]), { hostvars }, h2!.name);
    expect(other.t).toBe('<8.0 [1.0, 2] 0.5 12345678901234567891>');
  });

  describe.each(sources)('%s', (_source, load) => {
    const host = load().hosts[0]!;
    const context = hostContext(variablesOf(host, []), { inventory_hostname: 'h1' }, 'h1');
    it.each(TEMPLATES.map((t, i) => [t, i] as const))('%s', (_template, i) => {
      expect(context[`t${i}`]).toBe(expected[i]);
    });
  });
});
