/**
 * Hostile values through the whole CLI, on the control node itself
 * (`ansible_connection: local`, everything in a temp directory): a role with
 * no checks gets each value as one quoted word, so `plan`'s unless probe and
 * `apply`'s command treat them as text; a directory whose path is a symbolic
 * link is refused, its target untouched; the retry file of that failed run
 * replaces a link at its path instead of writing through it. The lab test
 * test/e2e/hostile-values.test.ts does the same over SSH.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// The CLI bundled from the current sources (test/support/cli-bundle.ts).
const CLI = inject('provisionCli');

function provision(args: string[]) {
  const run = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: run.status, out: run.stdout + run.stderr };
}

describe('hostile values through the CLI, on the control node', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provision-hostile-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const mark = join(dir, 'PWNED');
  const hostile = [`x"; touch ${mark}; echo "`, `/opt/Sumo$(touch ${mark})`, `7.0\n__PROVISION_EOF__\ntouch ${mark}`, `'; touch ${mark}; '`, `$(touch ${mark})`];
  const target = join(dir, 'target');
  const link = join(dir, 'link');
  const literal = join(dir, 'literal');
  const precious = join(dir, 'precious');
  const inventory = join(dir, 'hostile.yaml');

  mkdirSync(join(dir, 'roles', 'hostile'), { recursive: true });
  writeFileSync(
    join(dir, 'roles', 'hostile', 'role.yaml'),
    ['resources:', '  - name: literal values', '    command:', `      cmd: printf '%s\\n' {{hostile}} > ${literal}`, '      unless: test {{first}} = never', `  - directory: { path: ${link}, mode: "0700" }`, ''].join('\n'),
  );
  writeFileSync(inventory, ['all:', '  vars:', `    hostile: ${JSON.stringify(hostile)}`, `    first: ${JSON.stringify(hostile[0])}`, '  roles: [hostile]', '  hosts:', '    me: { ansible_connection: local }', ''].join('\n'));
  mkdirSync(target, { mode: 0o755 });
  symlinkSync(target, link);
  writeFileSync(precious, 'keep me\n');
  symlinkSync(precious, join(dir, 'hostile.retry'));

  it('plan runs the unless probe with the values as text and says the link will be refused', () => {
    const plan = provision(['plan', inventory, '--roles-path', join(dir, 'roles')]);
    expect(plan.code, plan.out).toBe(0);
    expect(plan.out).toContain(`${link} is a symbolic link: refusing to manage what it points to`);
    expect(existsSync(mark)).toBe(false);
    expect(existsSync(literal)).toBe(false);
  });

  it('apply writes the values literally, refuses the link, and replaces the link at the retry path', () => {
    const apply = provision(['apply', inventory, '--roles-path', join(dir, 'roles')]);
    expect(apply.code, apply.out).toBe(1);
    expect(readFileSync(literal, 'utf8')).toBe(`${hostile.join('\n')}\n`);
    expect(statSync(target).mode & 0o777).toBe(0o755);
    expect(existsSync(mark)).toBe(false);
    expect(readFileSync(precious, 'utf8')).toBe('keep me\n');
    expect(lstatSync(join(dir, 'hostile.retry')).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(dir, 'hostile.retry'), 'utf8')).toBe('me\n');
  });
});

describe("provision inventory passes no inventory name's terminal controls to the terminal", () => {
  const dir = mkdtempSync(join(tmpdir(), 'provision-hostile-names-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // Retitle the terminal (OSC ... BEL), and a right-to-left override that would show the rest of the line reversed.
  const group = 'g\u001b]0;PWNED\u0007';
  const host = 'web\u202e10-bew';
  const inventory = join(dir, 'names.yaml');
  writeFileSync(inventory, ['all:', '  children:', `    ${JSON.stringify(group)}:`, '      hosts:', `        ${JSON.stringify(host)}: { address: 10.0.0.5, banner: "a\\u202eb" }`, ''].join('\n'));

  it.each([
    ['--graph', ['--graph'], ['|--@g\\u001b]0;PWNED\\u0007:', '|--web\\u202e10-bew']],
    ['--list', ['--list'], ['"g\\u001b]0;PWNED\\u0007": {', '"web\\u202e10-bew"']],
    ['--host', ['--host', host], ['"banner": "a\\u202eb"']],
  ])('%s', (_, args, shown) => {
    const run = provision(['inventory', inventory, ...args]);
    expect(run.code, run.out).toBe(0);
    for (const text of shown) expect(run.out).toContain(text);
    expect(run.out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
  });
});

describe('provision inventory masks what the roles declare secret, also when the inventory writes it in plain text', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provision-inventory-secrets-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const inventory = join(dir, 'site.yaml');
  // app and mysql declare app_db_password and mysql_replication_password `secret`; sumologic declares sumo_access_key `api_key`; Ansible's passwords are known by name.
  writeFileSync(
    inventory,
    [
      'all:',
      '  vars: { app_db_password: "plain-Db-Pass", sumo_access_key: SumoKeyPlain1, sumo_installation_token: { by_env: [TokenDeep-7, { prod: TokenProd-8 }] }, locale: C.UTF-8 }',
      '  roles: [common, sumologic]',
      '  children:',
      '    app:',
      '      roles: [app, mysql]',
      '      hosts:',
      '        web-01: { address: 10.0.0.5, mysql_replication_password: 12345678, ansible_password: SshPass-plain, ansible_ssh_pass: SshPass-plain2, ansible_sudo_pass: SudoPass-plain }',
      '',
    ].join('\n'),
  );

  it.each([
    ['--list', ['--list']],
    ['--host', ['--host', 'web-01']],
  ])('%s', (_, args) => {
    const run = provision(['inventory', inventory, ...args]);
    expect(run.code, run.out).toBe(0);
    for (const name of ['app_db_password', 'sumo_access_key', 'mysql_replication_password', 'ansible_password', 'ansible_ssh_pass', 'ansible_sudo_pass']) expect(run.out).toContain(`"${name}": "********"`);
    for (const secret of ['plain-Db-Pass', 'SumoKeyPlain1', '12345678', 'SshPass-plain', 'SudoPass-plain', 'TokenDeep-7', 'TokenProd-8']) expect(run.out).not.toContain(secret);
    // A mapping or list keeps its shape, every string in it masked, its mappings' keys too.
    expect(run.out.replace(/\s+/g, '')).toContain('"sumo_installation_token":{"********1":["********",{"********1":"********"}]}');
    // What no role declares secret prints as written.
    expect(run.out).toContain('"locale": "C.UTF-8"');
  });
});

describe('provision inventory masks a variable whose value is exactly a secret\'s, however the secret reads it, and a secret inside another value, not the ingredients of a secret', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provision-inventory-secret-values-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const inventory = join(dir, 'site.yaml');
  const rolesPath = join(dir, 'roles');
  mkdirSync(join(rolesPath, 'computed'), { recursive: true });
  writeFileSync(join(rolesPath, 'computed', 'role.yaml'), ['checks:', '  x_password: secret', '  y_password: secret', '  z_password: secret', '  db_url: secret', 'resources: []', ''].join('\n'));
  writeFileSync(join(rolesPath, 'computed', 'defaults.yaml'), 'x_password: "{{ vault_x }}"\n');
  writeFileSync(
    inventory,
    [
      'all:',
      '  roles: [computed]',
      '  hosts:',
      '    h1:',
      '      ansible_host: 127.0.0.1',
      '      ansible_user: deploy',
      '      db_port: 3306',
      '      db_url: "mysql://{{ ansible_user }}:pw@{{ ansible_host }}:{{ db_port }}/app"',
      '      vault_x: FromDefault-1',
      '      y_password: "{{ db_pw }}"',
      '      db_pw: "{{ vault_db[\'pw\'] }}"',
      '      vault_db: { pw: FromChain-2 }',
      '      z_password: "{{ hostvars[inventory_hostname].vault_z }}"',
      '      vault_z: ThroughHostvars-3',
      '      plain: "{{ \'vault_x\' }} shown-4"',
      '      dsn: "mysql://app:FromDefault-1@db/app"',
      '      by_token: { "key-FromChain-2": { note: "uses ThroughHostvars-3 inside" } }',
      '      name-FromDefault-1: a variable named with a secret',
      '      pair: { "k-FromDefault-1": one, "k-FromChain-2": two }',
      '',
    ].join('\n'),
  );

  it.each([
    ['--list', ['--list']],
    ['--host', ['--host', 'h1']],
  ])('%s', (_, args) => {
    const run = provision(['inventory', inventory, '--roles-path', rolesPath, ...args]);
    expect(run.code, run.out).toBe(0);
    for (const secret of ['FromDefault-1', 'FromChain-2', 'ThroughHostvars-3']) expect(run.out).not.toContain(secret);
    for (const name of ['vault_x', 'vault_z', 'db_url']) expect(run.out).toContain(`"${name}": "********"`);
    // What a secret is made of, not a secret itself, prints as written: numbers as numbers.
    expect(run.out).toContain('"ansible_host": "127.0.0.1"');
    expect(run.out).toContain('"ansible_user": "deploy"');
    expect(run.out).toContain('"db_port": 3306');
    expect(run.out).toContain(`"plain": "{{ 'vault_x' }} shown-4"`);
    // A secret inside another value is masked there, as plan masks it: in text and in mapping keys.
    expect(run.out).toContain('"dsn": "mysql://app:********@db/app"');
    expect(run.out.replace(/\s+/g, '')).toContain('"by_token":{"key-********":{"note":"uses********inside"}}');
    expect(run.out).toContain('"name-********": "a variable named with a secret"');
    // Two keys that masking makes equal are both printed.
    expect(run.out.replace(/\s+/g, '')).toContain('"pair":{"k-********":"one","k-********2":"two"}');
  });
});

describe('provision inventory finds the roles declaring secrets where apply does, and masks every string of a mapping or list, and its keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provision-inventory-roles-path-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const inventory = join(dir, 'site.yaml');
  const rolesPath = join(dir, 'elsewhere');
  mkdirSync(join(rolesPath, 'vaulty'), { recursive: true });
  writeFileSync(join(rolesPath, 'vaulty', 'role.yaml'), ['checks:', '  tokens: secret', '  keys: api_key', 'resources: []', ''].join('\n'));
  writeFileSync(
    inventory,
    [
      'all:',
      '  roles: [vaulty]',
      '  hosts:',
      '    h1:',
      '      tokens: { TokenAsKey-6: read-only, prod: TokenProd-1, nested: { deep: [TokenDeep-2, 31415926] } }',
      '      keys: [KeyOne-3, KeyTwo-4]',
      '      plain: { shown: visible-5 }',
      '',
    ].join('\n'),
  );
  const secrets = ['TokenAsKey-6', 'TokenProd-1', 'TokenDeep-2', '31415926', 'KeyOne-3', 'KeyTwo-4'];

  it.each([
    ['--list', ['--list']],
    ['--host', ['--host', 'h1']],
  ])('%s with --roles-path', (_, args) => {
    const run = provision(['inventory', inventory, '--roles-path', rolesPath, ...args]);
    expect(run.code, run.out).toBe(0);
    for (const secret of secrets) expect(run.out).not.toContain(secret);
    const vars = JSON.parse(run.out) as Record<string, unknown> & { _meta?: { hostvars: Record<string, unknown> } };
    expect(vars._meta?.hostvars.h1 ?? vars).toEqual({
      tokens: { '******** 1': '********', '******** 2': '********', '******** 3': { '******** 1': ['********', '********'] } },
      keys: ['********', '********'],
      plain: { shown: 'visible-5' },
    });
  });

  it('without it, names the role it could not find, as the reason the values print as written', () => {
    const run = provision(['inventory', inventory, '--host', 'h1']);
    expect(run.code, run.out).toBe(0);
    expect(run.out).toMatch(/warning: the variables this role would declare secret are not known, and print as written \(--roles-path DIR says where roles are\): .*vaulty/);
  });
});

