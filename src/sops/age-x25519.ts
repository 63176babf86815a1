/**
 * age files (age-encryption.org/v1) opened with X25519 identities on
 * node:crypto alone: X25519, HKDF-SHA256, HMAC-SHA256 and ChaCha20-Poly1305
 * are OpenSSL's. This is what every run that reads a SOPS file does, so it
 * stays small; age-encryption (pure-JS curves, scrypt, post-quantum ML-KEM:
 * ~14 MB of the control node and ~0.1 s to load) is loaded only for other
 * identity types and for encryption. Same rules as age-encryption's
 * Decrypter: each identity tries each X25519 stanza, other stanzas are not
 * theirs; the header MAC and every payload chunk are checked.
 */
import { createDecipheriv, createHmac, createPrivateKey, createPublicKey, diffieHellman, hkdfSync, timingSafeEqual, type KeyObject } from 'node:crypto';
import { bech32Decode, bech32Encode } from './bech32.js';

const IDENTITY_PREFIX = 'AGE-SECRET-KEY-1';
/** DER prefixes of an X25519 key in PKCS #8 (private) and SPKI (public), before its 32 raw bytes. */
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex');
const CHUNK = 64 * 1024;
const TAG = 16;
const STANZA_LINE = 48;

/** Whether `identity` is a native age X25519 identity (`AGE-SECRET-KEY-1…`), the kind opened here. */
export function isX25519Identity(identity: unknown): identity is string {
  return typeof identity === 'string' && identity.startsWith(IDENTITY_PREFIX);
}

interface X25519Key {
  key: KeyObject;
  /** Its public key, raw. */
  recipient: Buffer;
}

function x25519Key(identity: string): X25519Key {
  const { prefix, bytes } = bech32Decode(identity);
  if (!isX25519Identity(identity) || prefix !== 'age-secret-key-' || bytes.length !== 32) throw new Error('invalid identity');
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_X25519, bytes]), format: 'der', type: 'pkcs8' });
  const recipient = createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(SPKI_X25519.length);
  return { key, recipient };
}

/** The `age1…` recipient of an X25519 identity; throws Error for one that is not valid. */
export function x25519Recipient(identity: string): string {
  return bech32Encode('age', x25519Key(identity).recipient);
}

/** Unpadded standard base64, strictly (canonical, as age writes it). */
function unpadded64(text: string): Buffer {
  const bytes = Buffer.from(text, 'base64');
  if (!/^[A-Za-z0-9+/]*$/.test(text) || bytes.toString('base64').replace(/=+$/, '') !== text) throw new Error('invalid base64');
  return bytes;
}

interface Stanza {
  args: string[];
  body: Buffer;
}

interface Header {
  stanzas: Stanza[];
  /** The header up to and including `---`: what its MAC covers. */
  macInput: Buffer;
  mac: Buffer;
  payload: Buffer;
}

function parseHeader(file: Buffer): Header {
  let pos = 0;
  const line = (): string => {
    const end = file.indexOf(0x0a, pos);
    if (end < 0) throw new Error('invalid header');
    const text = file.toString('latin1', pos, end);
    pos = end + 1;
    return text;
  };
  if (line() !== 'age-encryption.org/v1') throw new Error('invalid version line');
  const stanzas: Stanza[] = [];
  for (;;) {
    const start = pos;
    const first = line();
    if (first.startsWith('--- ')) return { stanzas, macInput: file.subarray(0, start + 3), mac: unpadded64(first.slice(4)), payload: file.subarray(pos) };
    const args = first.split(' ');
    if (args.length < 2 || args.shift() !== '->' || args.some((a) => a === '')) throw new Error('invalid stanza');
    const parts: Buffer[] = [];
    for (let part = unpadded64(line()); ; part = unpadded64(line())) {
      if (part.length > STANZA_LINE) throw new Error('invalid stanza');
      parts.push(part);
      if (part.length < STANZA_LINE) break;
    }
    stanzas.push({ args, body: Buffer.concat(parts) });
  }
}

function hkdf(secret: Uint8Array, salt: Uint8Array, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, salt, label, 32));
}

/** ChaCha20-Poly1305 decryption, or undefined when the tag does not check. */
function open(key: Buffer, nonce: Buffer, sealed: Buffer): Buffer | undefined {
  if (sealed.length < TAG) return undefined;
  const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG });
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG)), decipher.final()]);
  } catch {
    return undefined;
  }
}

function unwrapFileKey(identity: X25519Key, stanza: Stanza): Buffer | undefined {
  if (stanza.args.length !== 2) throw new Error('invalid X25519 stanza');
  const share = unpadded64(stanza.args[1]!);
  if (share.length !== 32 || stanza.body.length !== 32) throw new Error('invalid X25519 stanza');
  const shared = diffieHellman({ privateKey: identity.key, publicKey: createPublicKey({ key: Buffer.concat([SPKI_X25519, share]), format: 'der', type: 'spki' }) });
  const wrapKey = hkdf(shared, Buffer.concat([share, identity.recipient]), 'age-encryption.org/v1/X25519');
  return open(wrapKey, Buffer.alloc(12), stanza.body);
}

/** The STREAM payload: 64 KiB chunks, each sealed with a counter nonce whose last byte marks the final chunk. */
function decryptPayload(fileKey: Buffer, payload: Buffer): Buffer {
  if (payload.length < 16) throw new Error('payload too short');
  const key = hkdf(fileKey, payload.subarray(0, 16), 'payload');
  const body = payload.subarray(16);
  const out: Buffer[] = [];
  for (let offset = 0, counter = 0; ; counter++) {
    const last = body.length - offset <= CHUNK + TAG;
    const nonce = Buffer.alloc(12);
    nonce.writeUIntBE(counter, 5, 6);
    nonce[11] = last ? 1 : 0;
    const chunk = open(key, nonce, body.subarray(offset, last ? body.length : offset + CHUNK + TAG));
    if (chunk === undefined) throw new Error('payload chunk does not decrypt');
    if (last && chunk.length === 0 && counter > 0) throw new Error('final chunk is empty');
    out.push(chunk);
    if (last) return Buffer.concat(out);
    offset += CHUNK + TAG;
  }
}

/**
 * The plaintext of an age file for one of `identities` (X25519 identity
 * strings), or undefined when none of them is a recipient; throws Error for a
 * file that is damaged (bad header, MAC or payload) or an invalid identity.
 */
export function decryptX25519(file: Buffer, identities: readonly string[]): Buffer | undefined {
  const header = parseHeader(file);
  const stanzas = header.stanzas.filter((s) => s.args[0] === 'X25519');
  for (const identity of identities.map(x25519Key)) {
    for (const stanza of stanzas) {
      const fileKey = unwrapFileKey(identity, stanza);
      if (fileKey === undefined) continue;
      const expected = createHmac('sha256', hkdf(fileKey, new Uint8Array(0), 'header')).update(header.macInput).digest();
      if (header.mac.length !== expected.length || !timingSafeEqual(header.mac, expected)) throw new Error('invalid header HMAC');
      return decryptPayload(fileKey, header.payload);
    }
  }
  return undefined;
}
