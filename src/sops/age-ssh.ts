/**
 * age's SSH recipient types (age-encryption.org/v1/ssh-ed25519 and ssh-rsa),
 * which age-encryption does not ship, on its Recipient/Identity interfaces:
 * the same stanzas as age's agessh package, from audited primitives (noble's
 * X25519 and ed25519→X25519 conversion, HKDF, ChaCha20-Poly1305; RSA-OAEP
 * from node:crypto). Keys are read with ssh2's OpenSSH key parser.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { constants, createHash, createPrivateKey, createPublicKey, privateDecrypt, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import { Stanza, type Identity, type Recipient } from 'age-encryption';
import { loadSsh2 } from '../transport/ssh2-loader.js';

const ED25519_LABEL = 'age-encryption.org/v1/ssh-ed25519';
const RSA_LABEL = 'age-encryption.org/v1/ssh-rsa';
const ZERO_NONCE = new Uint8Array(12);

/** An SSH public key as age uses it: its wire encoding and a short tag that names it in stanzas. */
interface SshPublicKey {
  type: 'ssh-ed25519' | 'ssh-rsa';
  wire: Uint8Array;
  key: KeyObject;
}

/** age's stanza tag of an SSH key: the first 4 bytes of SHA-256 of its wire encoding, unpadded base64. */
function tagOf(wire: Uint8Array): string {
  return unpadded(createHash('sha256').update(wire).digest().subarray(0, 4));
}

function unpadded(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64').replace(/=+$/, '');
}

function ed25519Raw(key: KeyObject, part: 'x' | 'd'): Uint8Array {
  const jwk = key.export({ format: 'jwk' });
  return Buffer.from(jwk[part]!, 'base64url');
}

/** Whether a recipient string is an SSH public key (`ssh-ed25519 AAAA… comment`). */
export function isSshRecipient(text: string): boolean {
  return /^ssh-(ed25519|rsa) /.test(text);
}

/** Parses an authorized_keys-style SSH public key line into an age recipient; throws Error saying why not. */
export function sshRecipient(text: string): Recipient {
  const parsed = loadSsh2().utils.parseKey(text.trim());
  if (parsed instanceof Error || Array.isArray(parsed)) throw new Error('not an SSH public key');
  const key = publicKeyOf(parsed.type, parsed.getPublicSSH(), createPublicKey(parsed.getPublicPEM()));
  return key.type === 'ssh-ed25519' ? new Ed25519Recipient(key) : new RsaRecipient(key);
}

function publicKeyOf(type: string, wire: Buffer, key: KeyObject): SshPublicKey {
  if (type !== 'ssh-ed25519' && type !== 'ssh-rsa') throw new Error(`${type} keys cannot be age recipients (only ssh-ed25519 and ssh-rsa)`);
  return { type, wire: new Uint8Array(wire), key };
}

/**
 * An age identity from an OpenSSH private key file's text, with the recipient
 * it decrypts for (as `ssh-ed25519 AAAA…`). Throws Error saying why a key cannot
 * be one (a passphrase, another key type).
 */
export function sshIdentity(pem: string): { identity: Identity; recipient: string } {
  const parsed = loadSsh2().utils.parseKey(pem);
  if (parsed instanceof Error) {
    throw new Error(/passphrase/i.test(parsed.message) ? 'protected by a passphrase, which provision does not ask for' : `not an SSH private key (${parsed.message})`);
  }
  const one = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!one) throw new Error('holds no key');
  const wire = one.getPublicSSH();
  const recipient = `${one.type} ${wire.toString('base64')}`;
  const key = publicKeyOf(one.type, wire, createPublicKey(one.getPublicPEM()));
  const privateKey = createPrivateKey(one.getPrivatePEM());
  return { identity: key.type === 'ssh-ed25519' ? new Ed25519Identity(key, ed25519Raw(privateKey, 'd')) : new RsaIdentity(key, privateKey), recipient };
}

/** The X25519 secret that age derives for an ssh-ed25519 key pair: the tweak, fixed per public key. */
function tweakOf(wire: Uint8Array): Uint8Array {
  return hkdf(sha256, new Uint8Array(0), wire, new TextEncoder().encode(ED25519_LABEL), 32);
}

function wrappingKey(shared: Uint8Array, ephemeralShare: Uint8Array, theirs: Uint8Array): Uint8Array {
  return hkdf(sha256, shared, Buffer.concat([ephemeralShare, theirs]), new TextEncoder().encode(ED25519_LABEL), 32);
}

class Ed25519Recipient implements Recipient {
  readonly #key: SshPublicKey;
  readonly #montgomery: Uint8Array;

  constructor(key: SshPublicKey) {
    this.#key = key;
    this.#montgomery = ed25519.utils.toMontgomery(ed25519Raw(key.key, 'x'));
  }

  wrapFileKey(fileKey: Uint8Array): Stanza[] {
    const ephemeral = randomBytes(32);
    const share = x25519.getPublicKey(ephemeral);
    const shared = x25519.scalarMult(tweakOf(this.#key.wire), x25519.scalarMult(ephemeral, this.#montgomery));
    const body = chacha20poly1305(wrappingKey(shared, share, this.#montgomery), ZERO_NONCE).encrypt(fileKey);
    return [new Stanza(['ssh-ed25519', tagOf(this.#key.wire), unpadded(share)], body)];
  }
}

class Ed25519Identity implements Identity {
  readonly #key: SshPublicKey;
  readonly #secret: Uint8Array;
  readonly #public: Uint8Array;

  constructor(key: SshPublicKey, seed: Uint8Array) {
    this.#key = key;
    this.#secret = ed25519.utils.toMontgomerySecret(seed);
    this.#public = x25519.getPublicKey(this.#secret);
  }

  unwrapFileKey(stanzas: Stanza[]): Uint8Array | null {
    for (const stanza of stanzas) {
      if (stanza.args[0] !== 'ssh-ed25519' || stanza.args[1] !== tagOf(this.#key.wire)) continue;
      const share = Buffer.from(stanza.args[2] ?? '', 'base64');
      if (stanza.args.length !== 3 || share.length !== 32) throw new Error('invalid ssh-ed25519 stanza');
      const shared = x25519.scalarMult(tweakOf(this.#key.wire), x25519.scalarMult(this.#secret, share));
      // Throws when the body does not authenticate: the stanza is for this key but damaged.
      return chacha20poly1305(wrappingKey(shared, share, this.#public), ZERO_NONCE).decrypt(stanza.body);
    }
    return null;
  }
}

const OAEP = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: Buffer.from(RSA_LABEL) };

class RsaRecipient implements Recipient {
  constructor(readonly key: SshPublicKey) {}

  wrapFileKey(fileKey: Uint8Array): Stanza[] {
    return [new Stanza(['ssh-rsa', tagOf(this.key.wire)], publicEncrypt({ key: this.key.key, ...OAEP }, fileKey))];
  }
}

class RsaIdentity implements Identity {
  constructor(
    readonly key: SshPublicKey,
    private readonly privateKey: KeyObject,
  ) {}

  unwrapFileKey(stanzas: Stanza[]): Uint8Array | null {
    const stanza = stanzas.find((s) => s.args[0] === 'ssh-rsa' && s.args[1] === tagOf(this.key.wire));
    return stanza ? new Uint8Array(privateDecrypt({ key: this.privateKey, ...OAEP }, stanza.body)) : null;
  }
}
