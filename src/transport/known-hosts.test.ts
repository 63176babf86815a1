import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { appendedKnownHostsText, fingerprint, hostKeyAlgorithms, keyTypeOf, knownHostsLine, parseKnownHosts, recordedKeyTypes, verifyHostKey } from './known-hosts.js';

/** A syntactically valid key blob of a type (ssh-ed25519 by default): type string then 32 key bytes. */
function blob(fill: number, keyType = 'ssh-ed25519'): Buffer {
  const type = Buffer.from(keyType);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(type.length);
  const keyLength = Buffer.alloc(4);
  keyLength.writeUInt32BE(32);
  return Buffer.concat([header, type, keyLength, Buffer.alloc(32, fill)]);
}

const A = blob(1);
const B = blob(2);
const ECDSA = blob(3, 'ecdsa-sha2-nistp256');
const ecdsaLine = `10.0.0.1 ecdsa-sha2-nistp256 ${ECDSA.toString('base64')}`;
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
    // ssh looks up (and hashes) the host name in lower case.
    ['hashed entry, host name written in capitals', `${hashed('web-01.example.com')} ssh-ed25519 ${A.toString('base64')}`, 'Web-01.Example.COM', 22, A, 'known'],
    ['hashed entry with a port, a changed key', `${hashed('[web-01]:2222')} ssh-ed25519 ${A.toString('base64')}`, 'WEB-01', 2222, B, 'changed'],
    ['several keys of one type for a host (one of them matches)', `10.0.0.1 ssh-ed25519 ${B.toString('base64')}\n10.0.0.1 ssh-ed25519 ${A.toString('base64')}`, '10.0.0.1', 22, A, 'known'],
    ['revoked in one line, trusted in another', `10.0.0.1 ssh-ed25519 ${A.toString('base64')}\n@revoked * ssh-ed25519 ${A.toString('base64')}`, '10.0.0.1', 22, A, 'revoked'],
    ['hashed entry for another host', `${hashed('10.0.0.2')} ssh-ed25519 ${A.toString('base64')}`, '10.0.0.1', 22, A, 'unknown'],
    ['revoked key', `@revoked 10.0.0.1 ssh-ed25519 ${A.toString('base64')}`, '10.0.0.1', 22, A, 'revoked'],
    ['cert-authority lines ignored', `@cert-authority *.example ssh-ed25519 ${A.toString('base64')}`, 'x.example', 22, A, 'unknown'],
    // A host has one key per type; known_hosts may hold only one of them (ecdsa, recorded by OpenSSH before 8.5).
    ['ed25519 key offered, only an ecdsa key recorded', ecdsaLine, '10.0.0.1', 22, A, 'other-type'],
    ['recorded ecdsa key offered', ecdsaLine, '10.0.0.1', 22, ECDSA, 'known'],
    ['another ecdsa key offered', ecdsaLine, '10.0.0.1', 22, blob(4, 'ecdsa-sha2-nistp256'), 'changed'],
    ['a second type recorded beside', `${ecdsaLine}\n10.0.0.1 ssh-ed25519 ${A.toString('base64')}`, '10.0.0.1', 22, B, 'changed'],
    ['comments and blanks ignored', `# c\n\n10.0.0.1 ssh-ed25519 ${A.toString('base64')} comment`, '10.0.0.1', 22, A, 'known'],
  ])('%s', (_, text, host, port, key, verdict) => {
    expect(verifyHostKey(parseKnownHosts(text), host, port, key)).toBe(verdict);
  });
});

describe('hostKeyAlgorithms', () => {
  it.each([
    ['nothing recorded: ssh2 order', [], 'ssh-ed25519'],
    ['ecdsa recorded: ecdsa first', ['ecdsa-sha2-nistp256'], 'ecdsa-sha2-nistp256'],
    ['rsa recorded: its SHA-2 signatures first', ['ssh-rsa'], 'rsa-sha2-512'],
  ])('%s', (_, recorded, first) => {
    const algorithms = hostKeyAlgorithms(recorded);
    expect(algorithms[0]).toBe(first);
    // Every other algorithm stays available, once.
    expect(new Set(algorithms).size).toBe(algorithms.length);
    expect(algorithms).toContain('ssh-ed25519');
    expect(algorithms).toContain('ssh-rsa');
  });

  it('reads the recorded types of one host only', () => {
    const entries = parseKnownHosts(`${ecdsaLine}\n10.0.0.2 ssh-rsa AAAA\n@revoked 10.0.0.1 ssh-rsa AAAA`);
    expect(recordedKeyTypes(entries, '10.0.0.1', 22)).toEqual(['ecdsa-sha2-nistp256']);
    expect(hostKeyAlgorithms(recordedKeyTypes(entries, '10.0.0.1', 22)).slice(0, 2)).toEqual(['ecdsa-sha2-nistp256', 'ssh-ed25519']);
  });
});

describe('appendedKnownHostsText', () => {
  const line = knownHostsLine('10.0.0.2', 22, A);
  it.each([
    ['no file', undefined, line],
    ['empty file', '', line],
    ['last line ends with a newline', `${ecdsaLine}\n`, line],
    ['last line without a newline', ecdsaLine, `\n${line}`],
  ])('%s', (_, existing, expected) => {
    const appended = appendedKnownHostsText(existing, line);
    expect(appended).toBe(expected);
    // Both entries stay readable.
    const entries = parseKnownHosts((existing ?? '') + appended);
    expect(verifyHostKey(entries, '10.0.0.2', 22, A)).toBe('known');
    if (existing) expect(verifyHostKey(entries, '10.0.0.1', 22, ECDSA)).toBe('known');
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
