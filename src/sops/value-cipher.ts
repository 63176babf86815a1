/**
 * One SOPS value: `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`, AES-256-GCM with
 * the file's data key, a 32-byte IV (as sops), and the value's key path
 * (`a:b:`) as additional data, so a value moved elsewhere no longer decrypts.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** What a SOPS leaf holds: a string, an integer (bigint), a float (number) or a boolean. */
export type Leaf = string | bigint | number | boolean;

/** A YAML comment, which sops encrypts too (type `comment`). */
export interface Comment {
  comment: string;
}

const IV_BYTES = 32;
const TAG_BYTES = 16;
const ENC = /^ENC\[AES256_GCM,data:([A-Za-z0-9+/=]*),iv:([A-Za-z0-9+/=]+),tag:([A-Za-z0-9+/=]+),type:([a-z]+)\]$/;

/** Whether text is an encrypted SOPS value. */
export function isEncrypted(text: string): boolean {
  return ENC.test(text);
}

/** The bytes a leaf contributes to the file's MAC, exactly as sops writes them (`True`, not `true`). */
export function macBytes(leaf: Leaf): Buffer {
  return Buffer.from(plainText(leaf), 'utf8');
}

/**
 * Remembers the IV of each value decrypted, so a value re-encrypted unchanged
 * (same key path, type and text) gets the same ciphertext and the file's diff
 * shows only what changed. Reusing an IV is safe only for the identical message,
 * which is the key here.
 */
export class IvStash {
  readonly #ivs = new Map<string, Buffer>();

  remember(aad: string, type: string, plain: string, iv: Buffer): void {
    this.#ivs.set(stashKey(aad, type, plain), iv);
  }

  ivFor(aad: string, type: string, plain: string): Buffer | undefined {
    return this.#ivs.get(stashKey(aad, type, plain));
  }
}

function stashKey(aad: string, type: string, plain: string): string {
  return JSON.stringify([aad, type, plain]);
}

/** Encrypts a leaf or a comment; an empty string stays empty, as in sops. */
export function encryptValue(value: Leaf | Comment, key: Buffer, aad: string, stash?: IvStash): string {
  const type = typeOf(value);
  const plain = isComment(value) ? value.comment : plainText(value);
  if (plain === '' && (type === 'str' || type === 'comment')) return '';
  const iv = stash?.ivFor(aad, type, plain) ?? randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `ENC[AES256_GCM,data:${data.toString('base64')},iv:${iv.toString('base64')},tag:${cipher.getAuthTag().toString('base64')},type:${type}]`;
}

/** Why a value did not decrypt. */
export class ValueError extends Error {}

/**
 * Decrypts an `ENC[...]` value (an empty string is an empty string, as in sops).
 * Throws ValueError when the text is not an encrypted value, or does not
 * authenticate with this key and key path (changed, moved, or another file's).
 */
export function decryptValue(text: string, key: Buffer, aad: string, stash?: IvStash): Leaf | Comment {
  if (text === '') return '';
  const match = ENC.exec(text);
  if (!match) throw new ValueError('is not an encrypted value (expected ENC[AES256_GCM,data:…,iv:…,tag:…,type:…])');
  const [, data, ivText, tagText, type] = match as unknown as [string, string, string, string, string];
  const iv = Buffer.from(ivText, 'base64');
  const tag = Buffer.from(tagText, 'base64');
  if (iv.length === 0 || tag.length !== TAG_BYTES) throw new ValueError('has a malformed iv or tag');
  let plain: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    plain = Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new ValueError('does not decrypt with the file\'s data key at this key path (changed, moved, or copied from another file)');
  }
  stash?.remember(aad, type, plain, iv);
  return leafOf(plain, type);
}

function leafOf(plain: string, type: string): Leaf | Comment {
  switch (type) {
    case 'str':
    case 'bytes':
    case 'time':
      return plain;
    case 'comment':
      return { comment: plain };
    case 'int':
      if (!/^[+-]?\d+$/.test(plain)) throw new ValueError(`holds "int" data that is not an integer`);
      return BigInt(plain.replace(/^\+/, ''));
    case 'float':
      return parseGoFloat(plain);
    case 'bool':
      return parseGoBool(plain);
    default:
      throw new ValueError(`has an unknown type "${type}" (expected str, int, float, bool)`);
  }
}

function typeOf(value: Leaf | Comment): string {
  if (isComment(value)) return 'comment';
  switch (typeof value) {
    case 'string':
      return 'str';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    default:
      return 'bool';
  }
}

function isComment(value: Leaf | Comment): value is Comment {
  return typeof value === 'object';
}

/** A leaf as sops writes it before encryption and into the MAC. */
function plainText(leaf: Leaf): string {
  switch (typeof leaf) {
    case 'string':
      return leaf;
    case 'bigint':
      return leaf.toString();
    case 'number':
      return goFormatFloat(leaf);
    default:
      return leaf ? 'True' : 'False';
  }
}

/** Go's strconv.FormatFloat(f, 'f', -1, 64): the shortest digits that read back exactly, never an exponent. */
export function goFormatFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  if (Object.is(n, -0)) return '-0';
  const shortest = String(n);
  const exp = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(shortest);
  if (!exp) return shortest;
  const [, sign, whole, fraction = '', power] = exp as unknown as [string, string, string, string | undefined, string];
  const digits = whole + fraction;
  const point = whole.length + Number(power);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function parseGoFloat(text: string): number {
  const special: Record<string, number> = { nan: NaN, inf: Infinity, '+inf': Infinity, '-inf': -Infinity, infinity: Infinity, '+infinity': Infinity, '-infinity': -Infinity };
  const lower = text.toLowerCase();
  if (lower in special) return special[lower]!;
  const n = Number(text);
  if (text.trim() === '' || Number.isNaN(n)) throw new ValueError(`holds "float" data that is not a number`);
  return n;
}

/** Go's strconv.ParseBool. */
function parseGoBool(text: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  throw new ValueError(`holds "bool" data that is not a boolean`);
}
