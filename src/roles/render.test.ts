import Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { userErrorOf } from '../../test/fixtures/inventory/fixtures.js';
import { Secret } from '../secrets.js';
import { hostContext, isTruthy, renderText, renderValue, type TemplateContext } from './render.js';

const at = { file: 'roles/web/role.yaml', line: 10, col: 5 };
const context = { name: 'web-01', list: ['a', 'b'], port: 8080, nested: { key: 'v' }, password: new Secret('pa55word-x'), on: true };

/** A host's variables as the planner sees them: each rendered (once) when first read. */
function resolve(values: Record<string, unknown>): TemplateContext {
  const fixed = Object.fromEntries(Object.entries(values).filter(([name]) => name === 'groups' || name === 'hostvars'));
  const variables = new Map(Object.entries(values).filter(([name]) => !(name in fixed)).map(([name, value]) => [name, { value, origin: { path: `vars.${name}` }, jinja: false }] as const));
  return hostContext(variables, fixed, 'h');
}

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

describe('renderText of text whose mustaches are all variables', () => {
  // Rendered without Handlebars: what Handlebars itself makes of the same text, strict and unescaped.
  const values = { a: 1, b: 2, s: 'x', n: null, u: undefined, t: true, list: ['p', new Secret('s3cret-val')], obj: { k: 'v', deep: { z: 0 }, true: 'T', null: 'N', this: 'S' }, else: { k: 'E' }, pw: new Secret('pa55word-x'), big: 12345678901234567890n, fn: () => 'called', proto: Object.create({ inherited: 'i' }) };
  it.each([
    '{{a}}',
    '{{a}}{{b}}',
    '{{a}} {{b}}',
    'x{{a}}{{b}}',
    '{{a}}{{b}}y',
    '{{ s }}-{{s}}',
    '{{n}}{{a}}',
    '{{u}}{{a}}{{b}}',
    '{{t}}{{a}}',
    '{{list}}',
    'pw={{pw}}{{pw}}',
    '{{obj}}',
    '{{obj.k}}/{{obj.deep.z}}',
    '{{big}}',
    'line\n  {{obj.k}}\n',
    '{{fn}}',
    '{{proto.inherited}}',
    '{{toString}}',
    '{{a}} }} {',
    '\\{{a}} {{b}}',
    '{{{s}}} {{a}}',
    '{{this.a}}',
    '{{else}}',
    '{{ else }}',
    '{{else.k}}',
    '{{obj.true}}',
    '{{obj.null}}',
    '{{obj.this}}',
  ])('%j', (text) => {
    const handlebars = Handlebars.create().compile(text, { strict: true, noEscape: true });
    const outcome = (render: () => string): string => {
      try {
        return render();
      } catch (err) {
        return 'error';
      }
    };
    expect(outcome(() => renderText(text, values, at, 'web-01'))).toBe(outcome(() => handlebars(values)));
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

  it('joins the lists of every variable with the prefix, in name order, each item rendered once', () => {
    const resolved = resolve(site);
    expect(renderValue('{{collect "firewall_allow_"}}', resolved, at, 'web-01')).toEqual([
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

describe('format helpers', () => {
  const values = {
    hostile: 'x"; touch /tmp/PWNED #\\ \nskip-grant-tables',
    pct: 'a%b',
    lead: ' a\\b\né',
    dollar: '/var/www/$host',
    password: new Secret('p#ss\\word "q" '),
    list: [{ name: 'a"b', pw: new Secret('list-secret') }],
    port: 3000,
  };

  it.each([
    ['json encodes a value, a secret with its real value', '{{json password}} {{json list}}', '"p#ss\\\\word \\"q\\" " [{"name":"a\\"b","pw":"list-secret"}]'],
    ['json joins several values first', '{{json "http://h:" port "/x"}}', '"http://h:3000/x"'],
    ['mysql_option quotes and escapes', '{{mysql_option hostile}}', '"x\\"; touch /tmp/PWNED #\\\\ \\nskip-grant-tables"'],
    ['mysql_option deploys a secret whole', 'password={{mysql_option password}}', 'password="p#ss\\\\word \\"q\\" "'],
    ['systemd_env quotes and escapes', 'DB_PASSWORD={{systemd_env password}} X={{systemd_env "$HOME`x`"}}', 'DB_PASSWORD="p#ss\\\\word \\"q\\" " X="\\$HOME\\`x\\`"'],
    ['systemd_value doubles %', 'Description={{systemd_value pct " app"}}', 'Description=a%%b app'],
    ['nginx quotes a parameter', 'root {{nginx "/srv/a b;{"}};', 'root "/srv/a b;{";'],
    ['properties escapes', 'name={{properties lead}}', 'name=\\ a\\\\b\\n\\u00e9'],
    ['one_line passes a line through', '# {{one_line "web-01 is a primary"}}', '# web-01 is a primary'],
  ])('%s', (_, text, expected) => {
    expect(renderText(text, values, at, 'web-01')).toBe(expected);
  });

  it.each([
    ['nginx refuses a newline', 'x\n  {{nginx hostile}}', "roles/web/role.yaml:11:3: template error: {{nginx}}: string \"x\\\"; touch /tmp/PWNED #\\\\ \\nskip-gran…\": the value holds a newline, which an nginx parameter cannot carry in one value (rendering for host web-01)"],
    ['nginx refuses $', '{{nginx dollar}}', "roles/web/role.yaml:10:5: template error: {{nginx}}: string \"/var/www/$host\": the value holds '$', which nginx would read as the start of a variable (nginx has no escape for it) (rendering for host web-01)"],
    ['systemd_value refuses a newline', 'User={{systemd_value hostile}}', 'roles/web/role.yaml:10:10: template error: {{systemd_value}}: string "x\\"; touch /tmp/PWNED #\\\\ \\nskip-gran…": the value holds a newline, which a systemd unit setting cannot carry in one value (rendering for host web-01)'],
    ['one_line refuses a newline, never showing a secret', '# {{one_line "a\n" password}}', 'roles/web/role.yaml:10:7: template error: {{one_line}}: a secret: the value holds a newline, which one line of text cannot carry in one value (rendering for host web-01)'],
  ])('%s, as a UserError at the helper', (_, text, message) => {
    expect(userErrorOf(() => renderText(text, values, at, 'web-01')).format()).toBe(message);
  });
});

describe('host variables', () => {
  it('renders variables that refer to variables, in any order', () => {
    const resolved = resolve({ a: '{{b}}/x', b: '{{c}}', c: 'root', n: 3 });
    expect({ ...resolved }).toEqual({ a: 'root/x', b: 'root', c: 'root', n: 3 });
  });

  it('never renders a value twice: a secret or a value holding {{ stays as it is', () => {
    const secret = new Secret('pw{{inventory_hostname}}{{#each x}}');
    const resolved = resolve({ password: secret, line: 'password={{password}}', literal: '{{raw}}', raw: '\\{{not a variable}}', inventory_hostname: 'web-01' });
    expect(resolved.password).toBe(secret);
    expect(resolved.line).toBe('password=pw{{inventory_hostname}}{{#each x}}');
    expect(resolved.raw).toBe('{{not a variable}}');
    expect(resolved.literal).toBe('{{not a variable}}');
    expect(renderValue('{{collect "list_"}}', { ...resolved, list_a: ['{{raw}}'] }, at, 'h')).toEqual(['{{raw}}']);
  });

  it('reports a variable that needs itself, naming the cycle', () => {
    expect(() => resolve({ a: '{{b}}', b: 'x{{a}}' }).a).toThrow(/refers to itself \(a → b → a\)/);
  });
});
