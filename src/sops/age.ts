/**
 * The data key of a SOPS file, encrypted with age for each recipient (an
 * armored age file, as sops writes it). age itself is age-encryption.
 */
import { armor, Decrypter, Encrypter, type Identity, type Recipient } from 'age-encryption';
import { isSshRecipient, sshRecipient } from './age-ssh.js';

/** A recipient as written (`age1…`, `ssh-ed25519 AAAA…`) and what encrypts for it. */
export interface AgeRecipient {
  text: string;
  recipient: string | Recipient;
}

/** Parses one recipient; throws Error saying what is wrong. */
export function parseRecipient(text: string): AgeRecipient {
  const trimmed = text.trim();
  if (isSshRecipient(trimmed)) return { text: trimmed, recipient: sshRecipient(trimmed) };
  if (!/^age1[0-9a-z]+$/.test(trimmed)) {
    throw new Error(`${JSON.stringify(shorten(trimmed))} is not an age recipient (expected age1… as age-keygen prints, or an ssh-ed25519/ssh-rsa public key)`);
  }
  // The library checks the encoding when the recipient is added.
  try {
    new Encrypter().addRecipient(trimmed);
  } catch (err) {
    throw new Error(`${JSON.stringify(shorten(trimmed))} is not a valid age recipient: ${(err as Error).message}`);
  }
  return { text: trimmed, recipient: trimmed };
}

/** A recipient for messages: SSH keys by type and the start of the key, so a line stays readable. */
export function shorten(recipient: string): string {
  const ssh = /^(ssh-\S+) (\S+)(?: (.*))?$/.exec(recipient);
  if (!ssh) return recipient;
  const [, type, key, comment] = ssh as unknown as [string, string, string, string | undefined];
  return `${type} ${key.length > 24 ? `${key.slice(0, 8)}…${key.slice(-12)}` : key}${comment ? ` ${comment}` : ''}`;
}

/** The data key encrypted for one recipient: an armored age file. */
export async function wrapDataKey(dataKey: Uint8Array, recipient: AgeRecipient): Promise<string> {
  const encrypter = new Encrypter();
  encrypter.addRecipient(recipient.recipient);
  return armor.encode(await encrypter.encrypt(dataKey));
}

/** What a stanza's armored age file says with these identities. */
export type Unwrapped = { dataKey: Uint8Array } | { noMatch: true } | { broken: string };

/** Decrypts an armored age file with the identities; tells apart "not for these identities" from a damaged file. */
export async function unwrapDataKey(enc: string, identities: ReadonlyArray<string | Identity>): Promise<Unwrapped> {
  let file: Uint8Array;
  try {
    file = armor.decode(enc);
  } catch (err) {
    return { broken: `its enc is not an armored age file (${(err as Error).message})` };
  }
  const decrypter = new Decrypter();
  for (const identity of identities) decrypter.addIdentity(identity);
  try {
    // Stream in, stream out: age's own read of a whole file goes through fetch's Response, which loads undici (~9 MB of the control node for a 32-byte key).
    const whole = file;
    const out = await decrypter.decrypt(new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(whole), c.close()) }));
    return { dataKey: await readStream(out) };
  } catch (err) {
    const message = (err as Error).message;
    if (/no identity matched/.test(message)) return { noMatch: true };
    return { broken: `its age file does not decrypt (${message})` };
  }
}

/** Everything a stream yields, joined. */
async function readStream(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const reader = stream.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) parts.push(r.value);
  return new Uint8Array(Buffer.concat(parts));
}
