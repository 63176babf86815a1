/**
 * A problem of the inventory that quotes a value never shows a secret in it, whatever the command and whichever way the
 * secret is known: read from the environment but used only by a role, or written in plain text for a variable a role
 * declares secret. The connection variables are checked when the inventory is read (`ansible_host`, `ansible_port`) or
 * when the connection is made (`ansible_ssh_common_args`), before the roles are: the problem is worded with those secrets
 * known all the same. No host is contacted (the problems stop every command first).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// The CLI bundled from the current sources (test/support/cli-bundle.ts).
const CLI = inject('provisionCli');
const SECRET = 'Sup3rS3cret-9';

describe('problems quoting a value mask the secrets the roles declare', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provision-error-secrets-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const rolesPath = join(dir, 'roles');
  mkdirSync(join(rolesPath, 'keeper'), { recursive: true });
  writeFileSync(join(rolesPath, 'keeper', 'role.yaml'), ['checks:', '  db_password: secret', 'resources: []', ''].join('\n'));
  // The secret from the environment, used by the role only; in two connection values checked as the inventory is read,
  // one where a description cut at 40 characters would cut the secret.
  writeFileSync(
    join(dir, 'site.yaml'),
    [
      'all:',
      '  vars:',
      '    db_password: { secret: ERROR_SECRETS_TEST }',
      '  roles: [keeper]',
      '  hosts:',
      `    w1: { ansible_host: "${SECRET} bad", ansible_connection: local }`,
      `    w2: { ansible_port: "${SECRET}", ansible_connection: local }`,
      `    w3: { ansible_host: "${'x'.repeat(30)} ${SECRET}", ansible_connection: local }`,
      '',
    ].join('\n'),
  );
  // The secret in plain text, in an INI group's variables; in a connection value checked when the connection is made.
  writeFileSync(join(dir, 'hosts.ini'), ['[app]', `w1 ansible_connection=local ansible_ssh_common_args="-p ${SECRET}"`, '', '[app:vars]', 'provision_roles=keeper', `db_password=${SECRET}`, ''].join('\n'));

  const commands: Array<[name: string, args: string[]]> = [
    ['plan', ['plan']],
    ['plan --json', ['plan', '--json']],
    ['exec', ['exec']],
    ['inventory --list', ['inventory', '--list']],
    ['inventory --host', ['inventory', '--host', 'w1']],
  ];
  const cases = [
    ...commands.map(([name, args]) => ['site.yaml', name, args, 2] as const),
    // `provision inventory` makes no connection: ansible_ssh_common_args is listed, masked.
    ...commands.map(([name, args]) => ['hosts.ini', name, args, name.startsWith('inventory') ? 0 : 2] as const),
  ];

  it.each(cases)('%s, %s', (inventory, _name, args, code) => {
    const [command, ...rest] = args;
    const run = spawnSync(process.execPath, [CLI, command!, join(dir, inventory), ...rest, '--roles-path', rolesPath, ...(command === 'exec' ? ['--', 'true'] : [])], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, ERROR_SECRETS_TEST: SECRET },
    });
    const out = run.stdout + run.stderr;
    expect(run.status, out).toBe(code);
    // Not the secret, nor the start of it a cut would leave.
    expect(out).not.toContain(SECRET.slice(0, 6));
    expect(out).toContain('********');
  });
});
