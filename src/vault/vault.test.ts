import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readVaultPasswords, VaultKeyring } from './passwords.js';
import { userErrorOf } from '../../test/fixtures/inventory/fixtures.js';
import { decryptVault, encryptVault, parseVaultText } from './vault.js';

const CORPUS = fileURLToPath(new URL('../../test/fixtures/ansible/vault/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'provision-vault-'));
const passwordFile = join(dir, 'pass');
writeFileSync(passwordFile, 'unit-vault-password\n', { mode: 0o600 });

describe('vault format 1.1 and 1.2', () => {
  it('round-trips, with a vault id in the 1.2 header', () => {
    const text = encryptVault(Buffer.from('s3cret value\nwith lines'), Buffer.from('pw'), 'prod');
    expect(text.split('\n')[0]).toBe('$ANSIBLE_VAULT;1.2;AES256;prod');
    expect(text.split('\n').slice(1, -1).every((l) => l.length <= 80)).toBe(true);
    expect(decryptVault(parseVaultText(text), Buffer.from('pw'))!.toString()).toBe('s3cret value\nwith lines');
    expect(decryptVault(parseVaultText(text), Buffer.from('other'))).toBeUndefined();
    expect(encryptVault(Buffer.from('x'), Buffer.from('pw')).split('\n')[0]).toBe('$ANSIBLE_VAULT;1.1;AES256');
  });

  it('decrypts what ansible-vault encrypt_string wrote (the corpus values), trying the named vault id first', () => {
    const keyring = readVaultPasswords({ passwordFiles: [join(CORPUS, 'passwords/default.txt')], vaultIds: [`prod@${join(CORPUS, 'passwords/prod.txt')}`] });
    const inventory = readFileSync(join(CORPUS, 'inventory.yml'), 'utf8');
    const values = [...inventory.matchAll(/!vault \|\n((?:\s+\S+\n)+)/g)].map((m) => m[1]!.split('\n').map((l) => l.trim()).join('\n'));
    expect(values.map((v) => { const r = keyring.decrypt(v); return 'plaintext' in r ? r.plaintext.toString() : r.problem; })).toEqual(['corpus-db-password', 'corpus-api-token', 'corpus-sudo-password']);
    const file = keyring.decrypt(readFileSync(join(CORPUS, 'group_vars/all/vault.yml'), 'utf8'));
    expect('plaintext' in file && file.plaintext.toString()).toContain('vault_smtp_password: corpus-smtp-password');
  });

  it('what provision encrypts, ansible-vault decrypts', () => {
    const text = encryptVault(Buffer.from('from provision'), Buffer.from('unit-vault-password'), 'unit');
    const file = join(dir, 'encrypted');
    writeFileSync(file, text);
    expect(execFileSync('ansible-vault', ['view', '--vault-id', `unit@${passwordFile}`, file], { encoding: 'utf8' }).trimEnd()).toBe('from provision');
  });

  it('says what to pass, never a value, when no password opens a value', () => {
    const text = encryptVault(Buffer.from('hidden'), Buffer.from('pw'), 'prod');
    expect(new VaultKeyring([]).decrypt(text)).toEqual({ problem: "the value is vault-encrypted (vault id 'prod') and no vault password was given: pass --vault-password-file FILE or --vault-id LABEL@FILE, or set ANSIBLE_VAULT_PASSWORD_FILE (or vault_password_file in ansible.cfg)" });
    const wrong = readVaultPasswords({ passwordFiles: [passwordFile], vaultIds: [] }).decrypt(text);
    expect('problem' in wrong && wrong.problem).toMatch(/none of the vault passwords given \(--vault-password-file .*\) decrypts it/);
    expect(new VaultKeyring([]).decrypt('$ANSIBLE_VAULT;1.1;AES256\nzz')).toEqual({ problem: 'malformed vault text: the encrypted data is not hexadecimal: the vault text is damaged' });
  });

  it('refuses a password too short to mask as bad input, naming where it came from', () => {
    const short = join(dir, 'short-password');
    writeFileSync(short, 'pw1\n');
    expect(userErrorOf(() => readVaultPasswords({ passwordFiles: [], vaultIds: [`prod@${short}`] })).format()).toBe(
      `--vault-id prod@${short}: the vault password is only 3 characters long: secrets must have at least 4 characters, so that they can be masked in all output (Ansible takes it): re-encrypt with a longer password (ansible-vault rekey)`,
    );
  });

  it('reads ANSIBLE_VAULT_PASSWORD_FILE and runs an executable password file', () => {
    const script = join(dir, 'pass-script');
    writeFileSync(script, '#!/bin/sh\necho from-script\n', { mode: 0o700 });
    const keyring = readVaultPasswords({ passwordFiles: [], vaultIds: [`ops@${script}`] }, { file: passwordFile, source: 'ANSIBLE_VAULT_PASSWORD_FILE' });
    expect(keyring.passwords.map((p) => [p.id, p.password.toString()])).toEqual([['ops', 'from-script'], ['default', 'unit-vault-password']]);
  });
});
