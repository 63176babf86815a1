import { afterEach, describe, expect, it } from 'vitest';
import { clearSecretsForTests, MASK, redact, registerSecret, Secret } from '../secrets.js';
import { CHECK_KINDS, checkOf, checkVariables, type Check } from './checks.js';

const check = (spec: unknown): Check => {
  const c = checkOf(spec);
  if (c === undefined) throw new Error(`no check ${JSON.stringify(spec)}`);
  return c;
};
const problem = (spec: unknown, value: unknown): string | undefined => check(spec).problem(value)?.message;

describe('kinds of checks', () => {
  afterEach(() => clearSecretsForTests());

  it.each([
    ['port', [22, '3306', 65535], [0, 65536, '80; evil', '80\nUser=root', '', null, 1.5]],
    ['integer', [0, '7', 63072000], [-1, '1e3', '7 ', 'x']],
    // MariaDB's range: a replica refuses a primary of server_id 0, and more than 32 bits is not read.
    ['server_id', [1, '12', 4294967295, '4294967295'], [0, '0', 4294967296, '4294967296', 'com', 'web-01', '2001:db8::5', '', null, '1e3', 12.5]],
    ['path', ['/opt/app', '/etc/provision/tls/www.foobar.com/fullchain.pem', '/var/www/acme'], ['opt/app', '/a b', '/etc/x"; touch /tmp/PWNED; echo "', '/opt/Sumo$(touch /tmp/PWNED)', '/var/%h', '/etc/../root', '/a\nb', '/a\\b', '/x;{}']],
    // Removed whole by the role that installs into it (sumo_dir): a system directory, however written, is refused.
    ['own_directory', ['/opt/SumoCollector', '/srv/tools/sumo', '/home/sumo/collector', '/data', '/app'], ['/', '/srv', '/snap', '/mnt', '/lost+found', '/opt', '/opt/', '/usr/lib', '/usr//lib/', '/usr/./lib', '/etc/ssh', '/var/lib', '/root', '/etc', '/usr', '/opt/x/..', 'opt/Sumo', '/opt/Sumo$(id)', '/opt/a b']],
    ['name', ['app', 'my-app.v2', 'C.UTF-8', 'de_DE@euro'], ['', '-x', '.hidden', 'a/b', 'app\nUser=root', 'a b', 'x'.repeat(65)]],
    ['identifier', ['app_backends', 'x-1', '_a'], ['1x', 'a.b', 'a b', 'app;evil', '-x', '']],
    ['user_name', ['app', '_svc', 'www-data'], ['root\nExecStartPre=/bin/sh', 'App', '--help', 'a b', 'x'.repeat(33)]],
    ['host', ['localhost', 'db.example.com', '10.0.0.5', '::1'], ['a b', 'host;evil', '-x', 'h\n']],
    ['ip_address', ['0.0.0.0', '::', '10.77.0.12'], ['localhost', '0.0.0.0\nskip-grant-tables', '10.0.0.0/8']],
    ['url', ['https://collectors.sumologic.com/rest/download/linux/64', 'http://10.77.0.1:8070/x?y=1'], ['ftp://x', 'https://x/$(id)', 'https://x y', 'https://x\n']],
    ['sha256', ['a'.repeat(64)], ['a'.repeat(63), 'g'.repeat(64), '']],
    ['sumo_keyword', ['prod', 'lab/lb/nginx-access', 'prod/*/nginx-access', 'eu-1.x_y:z+a@b#c$d%e^f'], ['', 'prod OR _sourceCategory=*', 'prod | count', 'a"b', "a'b", 'a\nb', '(a)', 'a\\b', 'prod/é', 'x'.repeat(256)]],
    ['one_line', ['anything at all; "quoted" $x', 19.5, 'tab\tok', 'é 😀'], ['two\nlines', 'escape \u001b[2J', 'nul \u0000', 'nel\u0085x', 'csi \u009b2J', 'ls\u2028x', 'ps\u2029x']],
    ['systemd_command', ['/usr/bin/node /opt/app/server.js', '-/usr/bin/true', '/bin/echo 100%'], ['+/bin/sh -c id', '!/bin/sh', '-+/bin/sh', ' +/bin/sh', '|echo', '/bin/x\nUser=root', '/bin/x \\']],
    ['port?', [null, '', 3000], ['x']],
    ['secret', ['long enough', 12345678, 'p#ss\\w"o\'rd $x'], ['abc', '', 'two\nlines', null, ['a-list'], { a: 'map' }]],
    ['secret?', [null, '', 'long enough'], ['abc']],
    ['api_key', ['suAbC123xyZ0', 'Ab3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6kM9nP2rS5uV8xA1dG4iL7oQ0tY3w', 'WRONG_SUMO_ACCESS_KEY', new Secret('k3y-Value_9')], ['key\\', ' leading', 'a=b', 'a:b', 'two\nlines', 'k#y1', new Secret('ends in \\'), 'abc', 42]],
    [['primary', 'replica'], ['primary', 'replica'], ['primary\nskip-grant-tables', 'Primary', '']],
  ])('%j', (spec, good, bad) => {
    for (const value of good) expect(problem(spec, value), JSON.stringify(value)).toBeUndefined();
    for (const value of bad) expect(problem(spec, value), JSON.stringify(value)).toBeDefined();
  });

  it('checks a secret without showing it', () => {
    new Secret('line-one');
    expect(problem('one_line', new Secret('secret\nvalue'))).toBe('a secret is not one line of text: it holds a newline');
    expect(problem('one_line', new Secret('secret value'))).toBeUndefined();
  });

  it('a plain-text value checked as a secret is masked in all output from then on, and never shown by the check', () => {
    expect(redact('password=plain-text-pw-9')).toBe('password=plain-text-pw-9');
    expect(problem('secret', 'plain-text-pw-9')).toBeUndefined();
    expect(redact('password=plain-text-pw-9')).toBe(`password=${MASK}`);
    expect(problem('secret', 'ab\ncd')).toBe('the value cannot be used as a secret: it holds a newline');
    expect(problem('secret', 'pw1')).toBe('the value cannot be used as a secret: the secret is only 3 characters long: secrets must have at least 4 characters, so that they can be masked in all output');
  });

  it('a plain-text API key that api_key refuses is masked from then on too, and not shown by the check', () => {
    expect(problem('api_key', 'plain key with a \\')).toBe('the value is not an API key or id: expected letters, digits, _ and - only');
    expect(redact('key=plain key with a \\')).toBe(`key=${MASK}`);
  });

  it('names nothing else', () => {
    for (const spec of ['portt', 'port??', 42, {}, [], [{}]]) expect(checkOf(spec)).toBeUndefined();
    expect(CHECK_KINDS).toEqual(['dns_name', 'dns_names', 'host', 'ip_address', 'port', 'integer', 'server_id', 'path', 'own_directory', 'name', 'identifier', 'user_name', 'url', 'sha256', 'sumo_keyword', 'one_line', 'secret', 'api_key', 'systemd_command']);
  });

  it('reports at the inventory line that sets the value, and leaves role defaults alone', () => {
    const host = { name: 'h', connection: { type: 'ssh' as const, address: 'h', port: 22, become: false }, groups: ['all'], roles: [], vars: {}, varOrigins: { app_port: { path: 'all.vars.app_port', position: { file: 'site.yaml', line: 4, col: 15 } } } };
    const role = { name: 'app', checks: [{ variable: 'app_port', check: check('port'), spec: 'port' }, { variable: 'app_user', check: check('user_name'), spec: 'user_name' }] };
    const errors = checkVariables(role, { app_port: '80\nUser=root', app_user: 'Root Default' }, host);
    expect(errors.map((e) => e.format())).toEqual(['site.yaml:4:15: all.vars.app_port: string "80\\nUser=root" is not a port number: expected a whole number from 1 to 65535 (role app uses it as a port number)']);
  });

  it('never quotes a value another role declares secret, nor a known secret, in another check\'s message', () => {
    const origin = (name: string) => ({ path: `all.vars.${name}`, position: { file: 'site.yaml', line: 2, col: 9 } });
    const host = { name: 'h', connection: { type: 'ssh' as const, address: 'h', port: 22, become: false }, groups: ['all'], roles: [], vars: {}, varOrigins: { tok: origin('tok'), other: origin('other') } };
    const role = { name: 'A', checks: [{ variable: 'tok', check: check('one_line'), spec: 'one_line' }, { variable: 'other', check: check('port'), spec: 'port' }] };
    registerSecret('Known-Secret-9');
    const errors = checkVariables(role, { tok: 'hunter\u0085-4444', other: 'Known-Secret-9' }, host, undefined, new Set(['tok']));
    const text = errors.map((e) => e.format()).join('\n');
    expect(errors).toHaveLength(2);
    expect(text).toContain('a secret is not one line of text: it holds');
    for (const secret of ['hunter', 'Known-Secret-9']) expect(text).not.toContain(secret);
  });
});
