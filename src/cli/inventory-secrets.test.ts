/**
 * `provision inventory --list/--host` masks a plain copy of a secret the inventory reads from a secret source (vault,
 * the environment, SOPS), used by nothing or an entry of a mapping, whatever the copy's type and place, as plan does;
 * without the vault password, the variable or an age identity for the SOPS file, it still prints, and says what it
 * could not read.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { MASK } from '../secrets.js';
import { encryptVault } from '../vault/vault.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SOPS = join(ROOT, 'test/fixtures/sops/real');
// The CLI bundled from the current sources (test/support/cli-bundle.ts).
const CLI = inject('provisionCli');

describe('provision inventory masks a plain copy of a secret read from a secret source', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provision-inventory-secrets-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const vaultPassword = join(dir, 'vault-pass');
  writeFileSync(vaultPassword, 'vault-pass-1\n');
  const vaulted = (text: string, indent: string): string[] => ['!vault |', ...encryptVault(Buffer.from(text), Buffer.from('vault-pass-1')).trimEnd().split('\n').map((line) => `${indent}${line}`)];
  const inventory = join(dir, 'site.yaml');
  writeFileSync(
    inventory,
    [
      'all:',
      '  hosts:',
      '    me:',
      '      from_env: { secret: INVENTORY_TEST_SECRET }',
      `      from_sops: { secret: { sops: ${join(SOPS, 'age_example.sops.yaml')}, key: example_key } }`,
      '      sops_copy: example_value',
      '      vault_db:',
      `        pw: ${vaulted('Nested-Pw-2', '          ').join('\n')}`,
      `      vault_pin: ${vaulted('123456789', '        ').join('\n')}`,
      `      vault_float: ${vaulted('4321.0', '        ').join('\n')}`,
      '      env_copy: FromEnv-1',
      '      nested_copy: Nested-Pw-2',
      '      pin: 123456789',
      '      pin_float: 4321.0',
      '      in_list: [visible, Nested-Pw-2, 123456789]',
      '      in_mapping: { a: Nested-Pw-2, Nested-Pw-2: 1 }',
      '      shown: visible',
      '',
    ].join('\n'),
  );
  // No age identity but the one given (SOPS_AGE_KEY_FILE): none in a home of its own.
  const noIdentity = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SOPS_')));
  const provision = (args: string[], env: Record<string, string>) => {
    const run = spawnSync(process.execPath, [CLI, 'inventory', inventory, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...noIdentity, HOME: dir, ...env } });
    return { code: run.status, stdout: run.stdout, stderr: run.stderr };
  };

  it.each([
    ['--host', ['--host', 'me'], (json: Record<string, unknown>) => json],
    ['--list', ['--list'], (json: Record<string, { hostvars: Record<string, unknown> }>) => json._meta!.hostvars.me],
  ])('%s prints the copies masked, as valid JSON', (_, args, hostVars) => {
    const run = provision([...args, '--vault-password-file', vaultPassword], { INVENTORY_TEST_SECRET: 'FromEnv-1', SOPS_AGE_KEY_FILE: join(SOPS, 'test-identity.txt') });
    expect(run.code, run.stderr).toBe(0);
    for (const secret of ['FromEnv-1', 'example_value', 'Nested-Pw-2', '123456789', '4321']) expect(run.stdout + run.stderr).not.toContain(secret);
    expect(hostVars(JSON.parse(run.stdout))).toMatchObject({
      sops_copy: MASK,
      env_copy: MASK,
      nested_copy: MASK,
      pin: MASK,
      pin_float: MASK,
      in_list: ['visible', MASK, MASK],
      in_mapping: { a: MASK, [MASK]: 1 },
      shown: 'visible',
    });
  });

  it('without the vault password, the variable and an age identity, prints the rest and says what it could not read', () => {
    const run = provision(['--host', 'me'], {});
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ shown: 'visible', pin: 123456789, from_sops: { secret: { key: 'example_key' } } });
    expect(run.stderr).toMatch(/^warning: a secret value could not be read, so a plain copy of it elsewhere is not known as a secret and not masked \(and 4 more\): .*site\.yaml:4:\d+: all\.hosts\.me\.from_env: environment variable INVENTORY_TEST_SECRET is unset or empty/m);
  });
});
