/**
 * Password hashes, computed on the control node so that probes never need a
 * password: the probe reads the stored hash, and the diff compares it with the
 * hash of the wanted password.
 */
import { createHash } from 'node:crypto';

/** The auth plugin each flavour gives new users. */
export const AUTH_PLUGIN = { mariadb: 'mysql_native_password', mysql: 'caching_sha2_password' } as const;

/** mysql_native_password's stored hash: `*` + uppercase hex of sha1(sha1(password)). */
export function nativePasswordHash(password: string): string {
  const inner = createHash('sha1').update(password, 'utf8').digest();
  return `*${createHash('sha1').update(inner).digest('hex').toUpperCase()}`;
}

const CRYPT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** The byte order of SHA-256 crypt's output encoding, three bytes a group (Drepper's specification). */
const CRYPT_ORDER = [
  [0, 10, 20], [21, 1, 11], [12, 22, 2], [3, 13, 23], [24, 4, 14],
  [15, 25, 5], [6, 16, 26], [27, 7, 17], [18, 28, 8], [9, 19, 29],
] as const;

function sha256(...parts: Buffer[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** `length` bytes of `block` repeated. */
function repeatTo(block: Buffer, length: number): Buffer {
  return Buffer.concat(Array.from({ length: Math.ceil(length / block.length) }, () => block)).subarray(0, length);
}

/** The 43-character digest of SHA-256 crypt (glibc's `$5$`, MySQL's caching_sha2_password) for password, salt and rounds. */
export function sha256Crypt(password: Buffer, salt: Buffer, rounds: number): string {
  const b = sha256(password, salt, password);
  const aParts = [password, salt, repeatTo(b, password.length)];
  for (let n = password.length; n > 0; n >>= 1) aParts.push(n & 1 ? b : password);
  const a = sha256(...aParts);
  const p = repeatTo(sha256(...Array.from({ length: password.length }, () => password)), password.length);
  const s = repeatTo(sha256(...Array.from({ length: 16 + a[0]! }, () => salt)), salt.length);
  let c = a;
  for (let i = 0; i < rounds; i++) {
    const parts = [i & 1 ? p : c];
    if (i % 3) parts.push(s);
    if (i % 7) parts.push(p);
    parts.push(i & 1 ? c : p);
    c = sha256(...parts);
  }
  let out = '';
  const encode = (value: number, chars: number): void => {
    for (let k = 0; k < chars; k++, value >>= 6) out += CRYPT_ALPHABET[value & 0x3f];
  };
  for (const [x, y, z] of CRYPT_ORDER) encode((c[x]! << 16) | (c[y]! << 8) | c[z]!, 4);
  encode((c[31]! << 8) | c[30]!, 3);
  return out;
}

/**
 * Checks a caching_sha2_password hash: `$A$` + rounds/1000 in three hex
 * digits + `$` + a 20-byte salt + the 43-character SHA-256 crypt digest.
 */
function cachingSha2Matches(stored: Buffer, password: string): boolean {
  const head = /^\$A\$([0-9A-Fa-f]{3})\$/.exec(stored.subarray(0, 7).toString('latin1'));
  if (!head || stored.length !== 7 + 20 + 43) return false;
  const digest = sha256Crypt(Buffer.from(password, 'utf8'), stored.subarray(7, 27), Number.parseInt(head[1]!, 16) * 1000);
  return digest === stored.subarray(27).toString('latin1');
}

/** True when the stored credentials (auth plugin and hex of authentication_string) are `password` hashed by `plugin`. */
export function passwordMatches(plugin: string, authHex: string, password: string): boolean {
  const stored = Buffer.from(authHex, 'hex');
  if (plugin === 'mysql_native_password') return stored.toString('latin1') === nativePasswordHash(password);
  if (plugin === 'caching_sha2_password') return cachingSha2Matches(stored, password);
  return false;
}

/**
 * A salted sha256 of a password, for comparing with one stored on a host
 * (the replica's copy of the replication password) without sending either:
 * the probe prints this fingerprint of what it finds.
 */
export function passwordFingerprint(salt: string, password: string): string {
  return createHash('sha256').update(salt + password, 'utf8').digest('hex');
}
