import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nativePasswordHash, passwordFingerprint, passwordMatches, sha256Crypt } from './password.js';

const hex = (text: string): string => Buffer.from(text, 'latin1').toString('hex');

describe('nativePasswordHash', () => {
  it.each([
    // What MariaDB 10.11's PASSWORD() returns for each.
    ['password', '*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19'],
    ["it's \"quoted\" $(id) \\", '*BAC65A6B83A913966078DBE07816114253CEDBCC'],
    ['pässwörd', '*0225EC5004ABB0B8CB557541FE53DE1A5D8CC825'],
  ])('%s', (password, hash) => {
    expect(nativePasswordHash(password)).toBe(hash);
  });
});

describe('sha256Crypt', () => {
  it.each([
    // Drepper's specification (and `openssl passwd -5`).
    ['Hello world!', 'saltstring', 5000, '5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5'],
    ['Hello world!', 'saltstringsaltst', 10000, '3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA'],
  ])('%s with salt %s, %d rounds', (password, salt, rounds, digest) => {
    expect(sha256Crypt(Buffer.from(password), Buffer.from(salt), rounds)).toBe(digest);
  });
});

describe('passwordMatches', () => {
  // A caching_sha2_password hash as MySQL 8 stored it for 'CMunq1PrKH': $A$005$, 20 bytes of salt, the digest.
  const sha2 = hex("$A$005$&M\x15\x06UEK\rS#{: d}\x1a\x1ak'Pmqo1L9Dlfn03ogl4DiNubgaRsN4FYJjhE57s08Z39s2");
  it.each([
    ['mysql_native_password, same password', 'mysql_native_password', hex('*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19'), 'password', true],
    ['mysql_native_password, other password', 'mysql_native_password', hex('*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19'), 'Password', false],
    ['caching_sha2_password, same password', 'caching_sha2_password', sha2, 'CMunq1PrKH', true],
    ['caching_sha2_password, other password', 'caching_sha2_password', sha2, 'CMunq1PrKh', false],
    ['caching_sha2_password, a truncated hash', 'caching_sha2_password', sha2.slice(0, -2), 'CMunq1PrKH', false],
    ['an account without a password (unix_socket)', 'unix_socket', '', 'password', false],
    ['MySQL locked system accounts', 'caching_sha2_password', hex('$A$005$THISISACOMBINATIONOFINVALIDSALTANDPASSWORDTHATMUSTNEVERBRBEUSED'), 'x', false],
  ])('%s', (_, plugin, authHex, password, expected) => {
    expect(passwordMatches(plugin, authHex, password)).toBe(expected);
  });
});

describe('passwordFingerprint', () => {
  it('is the sha256 of salt and password, and differs by salt', () => {
    expect(passwordFingerprint('ab', 'pw')).toBe(createHash('sha256').update('abpw').digest('hex'));
    expect(passwordFingerprint('ab', 'pw')).not.toBe(passwordFingerprint('cd', 'pw'));
  });
});
