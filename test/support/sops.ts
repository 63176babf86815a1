/** Keys, files and environments for the SOPS tests: every test gets its own directory and HOME, so no real key is ever used. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { parseYaml } from '../../src/yaml/yaml-source.js';
import { parseRecipient } from '../../src/sops/age.js';
import { newDataKey, seal } from '../../src/sops/document.js';
import { formatOf } from '../../src/sops/format.js';
import type { Env } from '../../src/sops/identities.js';
import { DEFAULT_RULE, type EncryptionRule } from '../../src/sops/tree.js';

/** A fresh directory, also used as HOME (so ~/.ssh and ~/.config hold nothing). */
export function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'provision-sops-test-'));
}

/** A new age key pair; the identity is written to DIR/NAME.txt. */
export async function ageKey(dir: string, name = 'key'): Promise<{ identity: string; recipient: string; file: string }> {
  const identity = await generateX25519Identity();
  const file = join(dir, `${name}.txt`);
  writeFileSync(file, `# created by a test\n${identity}\n`, { mode: 0o600 });
  return { identity, recipient: await identityToRecipient(identity), file };
}

/** An environment with only HOME=dir and these variables. */
export function envWith(dir: string, vars: Env = {}): Env {
  return { HOME: dir, ...vars };
}

/** Encrypts plain text as provision secrets encrypt does; the file name says the format. */
export async function sealText(fileName: string, plain: string, recipients: string[], rule: EncryptionRule = DEFAULT_RULE, macOnlyEncrypted = false): Promise<string> {
  const { dataKey, age } = await newDataKey(recipients.map(parseRecipient));
  return seal(parseYaml(plain, fileName), { format: formatOf(fileName), dataKey, age, rule, macOnlyEncrypted });
}

/** Writes DIR/NAME encrypted for the recipients; returns its path. */
export async function writeSops(dir: string, name: string, plain: string, recipients: string[]): Promise<string> {
  const file = join(dir, name);
  writeFileSync(file, await sealText(name, plain, recipients));
  return file;
}
