/**
 * Files written by the real tools (test/fixtures/sops/README.md): the sops
 * tool's SOPS files and age's Go implementation's stanzas must read here.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { unwrapDataKey } from './age.js';
import { sshIdentity } from './age-ssh.js';
import { openSops, seal } from './document.js';
import { envWith, scratchDir } from '../../test/support/sops.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/sops/real/', import.meta.url));
const fixture = (name: string): string => join(FIXTURES, name);
const env = envWith(scratchDir(), { SOPS_AGE_KEY_FILE: fixture('test-identity.txt') });

const SOPS_FILES = ['age_example', 'age_mac_only_encrypted', 'age_empty_value', 'age_encrypted_regex', 'age_encrypted_suffix', 'age_unencrypted_regex', 'age_unencrypted_suffix'];

/** Every ENC[...] value of a file's text, metadata excluded. */
function encryptedValues(text: string): string[] {
  return text.split('\nsops:')[0]!.match(/ENC\[[^\]]+\]/g) ?? [];
}

describe('SOPS files written by the sops tool', () => {
  it.each(SOPS_FILES)('%s decrypts, its MAC checks, and it holds the values of its plain text', async (name) => {
    const opened = await openSops(fixture(`${name}.sops.yaml`), env);
    opened.source.doc.delete('sops');
    const values = JSON.parse(JSON.stringify(opened.source.doc.toJS(), (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)));
    expect(values).toEqual(parse(readFileSync(fixture(`${name}.plain.yaml`), 'utf8')));
  });

  it.each(SOPS_FILES)('%s sealed again with its data key (as edit does) keeps every value\'s ciphertext exactly as sops wrote it', async (name) => {
    const text = readFileSync(fixture(`${name}.sops.yaml`), 'utf8');
    const opened = await openSops(fixture(`${name}.sops.yaml`), env);
    const { metadata } = opened;
    const again = seal(opened.source, { format: 'yaml', dataKey: opened.dataKey, age: metadata.age, rule: metadata.rule, macOnlyEncrypted: metadata.macOnlyEncrypted, keep: metadata.node, stash: opened.stash });
    // Same IV, key and key path: only the same plain bytes (sops' "True", its float digits) give the same ciphertext.
    expect(encryptedValues(again)).toEqual(encryptedValues(text));
    const copy = join(scratchDir(), `${name}.sops.yaml`);
    writeFileSync(copy, again);
    await expect(openSops(copy, env)).resolves.toBeDefined();
  });

  it('mac_only_encrypted lets a plain value change; list items swapped in a sops file are a MAC mismatch', async () => {
    const copy = join(scratchDir(), 'changed.sops.yaml');
    writeFileSync(copy, readFileSync(fixture('age_mac_only_encrypted.sops.yaml'), 'utf8').replace('  a: aaa', '  a: aab'));
    // b_unencrypted is plain but not covered by mac_only_encrypted: the change is allowed there.
    await expect(openSops(copy, env)).resolves.toBeDefined();
    writeFileSync(copy, readFileSync(fixture('age_example.sops.yaml'), 'utf8').replace(/example_booleans:\n- (ENC\[[^\]]+\])\n- (ENC\[[^\]]+\])/, 'example_booleans:\n- $2\n- $1'));
    await expect(openSops(copy, env)).rejects.toThrow(/MAC mismatch/);
  });
});

describe('age files written by age (Go), from sops\' own tests', () => {
  it('an X25519 stanza', async () => {
    const identity = readFileSync(fixture('sops-test-x25519.txt'), 'utf8').trim();
    const result = await unwrapDataKey(readFileSync(fixture('sops-test-x25519.age'), 'utf8'), [identity]);
    expect('dataKey' in result && Buffer.from(result.dataKey).toString()).toBe('data');
  });

  it('an ssh-ed25519 stanza, with the OpenSSH private key', async () => {
    const { identity, recipient } = sshIdentity(readFileSync(fixture('sops-test-ssh-ed25519.key'), 'utf8'));
    expect(recipient).toBe('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID+Wi8WZw2bXfBpcs/WECttCzP39OkenS6pHWHWGFJvN');
    const result = await unwrapDataKey(readFileSync(fixture('sops-test-ssh-ed25519.age'), 'utf8'), [identity]);
    expect('dataKey' in result && Buffer.from(result.dataKey).toString()).toBe('data');
  });

  it('an X25519 identity is not offered an ssh-ed25519 stanza', async () => {
    const identity = readFileSync(fixture('sops-test-x25519.txt'), 'utf8').trim();
    expect(await unwrapDataKey(readFileSync(fixture('sops-test-ssh-ed25519.age'), 'utf8'), [identity])).toEqual({ noMatch: true });
  });
});
