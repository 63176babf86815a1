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
