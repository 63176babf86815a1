import { describe, expect, it } from 'vitest';
import { MASK, redact, registerSecret, revealAll, Secret } from '../secrets.js';
import { isJinja, renderJinja } from './jinja.js';

const password = new Secret('hunter2-very-secret-Password');
const vars: Record<string, unknown> = { password, pair: ['a', password], holder: { k: password }, nested: [[password]] };
const render = (template: string) => renderJinja(template, (name) => vars[name]);
const revealed = (value: unknown) => {
  expect(value).toBeInstanceOf(Secret);
  return (value as Secret).reveal();
};

describe('a secret inside a list or mapping', () => {
  it.each([
    ['{{ pair | to_json }}', '["a", "hunter2-very-secret-Password"]'],
    ['{{ holder | to_json }}', '{"k": "hunter2-very-secret-Password"}'],
    ['{{ [holder] | to_json }}', '[{"k": "hunter2-very-secret-Password"}]'],
  ])('%s serializes the real value, as a secret', (template, json) => {
    expect(revealed(render(template))).toBe(json);
  });

  it.each([
    ['{{ holder | string | reverse }}', "}'drowssaP-terces-yrev-2retnuh' :'k'{"],
    ['{{ nested | join | reverse }}', "]'drowssaP-terces-yrev-2retnuh'["],
    ['{{ holder | string }}', "{'k': 'hunter2-very-secret-Password'}"],
    ['x{{ holder }}y', "x{'k': 'hunter2-very-secret-Password'}y"],
    ["{{ holder ~ '' }}", "{'k': 'hunter2-very-secret-Password'}"],
  ])('%s is a secret', (template, text) => {
    expect(revealed(render(template))).toBe(text);
  });

  it('an item picked from a list keeps its own secrecy', () => {
    expect(render("{{ ['a', password] | first }}")).toBe('a');
    expect(render('{{ pair | last }}')).toBe(password);
    expect(render('{{ nested | first | first }}')).toBe(password);
  });

  it('compares by the real value', () => {
    const other = new Secret('another-secret-Password');
    vars.others = ['a', other];
    expect(render('{{ pair == others }}')).toBe(false);
    expect(render("{{ 'a' in pair }}")).toBe(true);
  });
});

describe('isJinja', () => {
  const isHelper = (name: string) => ['addresses', 'json', 'join', 'eq', 'if', 'each'].includes(name);

  it.each(['{{ a > b }}', '{{ n * 2 }}', '{{n*2}}', '{{ n - 1 }}', '{{ n % 7 }}', '{{a/b}}', '{{ x in y }}', '{{ 1e16 }}', '{{ {n: 1} | first }}', "{{ {'a': {'b': 1}} }}", '{{ not x }}'])(
    '%s is Jinja2 (a Jinja2 expression)',
    (template) => {
      expect(isJinja(template, isHelper)).toBe(true);
    },
  );

  it.each(['{{name}}', 'php{{ php.version }}-fpm', '{{ a b }}', '{% if x %}'])('%s is Jinja2 (no Handlebars syntax: errors are Jinja2 ones)', (template) => {
    expect(isJinja(template, isHelper)).toBe(true);
  });

  it.each(['{{> partial}}', '{{#if x}}y{{/if}}', '{{addresses "app"}}', '{{json x}}', '{{{raw}}}', '{{!c}}', '{{~x~}}', '{{ x }} {{join y ","}}', 'no template'])('%s is Handlebars', (template) => {
    expect(isJinja(template, isHelper)).toBe(false);
  });
});

describe('a number computed from a secret is a secret', () => {
  const pin = new Secret('48151623');
  const secrets: Record<string, unknown> = { pin, pins: [pin] };
  const renderWith = (template: string) => renderJinja(template, (name) => secrets[name]);

  it.each([
    ['{{ pin | int }}', '48151623'],
    ['{{ pin | int + 1 }}', '48151624'],
    ['{{ (pin | int) * 1000000000000 }}', '48151623000000000000'],
    ['{{ -(pin | int) }}', '-48151623'],
    ['{{ (pin | int) - 2 * (pin | int) | abs }}', '-48151623'],
    ['{{ pins | first | int }}', '48151623'],
    ['{{ pin | int ~ "" }}', '48151623'],
    ['port {{ pin | int }}', 'port 48151623'],
  ])('%s', (template, text) => {
    expect(revealed(renderWith(template))).toBe(text);
  });

  it('masked when printed, at any depth', () => {
    expect(JSON.stringify(renderWith('{{ [pin | int, {"n": pin | int + 1}, 7] }}'))).toBe('["********",{"n":"********"},7]');
  });

  it.each([
    ['{{ pin | length }}', 8],
    ['{{ (pin | int) > 3 }}', true],
    ['{{ pin | int is number }}', true],
    ['{{ pins | length }}', 1],
  ])('%s (its length, a comparison) is not', (template, value) => {
    expect(renderWith(template)).toBe(value);
  });

  it('a number too short to be masked is refused, as text made from a secret is', () => {
    expect(() => renderWith('{{ (pin | int) % 10 }}')).toThrow('this expression makes a secret of its own: the secret is only 1 character long');
  });

  // The message names the value's type: the number (144454869 here) would print what the secret is.
  it.each([
    ['{{ ((pin | int) * 3) | length }}', 'expected a list, got an integer'],
    ['{{ ((pin | float) * 3) | first }}', 'expected a list, got a float'],
    ['{{ [(pin | int) * 3] | sort | first | length }}', 'expected a list, got an integer'],
    ['{{ 1.5 | round([(pin | int) * 3]) }}', 'precision must be an integer, got a list'],
    ['{{ 1.5 | round((pin | int) * 3 / 1) }}', 'precision must be an integer, got a float'],
    ["{{ ((pin | float) * 1e400) | int }}", 'cannot convert a float infinity or NaN to integer'],
  ])('%s is refused without the number in the message', (template, message) => {
    expect(() => renderWith(template)).toThrow(message);
    expect(() => renderWith(template)).not.toThrow(/144454869|48151623|inf\b/);
  });
});

describe('a mapping with a key made from a secret is a secret container', () => {
  const pw = new Secret('hunter2-key-secret');
  const pin = new Secret('123456');
  const secrets: Record<string, unknown> = { pw, pin };
  const renderWith = (template: string) => renderJinja(template, (name) => secrets[name]);

  it.each([
    ['{{ {pw: 1} | to_json }}', '{"hunter2-key-secret": 1}'],
    ['x{{ {pw: 1} }}', "x{'hunter2-key-secret': 1}"],
    ['{{ {pw: 1} | string }}', "{'hunter2-key-secret': 1}"],
    ["{{ {pw: 1} | join(',') }}", 'hunter2-key-secret'],
    ['{{ {(pin | int) + 1: 1} | to_json }}', '{"123457": 1}'],
  ])('%s is a secret', (template, text) => {
    expect(revealed(renderWith(template))).toBe(text);
  });

  it.each([
    ['{{ {pw: 1} | list }}', ['hunter2-key-secret']],
    ['{{ {pw: 1} | first }}', 'hunter2-key-secret'],
  ])('%s keeps the key a secret', (template, keys) => {
    const result = renderWith(template);
    expect(JSON.stringify(result)).not.toContain('hunter2');
    expect(JSON.stringify(revealAll(result))).toBe(JSON.stringify(keys));
  });

  it.each(['{{ {pin | int: 1} }}', '{{ {(pin | int) + 2: 1} }}'])('%s as a value: its key is masked in output', (template) => {
    expect(redact(JSON.stringify(renderWith(template)))).toBe('{"********":1}');
  });

  it('a key too short to be masked is refused', () => {
    expect(() => renderWith('{{ {(pin | int) % 10: 1} }}')).toThrow('this expression makes a secret of its own');
  });
});

describe("a key that merely holds a secret's text is no secret", () => {
  const admin = new Secret('opsadmin');
  const values: Record<string, unknown> = { admin, d: { opsadministrator: 1, x: 2 } };
  const renderWith = (template: string) => renderJinja(template, (name) => values[name]);

  it.each([
    ['{{ d | length }}', 2],
    ['{{ d | list | first }}', 'opsadministrator'],
    ['user={{ d | list | first }}', 'user=opsadministrator'],
    ['{{ d | to_json }}', '{"opsadministrator": 1, "x": 2}'],
    ["{{ d | join(',') }}", 'opsadministrator,x'],
  ])('%s is plain, and the key is not registered as a secret', (template, expected) => {
    const result = renderWith(template);
    expect(result).not.toBeInstanceOf(Secret);
    expect(result).toEqual(expected);
    // Only the secret's own text is masked: the rest of the word stays.
    expect(redact('the opsadministrator group')).toBe(`the ${MASK}istrator group`);
  });

  it('a key built from the secret is one', () => {
    expect(renderWith("{{ {admin ~ '-key': 1} | list | first }}")).toBeInstanceOf(Secret);
  });
});

describe('repeating nothing, or nothing to repeat, is empty however large the count', () => {
  it.each([
    ['{{ [] * 4294967296 }}', []],
    ['{{ ([] * 10000000) | length }}', 0],
    ["{{ '' * 4294967296 }}", ''],
    ['{{ [1, 2] * 0 }}', []],
    ['{{ [1, 2] * -4294967296 }}', []],
    ["{{ 'ab' * -1 }}", ''],
    ['{{ 4294967296 * [] }}', []],
  ])('%s', (template, expected) => {
    expect(renderJinja(template, () => undefined)).toEqual(expected);
  });
});

describe('repetition is capped at every depth', () => {
  it.each([
    '{{ ([[1] * 1000000] * 1000000) | length }}',
    '{{ [[1] * 1000] * 1001 }}',
    "{{ ['ab' * 500000] * 2 }}",
    "{{ [{'k': [1] * 1000}] * 1000 }}",
    '{{ [1] * 1000001 }}',
    "{{ 'ab' * 500001 }}",
  ])('%s is refused', (template) => {
    expect(() => renderJinja(template, () => undefined)).toThrow('this * makes more than 1000000 items and characters (counting those inside lists and mappings): expected at most 1000000');
  });

  it.each([
    ['{{ ([[1] * 1000] * 999) | length }}', 999],
    ['{{ ([1] * 1000000) | length }}', 1000000],
    ["{{ ('ab' * 500000) | length }}", 1000000],
    ['{{ ([[1, 2]] * 3) | length }}', 3],
  ])('%s is made', (template, length) => {
    expect(renderJinja(template, () => undefined)).toBe(length);
  });
});

describe('a JavaScript property is no Jinja2 item', () => {
  const vars: Record<string, unknown> = { mp: { k: 'v' }, lst: ['a', 'b'] };
  it.each(['{{ mp.constructor }}', '{{ mp.__proto__ }}', "{{ mp['toString'] }}", '{{ lst.length }}', '{{ lst.constructor }}', '{{ lst[0.5] }}'])('%s is not defined', (template) => {
    expect(() => renderJinja(template, (name) => vars[name])).toThrow('is not defined');
  });
  it.each([['{{ mp.k }}', 'v'], ['{{ lst[1] }}', 'b'], ['{{ lst[-1] }}', 'b'], ['{{ lst.0 }}', 'a']])('%s is an item', (template, value) => {
    expect(renderJinja(template, (name) => vars[name])).toBe(value);
  });
});

describe('deep templates', () => {
  const nested = (depth: number, open: string, inner: string, close: string): string => `{{ ${open.repeat(depth)}${inner}${close.repeat(depth)} }}`;
  // Refused with a message, however deep, rather than overflowing the stack; what a template needs is read.
  it.each([
    ['parentheses', (d: number) => nested(d, '(', '1', ')'), 1],
    ['lists', (d: number) => nested(d, '[', '', ']'), JSON.parse('['.repeat(100) + ']'.repeat(100)) as unknown],
    ['not', (d: number) => nested(d, 'not ', 'false', ''), false],
    ['minus', (d: number) => nested(d, '- ', '1', ''), 1],
  ])('%s: 100 deep is read, deeper than 200 refused', (_kind, template, value) => {
    expect(renderJinja(template(100), () => undefined)).toEqual(value);
    for (const depth of [201, 5000, 100_000]) expect(() => renderJinja(template(depth), () => undefined)).toThrow('Jinja2 expression nested too deeply');
  });

  // A chain is read in a loop, but makes a tree as deep as it is long.
  it.each([
    ['+', (n: number) => `{{ ${Array(n).fill('1').join(' + ')} }}`, 150],
    ['filters', (n: number) => `{{ 1${' | int'.repeat(n)} }}`, 1],
    ['attributes', (n: number) => `{{ x${'.a'.repeat(n)} }}`, 'end'],
  ])('a chain of %s: 150 long is read, 100000 long refused', (_kind, template, value) => {
    const x = JSON.parse(`${'{"a":'.repeat(150)}"end"${'}'.repeat(150)}`) as unknown;
    expect(renderJinja(template(150), (name) => (name === 'x' ? x : undefined))).toEqual(value);
    expect(() => renderJinja(template(100_000), () => undefined)).toThrow('Jinja2 expression nested too deeply');
  });
});

describe('syntax errors near a secret', () => {
  // The text quoted after "near" is cut at 12 characters: a secret there is masked before the cut, so no start of it shows.
  it.each(['{{ $Qx7-secret-value }}', '{{ $aaaaaaaaQx7-secret-value }}', '{{ x @ Qx7-secret-value }}'])('%s', (template) => {
    registerSecret('Qx7-secret-value');
    expect(() => renderJinja(template, () => undefined)).toThrow(/^Jinja2 syntax near '[^']*\*/);
    expect(() => renderJinja(template, () => undefined)).not.toThrow(/Qx7/);
  });
});
