import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';

// The CLI bundled from the current sources (test/support/cli-bundle.ts).
const CLI = inject('provisionCli');

describe('provision vault encrypt-string', () => {
  it('prints a !vault value that ansible-vault decrypts, reading the secret from stdin', () => {
    const dir = mkdtempSync(join(tmpdir(), 'provision-vault-cli-'));
    const pass = join(dir, 'pass');
    writeFileSync(pass, 'cli-vault-password\n', { mode: 0o600 });
    const run = spawnSync(process.execPath, [CLI, 'vault', 'encrypt-string', '--name', 'db_password', '--vault-id', `prod@${pass}`], { input: 'the-secret\n', encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^db_password: !vault \|\n {10}\$ANSIBLE_VAULT;1\.2;AES256;prod\n/);
    expect(run.stdout).not.toContain('the-secret');
    const vars = join(dir, 'vars.yml');
    writeFileSync(vars, run.stdout);
    const shown = execFileSync('ansible', ['localhost', '-m', 'debug', '-a', 'var=db_password', '-e', `@${vars}`, '--vault-id', `prod@${pass}`], { encoding: 'utf8', env: { ...process.env, ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_INVENTORY_UNPARSED_WARNING: 'false' } });
    expect(shown).toContain('"db_password": "the-secret"');
  });
});
