/**
 * The data key of a SOPS file, decrypted from the armored age file sops
 * writes for each recipient. X25519 identities (the common case, on every run
 * that reads a SOPS file) are opened on node:crypto (age-x25519.ts); other
 * identities (SSH keys, post-quantum) load age-encryption when they are used.
 */
import type { Identity } from 'age-encryption';
import { decryptX25519, isX25519Identity } from './age-x25519.js';

/** A recipient for messages: SSH keys by type and the start of the key, so a line stays readable. */
export function shorten(recipient: string): string {
  const ssh = /^(ssh-\S+) (\S+)(?: (.*))?$/.exec(recipient);
  if (!ssh) return recipient;
  const [, type, key, comment] = ssh as unknown as [string, string, string, string | undefined];
  return `${type} ${key.length > 24 ? `${key.slice(0, 8)}…${key.slice(-12)}` : key}${comment ? ` ${comment}` : ''}`;
}

/** What a stanza's armored age file says with these identities. */
export type Unwrapped = { dataKey: Uint8Array } | { noMatch: true } | { broken: string };

const BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----';
const END = '-----END AGE ENCRYPTED FILE-----';

/** age's ASCII armor, as strictly as age-encryption reads it: whitespace around it and CRLF are allowed, nothing else. */
export function dearmor(text: string): Buffer {
  const lines = text.trim().replaceAll('\r\n', '\n').split('\n');
  if (lines.shift() !== BEGIN) throw new Error('invalid header');
  if (lines.pop() !== END) throw new Error('invalid footer');
  const lengthOk = (line: string, i: number): boolean => (i === lines.length - 1 ? line.length > 0 && line.length <= 64 && line.length % 4 === 0 : line.length === 64);
  if (!lines.every(lengthOk)) throw new Error('invalid line length');
  const joined = lines.join('');
  const bytes = Buffer.from(joined, 'base64');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(joined) || bytes.toString('base64') !== joined) throw new Error('invalid base64');
  return bytes;
}

/** Decrypts an armored age file with the identities; tells apart "not for these identities" from a damaged file. */
export async function unwrapDataKey(enc: string, identities: ReadonlyArray<string | Identity>): Promise<Unwrapped> {
  let file: Buffer;
  try {
    file = dearmor(enc);
  } catch (err) {
    return { broken: `its enc is not an armored age file (${(err as Error).message})` };
  }
  try {
    const dataKey = identities.every(isX25519Identity) ? decryptX25519(file, identities) : await decryptWithAgeEncryption(file, identities);
    return dataKey === undefined ? { noMatch: true } : { dataKey: new Uint8Array(dataKey) };
  } catch (err) {
    return { broken: `its age file does not decrypt (${(err as Error).message})` };
  }
}

/** Any identity age-encryption knows; undefined when none matched. */
async function decryptWithAgeEncryption(file: Uint8Array, identities: ReadonlyArray<string | Identity>): Promise<Uint8Array | undefined> {
  const { Decrypter } = await import('age-encryption');
  const decrypter = new Decrypter();
  for (const identity of identities) decrypter.addIdentity(identity);
  try {
    // Stream in, stream out: age's own read of a whole file goes through fetch's Response, which loads undici (~9 MB of the control node for a 32-byte key).
    const out = await decrypter.decrypt(new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(file), c.close()) }));
    return await readStream(out);
  } catch (err) {
    if (/no identity matched/.test((err as Error).message)) return undefined;
    throw err;
  }
}

/** Everything a stream yields, joined. */
async function readStream(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const reader = stream.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) parts.push(r.value);
  return new Uint8Array(Buffer.concat(parts));
}
