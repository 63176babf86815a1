/** A vault value is decrypted once a run, failing or not: each try costs a key derivation, and it is read for every host holding it. */
import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { VaultKeyring } from '../vault/passwords.js';
import { encryptVault } from '../vault/vault.js';
import { VaultValue } from './deferred.js';

/** A keyring that counts its decryptions. */
class CountingKeyring extends VaultKeyring {
  tries = 0;
  override decrypt(text: string): ReturnType<VaultKeyring['decrypt']> {
    this.tries += 1;
    return super.decrypt(text);
  }
}

describe('a vault value is decrypted once', () => {
  const text = encryptVault(Buffer.from('Vaulted-1'), Buffer.from('right-pass'));
  it.each([
    ['decrypted', 'right-pass', (value: VaultValue) => expect(value.resolve().reveal()).toBe('Vaulted-1')],
    ['not decrypted (a wrong password)', 'wrong-pass', (value: VaultValue) => expect(() => value.resolve()).toThrow(UserError)],
    ['refused (too short to mask)', 'right-pass', (value: VaultValue) => expect(() => value.resolve()).toThrow(UserError), 'abc'],
  ])('%s: read three times, one decryption', (_name, password, check, plaintext?: string) => {
    const keyring = new CountingKeyring([{ id: 'default', password: Buffer.from(password), source: 'test' }]);
    const vaulted = plaintext === undefined ? text : encryptVault(Buffer.from(plaintext), Buffer.from('right-pass'));
    const value = new VaultValue(vaulted, keyring, 'all.vars.pw', undefined);
    for (let i = 0; i < 3; i += 1) check(value);
    expect(keyring.tries).toBe(1);
  });
});
