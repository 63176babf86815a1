/**
 * Ansible Vault's format 1.1 and 1.2 (AES256): PBKDF2-SHA256 (10000 rounds)
 * derives an AES-256-CTR key, an HMAC-SHA256 key and the counter's start from a
 * 32-byte salt; the text is PKCS#7-padded, encrypted, and the HMAC covers the
 * ciphertext. The envelope is `$ANSIBLE_VAULT;1.1;AES256` (1.2 adds `;vault-id`)
 * then the hex of "hex(salt)\nhex(hmac)\nhex(ciphertext)" in lines of 80.
 * Reference: lib/ansible/parsing/vault/__init__.py (VaultAES256). Pure but for
 * the random salt.
 */
import { createCipheriv, createDecipheriv, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/** First characters of every vault-encrypted text. */
export const VAULT_HEADER = '$ANSIBLE_VAULT';
/** The vault id of a secret without one (Ansible's default identity). */
export const DEFAULT_VAULT_ID = 'default';

const KEY_LENGTH = 32;
const IV_LENGTH = 16;
const ITERATIONS = 10_000;
const LINE = 80;

/** A vault text's envelope: version, cipher, vault id, and the encrypted payload's three parts. */
export interface VaultEnvelope {
  /** '1.1' or '1.2'. */
  version: string;
  /** The vault id the header names (1.2), if any. */
  vaultId?: string;
  salt: Buffer;
  hmac: Buffer;
  ciphertext: Buffer;
}

/** A vault text that cannot be read: its envelope is malformed (a user error at the value). */
export class VaultFormatError extends Error {}

/** Whether text is vault-encrypted (a file's content or a !vault value). */
export function isVaultText(text: string): boolean {
  return text.trimStart().startsWith(VAULT_HEADER);
}

/** Reads a vault text's envelope; throws VaultFormatError saying what is wrong (never any plaintext: there is none yet). */
export function parseVaultText(text: string): VaultEnvelope {
  const lines = text.trim().split(/\r?\n/);
  const header = lines[0]!.trim().split(';');
  if (header[0] !== VAULT_HEADER || header.length < 3) throw new VaultFormatError(`expected a header '${VAULT_HEADER};1.1;AES256' (or 1.2 with a vault id)`);
  const [, version = '', cipher = ''] = header.map((part) => part.trim());
  if (version !== '1.1' && version !== '1.2') throw new VaultFormatError(`vault format ${version} is not supported: expected 1.1 or 1.2`);
  if (cipher !== 'AES256') throw new VaultFormatError(`vault cipher ${cipher} is not supported: expected AES256`);
  const body = lines.slice(1).map((l) => l.trim()).join('');
  const parts = hexToBuffer(body, 'the encrypted data').toString('latin1').split('\n');
  if (parts.length !== 3) throw new VaultFormatError('the encrypted data is cut short or damaged: expected a salt, an HMAC and a ciphertext');
  const [salt, hmac, ciphertext] = parts.map((p, i) => hexToBuffer(p, ['the salt', 'the HMAC', 'the ciphertext'][i]!));
  const vaultId = header[3]?.trim();
  return { version, ...(vaultId ? { vaultId } : {}), salt: salt!, hmac: hmac!, ciphertext: ciphertext! };
}

function hexToBuffer(hex: string, what: string): Buffer {
  if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(hex)) throw new VaultFormatError(`${what} is not hexadecimal: the vault text is damaged`);
  return Buffer.from(hex, 'hex');
}

function deriveKeys(password: Buffer, salt: Buffer): { cipherKey: Buffer; hmacKey: Buffer; iv: Buffer } {
  const derived = pbkdf2Sync(password, salt, ITERATIONS, 2 * KEY_LENGTH + IV_LENGTH, 'sha256');
  return { cipherKey: derived.subarray(0, KEY_LENGTH), hmacKey: derived.subarray(KEY_LENGTH, 2 * KEY_LENGTH), iv: derived.subarray(2 * KEY_LENGTH) };
}

/** The plaintext, or undefined when `password` is not the one the text was encrypted with (the HMAC does not match). */
export function decryptVault(envelope: VaultEnvelope, password: Buffer): Buffer | undefined {
  const { cipherKey, hmacKey, iv } = deriveKeys(password, envelope.salt);
  const expected = createHmac('sha256', hmacKey).update(envelope.ciphertext).digest();
  // The stored HMAC is hex text; compare what it encodes.
  const stored = /^[0-9a-f]+$/i.test(envelope.hmac.toString('latin1')) ? Buffer.from(envelope.hmac.toString('latin1'), 'hex') : envelope.hmac;
  if (stored.length !== expected.length || !timingSafeEqual(stored, expected)) return undefined;
  const decipher = createDecipheriv('aes-256-ctr', cipherKey, iv);
  const padded = Buffer.concat([decipher.update(envelope.ciphertext), decipher.final()]);
  const pad = padded[padded.length - 1] ?? 0;
  if (pad < 1 || pad > 16 || pad > padded.length) throw new VaultFormatError('bad padding after decryption: the vault text is damaged');
  return padded.subarray(0, padded.length - pad);
}

/** Encrypts `plaintext` as Ansible does: format 1.1, or 1.2 when a vault id other than 'default' is given. */
export function encryptVault(plaintext: Buffer, password: Buffer, vaultId?: string, salt: Buffer = randomBytes(32)): string {
  const { cipherKey, hmacKey, iv } = deriveKeys(password, salt);
  const pad = 16 - (plaintext.length % 16);
  const cipher = createCipheriv('aes-256-ctr', cipherKey, iv);
  const ciphertext = Buffer.concat([cipher.update(Buffer.concat([plaintext, Buffer.alloc(pad, pad)])), cipher.final()]);
  const hmac = createHmac('sha256', hmacKey).update(ciphertext).digest('hex');
  const inner = Buffer.from(`${salt.toString('hex')}\n${hmac}\n${ciphertext.toString('hex')}`, 'latin1').toString('hex');
  const header = vaultId && vaultId !== DEFAULT_VAULT_ID ? `${VAULT_HEADER};1.2;AES256;${vaultId}` : `${VAULT_HEADER};1.1;AES256`;
  const lines = [header];
  for (let i = 0; i < inner.length; i += LINE) lines.push(inner.slice(i, i + LINE));
  return `${lines.join('\n')}\n`;
}
