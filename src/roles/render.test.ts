import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { Secret } from '../secrets.js';
import { isTruthy, renderText, renderValue } from './render.js';

const at = { file: 'roles/web/role.yaml', line: 10, col: 5 };
const context = { name: 'web-01', list: ['a', 'b'], port: 8080, nested: { key: 'v' }, password: new Secret('pa55word-x'), on: true };

describe('renderText', () => {
  it.each([
    ['plain text untouched', 'no braces', 'no braces'],
    ['variable', 'host {{name}}', 'host web-01'],
    ['no HTML escaping', '{{nested.key}} <&>', 'v <&>'],
    ['helpers', '{{join list "+"}} {{#if (eq port 8080)}}yes{{/if}} {{#unless (not on)}}on{{/unless}}', 'a+b yes on'],
    ['missing variable inside #if is fine', '{{#if nothing}}x{{/if}}', ''],
    ['secret renders its value', 'pw={{password}}', 'pw=pa55word-x'],
  ])('%s', (_, text, expected) => {
    expect(renderText(text, context, at, 'web-01')).toBe(expected);
  });

  it.each([
    ['missing variable', 'x {{nope}}', "roles/web/role.yaml:10:9: template variable 'nope' is not defined (rendering for host web-01; define it in the inventory or the role's defaults.yaml)"],
    ['missing variable on a later line', 'line\n  {{nested.nope}}', "roles/web/role.yaml:11:5: template variable 'nope' is not defined (rendering for host web-01; define it in the inventory or the role's defaults.yaml)"],
    ['syntax error', '{{name', 'roles/web/role.yaml:10:5: template syntax error: Expecting \'ID\', \'STRING\', \'NUMBER\', \'BOOLEAN\', \'UNDEFINED\', \'NULL\', \'DATA\', got \'INVALID\''],
  ])('%s is a UserError at file:line:col', (_, text, message) => {
    let error: unknown;
    try {
      renderText(text, context, at, 'web-01');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).format()).toBe(message);
  });
});

describe('renderValue', () => {
  it('keeps the type of a value that is exactly one variable', () => {
    expect(renderValue({ names: '{{list}}', port: '{{port}}', pw: '{{password}}', text: 'p{{port}}' }, context, at, 'h')).toEqual({
      names: ['a', 'b'],
      port: 8080,
      pw: context.password,
      text: 'p8080',
    });
  });

  it('renders inside lists and mappings, leaving non-strings alone', () => {
    expect(renderValue([{ a: '{{name}}', b: 3, c: null }], context, at, 'h')).toEqual([{ a: 'web-01', b: 3, c: null }]);
  });
});

describe('isTruthy', () => {
  it.each([
    [true, true],
    [false, false],
    ['true', true],
    ['yes', true],
    ['x', true],
    ['', false],
    ['false', false],
    [' False ', false],
    ['no', false],
    ['0', false],
    [null, false],
    [undefined, false],
  ])('%j → %s', (value, expected) => {
    expect(isTruthy(value)).toBe(expected);
  });
});

describe('collect and addresses', () => {
  const site = {
    inventory_hostname: 'web-01',
    groups: { app: ['web-01', 'web-02'], lb: ['lb-01'] },
    hostvars: { 'web-01': { address: '10.0.0.12' }, 'web-02': { address: '10.0.0.13' }, 'lb-01': { address: '10.0.0.11' } },
    firewall_allow_web: [{ port: 80, from: '{{addresses "lb"}}' }],
    firewall_allow_db: [{ port: 3306, from: '{{addresses "app" exclude=inventory_hostname}}' }],
    firewall_allow_none: null,
  };

  it('joins the lists of every variable with the prefix, in name order, rendering each item', () => {
    expect(renderValue('{{collect "firewall_allow_"}}', site, at, 'web-01')).toEqual([
      { port: 3306, from: '10.0.0.13' },
      { port: 80, from: '10.0.0.11' },
    ]);
  });

  it('gives an empty list when nothing has the prefix', () => {
    expect(renderValue('{{collect "nothing_"}}', site, at, 'web-01')).toEqual([]);
  });

  it('lists a group\'s addresses', () => {
    expect(renderText('{{addresses "app"}}', site, at, 'web-01')).toBe('10.0.0.12,10.0.0.13');
    expect(renderText('{{addresses "missing"}}', site, at, 'web-01')).toBe('');
  });
});
