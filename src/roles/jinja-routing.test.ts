/**
 * Which engine renders an inventory value: Jinja2, as Ansible reads every one, unless it uses Handlebars syntax that
 * is no Jinja2 expression (a block, a helper call, a partial, a triple-stash). The Jinja2 rows are checked against
 * Python's jinja2 (one process for the table); a Handlebars failure is a message naming the variable's file, never
 * Handlebars' internal error.
 */
import { describe, expect, it } from 'vitest';
import { pythonJinja } from '../../test/fixtures/jinja-oracle.js';
import { userErrorOf } from '../../test/fixtures/inventory/fixtures.js';
import { hostContext, type TemplateContext } from './render.js';

const VARS: Record<string, unknown> = { n: 3, a: 7, b: 2, x: 'a', y: ['a', 'b'], on: true, address: '10.0.0.7' };
const FIXED = { groups: { all: ['h1', 'h2'], web: ['h1', 'h2'] }, hostvars: { h1: { address: '10.0.0.1' }, h2: { address: '10.0.0.2' } } };

/** `values` as a host's inventory variables (Jinja2 allowed), beside VARS. */
function inventory(values: Record<string, string>): TemplateContext {
  return hostContext(new Map(Object.entries({ ...VARS, ...values }).map(([name, value]) => [name, { value, origin: { path: `host_vars/h1.yml` }, jinja: true }] as const)), { ...FIXED, inventory_hostname: 'h1' }, 'h1');
}

// Ordinary Jinja2 that is no Handlebars, or that Handlebars reads otherwise (`a/b` is a path there).
const JINJA = [
  '{{ n*2 }}',
  '{{n*2}}',
  '{{ n-1 }}',
  '{{ n>2 }}',
  '{{ a/b }}',
  '{{a//b}}',
  '{{ x in y }}',
  "{{ 'c' not in y }}",
  '{{ inventory_hostname in groups.all }}',
  '{{ 1e16 }}',
  '{{ 42 }}',
  '{{ -n }}',
  '{{ (n) }}',
  '{{ not on }}',
  '{{ y[0] }}',
  '{{ {n: 1} | list | first }}',
  "{{ {'a': {'b': 1}} }}",
  "{{{'a': 1}}}",
  '{{ [n] }}',
  "x{{ x }}-{{ n*2 }}",
  '{{ on }}',
];

const expected = pythonJinja(JINJA, { ...VARS, ...FIXED, inventory_hostname: 'h1' });

describe('an inventory value that is a Jinja2 expression is rendered as Jinja2 (against Python jinja2)', () => {
  const context = inventory(Object.fromEntries(JINJA.map((t, i) => [`t${i}`, `<${t}>`])));
  it.each(JINJA.map((t, i) => [t, i] as const))('%s', (_template, i) => {
    expect({ text: context[`t${i}`] }).toEqual(expected[i]);
  });
});

describe('an inventory value in Handlebars syntax stays Handlebars', () => {
  it.each([
    ['{{#if on}}yes{{else}}no{{/if}}', 'yes'],
    ['{{#each y}}{{this}};{{/each}}', 'a;b;'],
    ['{{#unless (eq n 3)}}x{{/unless}}n', 'n'],
    ['{{addresses "web" exclude=inventory_hostname}}', '10.0.0.2'],
    ['{{join y "+"}}', 'a+b'],
    ['{{json y}}', '["a","b"]'],
    ['{{stable_id inventory_hostname}}', '856764130'],
    ['{{{x}}}', 'a'],
    ['{{!-- a comment --}}c', 'c'],
    // One Handlebars template makes the whole text Handlebars.
    ['{{ x }}-{{json x}}', 'a-"a"'],
  ])('%s', (template, rendered) => {
    expect(inventory({ t: template }).t).toBe(rendered);
  });
});

describe('what neither reads is an error naming the file, in words', () => {
  it.each([
    // Jinja2's error: neither a Jinja2 expression nor a helper call.
    ['{{ a b }}', "host_vars/h1.yml: Jinja2 syntax: expected '}}', got 'b' (rendering for host h1)"],
    ['{{ n* }}', "host_vars/h1.yml: Jinja2 syntax: unexpected '}}' (rendering for host h1)"],
  ])('%s', (template, message) => {
    expect(userErrorOf(() => inventory({ t: template }).t).message).toBe(message);
  });

  it('a name called with arguments in Handlebars is named, not a Handlebars internal error', () => {
    const context = hostContext(new Map([['t', { value: '{{#if on}}{{ x in y }}{{/if}}', origin: { path: 'roles/web/defaults.yaml' }, jinja: false }], ['on', { value: true, origin: { path: 'v' }, jinja: false }], ['x', { value: 'a', origin: { path: 'v' }, jinja: false }]]), {}, 'h1');
    const message = userErrorOf(() => context.t).message;
    expect(message).toContain('{{x ...}} calls x, which is no template helper (helpers: addresses, and, collect,');
    expect(message).toContain('(rendering for host h1)');
    expect(message).not.toContain('is not a function');
  });
});
