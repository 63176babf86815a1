import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fingerprint, keyTypeOf, knownHostsLine, parseKnownHosts, verifyHostKey } from './known-hosts.js';

/** A syntactically valid ssh-ed25519 key blob: type string then 32 key bytes. */
function blob(fill: number): Buffer {
  const type = Buffer.from('ssh-ed25519');
  const header = Buffer.alloc(4);
  header.writeUInt32BE(type.length);
  const keyLength = Buffer.alloc(4);
  keyLength.writeUInt32BE(32);
  return Buffer.concat([header, type, keyLength, Buffer.alloc(32, fill)]);
}

const A = blob(1);
const B = blob(2);
const hashed = (name: string, salt = Buffer.alloc(20, 7)): string =>
  `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;

describe('verifyHostKey', () => {
  it.each([
    ['plain entry, same key', `10.0.0.1 ssh-ed25519 ${A.toString('base64')}`, '10.0.0.1', 22, A, 'known'],
    ['plain entry, other key', `10.0.0.1 ssh-ed25519 ${A.toString('base64')}`, '10.0.0.1', 22, B, 'changed'],
    ['no entry', `10.0.0.2 ssh-ed25519 ${A.toString('base64')}`, '10.0.0.1', 22, A, 'unknown'],
    ['host list and glob', `web,10.0.0.* ssh-ed25519 ${A.toString('base64')}`, '10.0.0.9', 22, A, 'known'],
    ['negated pattern', `10.0.0.*,!10.0.0.9 ssh-ed25519 ${A.toString('base64')}`, '10.0.0.9', 22, A, 'unknown'],
    ['non-standard port needs brackets', `10.0.0.1 ssh-ed25519 ${A.toString('base64')}`, '10.0.0.1', 2222, A, 'unknown'],
    ['bracketed port', `[10.0.0.1]:2222 ssh-ed25519 ${A.toString('base64')}`, '10.0.0.1', 2222, A, 'known'],
    ['hashed entry', `${hashed('10.0.0.1')} ssh-ed25519 ${A.toString('base64')}`, '10.0.0.1', 22, A, 'known'],
    ['hashed entry for another host', `${hashed('10.0.0.2')} ssh-ed25519 ${A.toString('base64')}`, '10.0.0.1', 22, A, 'unknown'],
    ['revoked key', `@revoked 10.0.0.1 ssh-ed25519 ${A.toString('base64')}`, '10.0.0.1', 22, A, 'revoked'],
    ['cert-authority lines ignored', `@cert-authority *.example ssh-ed25519 ${A.toString('base64')}`, 'x.example', 22, A, 'unknown'],
    ['comments and blanks ignored', `# c\n\n10.0.0.1 ssh-ed25519 ${A.toString('base64')} comment`, '10.0.0.1', 22, A, 'known'],
  ])('%s', (_, text, host, port, key, verdict) => {
    expect(verifyHostKey(parseKnownHosts(text), host, port, key)).toBe(verdict);
  });
});

describe('key helpers', () => {
  it('reads the key type and formats a line that verifies', () => {
    expect(keyTypeOf(A)).toBe('ssh-ed25519');
    const line = knownHostsLine('10.0.0.1', 2222, A);
    expect(line).toBe(`[10.0.0.1]:2222 ssh-ed25519 ${A.toString('base64')}\n`);
    expect(verifyHostKey(parseKnownHosts(line), '10.0.0.1', 2222, A)).toBe('known');
  });

  it('prints an OpenSSH SHA256 fingerprint without padding', () => {
    expect(fingerprint(A)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(fingerprint(A)).not.toBe(fingerprint(B));
  });
});
