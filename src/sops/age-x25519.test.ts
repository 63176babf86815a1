/**
 * age files opened on node:crypto alone, checked against two independent
 * implementations: age-encryption (npm) and Debian's age CLI (Go), for keys,
 * payload sizes across chunk boundaries, and damaged files.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Decrypter, Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { describe, expect, it } from 'vitest';
import { decryptX25519, x25519Recipient } from './age-x25519.js';
import { bech32Decode } from './bech32.js';
import { scratchDir } from './test-support.js';

async function encryptFor(recipients: string[], plain: Uint8Array): Promise<Buffer> {
  const encrypter = new Encrypter();
  for (const r of recipients) encrypter.addRecipient(r);
  return Buffer.from(await encrypter.encrypt(plain));
}

/** What age-encryption's Decrypter says of the same file: its plaintext, 'no match', or 'broken'. */
async function reference(file: Uint8Array, identity: string): Promise<Buffer | 'no match' | 'broken'> {
  const decrypter = new Decrypter();
  decrypter.addIdentity(identity);
  try {
    return Buffer.from(await decrypter.decrypt(file));
  } catch (err) {
    return /no identity matched/.test((err as Error).message) ? 'no match' : 'broken';
  }
}

function native(file: Buffer, identity: string): Buffer | 'no match' | 'broken' {
  try {
    return decryptX25519(file, [identity]) ?? 'no match';
  } catch {
    return 'broken';
  }
}

describe('X25519 keys', () => {
  it("an identity's recipient is the one age-encryption derives", async () => {
    for (let i = 0; i < 20; i++) {
      const identity = await generateX25519Identity();
      expect(x25519Recipient(identity)).toBe(await identityToRecipient(identity));
    }
  });

  it('the age CLI agrees on the recipient of its own keys', () => {
    const out = execFileSync('age-keygen', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const identity = /^AGE-SECRET-KEY-1\S+$/m.exec(out)![0];
    const recipient = execFileSync('age-keygen', ['-y'], { input: identity, encoding: 'utf8' }).trim();
    expect(x25519Recipient(identity)).toBe(recipient);
  });

  it('a key with a changed character, mixed case or another prefix is refused', async () => {
    const identity = await generateX25519Identity();
    const changed = identity.slice(0, 20) + (identity[20] === 'Q' ? 'P' : 'Q') + identity.slice(21);
    expect(() => x25519Recipient(changed)).toThrow(/checksum/);
    expect(() => x25519Recipient(identity.slice(0, 30) + identity.slice(30).toLowerCase())).toThrow(/mixed case/);
    const recipient = await identityToRecipient(identity);
    expect(() => x25519Recipient(recipient)).toThrow(/invalid identity/);
    expect(bech32Decode(recipient).prefix).toBe('age');
  });
});

describe('decrypting', () => {
  it.each([0, 1, 32, 64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1, 2 * 64 * 1024 + 7])('%i bytes, as age-encryption wrote them', async (size) => {
    const identity = await generateX25519Identity();
    const other = await generateX25519Identity();
    const plain = Buffer.alloc(size).map((_, i) => (i * 7 + size) & 255);
    const file = await encryptFor([await identityToRecipient(other), await identityToRecipient(identity)], plain);
    expect(native(file, identity)).toEqual(plain);
    expect(native(file, await generateX25519Identity())).toBe('no match');
  });

  it('a file the age CLI wrote', () => {
    const dir = scratchDir();
    const keys = join(dir, 'key.txt');
    execFileSync('age-keygen', ['-o', keys], { stdio: 'ignore' });
    const identity = /^AGE-SECRET-KEY-1\S+$/m.exec(execFileSync('cat', [keys], { encoding: 'utf8' }))![0];
    const recipient = execFileSync('age-keygen', ['-y', keys], { encoding: 'utf8' }).trim();
    const plain = Buffer.from('the data key, 32 bytes long.....');
    writeFileSync(join(dir, 'plain'), plain);
    const file = execFileSync('age', ['-r', recipient, join(dir, 'plain')]);
    expect(native(file, identity)).toEqual(plain);
  });

  it('a damaged file is broken where age-encryption says so, and never yields other bytes', async () => {
    const identity = await generateX25519Identity();
    const plain = Buffer.from('0123456789abcdef0123456789abcdef');
    const file = await encryptFor([await identityToRecipient(identity)], plain);
    // Every byte of the file changed in turn (header, stanza, MAC, nonce, payload).
    for (let i = 0; i < file.length; i++) {
      const copy = Buffer.from(file);
      copy[i] = copy[i]! ^ 0x01;
      const ours = native(copy, identity);
      const theirs = await reference(copy, identity);
      expect({ i, ours }).toEqual({ i, ours: theirs });
    }
    expect(native(file.subarray(0, file.length - 1), identity)).toBe('broken');
    expect(native(Buffer.concat([file, Buffer.from('x')]), identity)).toBe('broken');
  });
});
