/**
 * The data key of a SOPS file, encrypted with age for each recipient (an
 * armored age file, as sops writes it), with age-encryption: what encrypting
 * and `provision secrets` need. Decrypting is age-unwrap.ts.
 */
import { armor, Encrypter, type Recipient } from 'age-encryption';
import { isSshRecipient, sshRecipient } from './age-ssh.js';
import { shorten } from './age-unwrap.js';

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

/** The data key encrypted for one recipient: an armored age file. */
export async function wrapDataKey(dataKey: Uint8Array, recipient: AgeRecipient): Promise<string> {
  const encrypter = new Encrypter();
  encrypter.addRecipient(recipient.recipient);
  return armor.encode(await encrypter.encrypt(dataKey));
}
