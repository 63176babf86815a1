/**
 * A run whose inventory reads SOPS files with an age key file stays small: the
 * X25519 key opens them on node:crypto, and age-encryption (pure-JS curves,
 * scrypt, post-quantum code) and the SSH key code are never imported.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it, vi } from 'vitest';
import { Secret } from '../secrets.js';
import { loadInventoryWithSecrets } from './sops-secrets.js';

const imported = vi.hoisted(() => ({ ageEncryption: 0, sshKeys: 0 }));
vi.mock('age-encryption', async (importOriginal) => {
  imported.ageEncryption++;
  return importOriginal();
});
vi.mock('../sops/age-ssh.js', async (importOriginal) => {
  imported.sshKeys++;
  return importOriginal();
});

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/sops/real/', import.meta.url));

it('an inventory with SOPS secrets for an X25519 key imports neither age-encryption nor the SSH key code', async () => {
  // HOME without ~/.ssh keys, as on a control node whose operator uses an age key file.
  const dir = mkdtempSync(join(tmpdir(), 'provision-sops-lazy-'));
  const file = join(dir, 'inventory.yaml');
  writeFileSync(file, `all:\n  vars:\n    greeting: { secret: { sops: ${join(FIXTURES, 'age_example.sops.yaml')}, key: hello } }\n  hosts:\n    h1:\n`);
  const inventory = await loadInventoryWithSecrets(file, { env: { HOME: dir, SOPS_AGE_KEY_FILE: join(FIXTURES, 'test-identity.txt') } });
  const greeting = inventory.hosts.find((h) => h.name === 'h1')?.vars['greeting'];
  expect(greeting instanceof Secret && greeting.reveal()).toBe('Welcome to SOPS! Edit this file as you please!');
  expect(imported).toEqual({ ageEncryption: 0, sshKeys: 0 });
});
