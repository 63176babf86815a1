import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DeployedCertificate } from './renewal.js';
import { parsePemCertificate, parseX509Text } from './x509-text.js';

const fixture = (name: string): string => readFileSync(new URL(`../../test/fixtures/acme/${name}`, import.meta.url), 'utf8');

describe('parseX509Text', () => {
  it('reads dates, serial and every DNS name of the subjectAltName', () => {
    expect(parseX509Text(fixture('openssl-two-names.txt'))).toEqual({
      notBefore: new Date('2026-11-23T14:51:37Z'),
      notAfter: new Date('2027-02-21T14:51:37Z'),
      names: ['www.foobar.com', 'foobar.com'],
      serial: '57B3CC10EE0676A7F73EAB5CB4CEC3E35ABCFA44',
      issuer: 'CN = www.foobar.com',
    });
  });

  it('a placeholder without subjectAltName covers no name (its CN is not a DNS name)', () => {
    expect(parseX509Text(fixture('openssl-placeholder.txt'))?.names).toEqual([]);
  });

  it.each([
    ['a CN that is a name, without SAN', 'notBefore=Jan  1 00:00:00 2026 GMT\nnotAfter=Apr  1 00:00:00 2026 GMT\nserial=0a\nsubject=CN = www.foobar.com\n', ['www.foobar.com']],
    ['an empty subject (Pebble) with a SAN', 'notBefore=Jan  1 00:00:00 2026 GMT\nnotAfter=Apr  1 00:00:00 2026 GMT\nserial=0a\nsubject=\nX509v3 Subject Alternative Name: \n    DNS:a.example, IP Address:10.0.0.1\n', ['a.example']],
  ])('%s', (_name, text, names) => {
    const parsed = parseX509Text(text);
    expect(parsed?.names).toEqual(names);
    expect(parsed?.serial).toBe('0A');
    expect(parsed?.notAfter).toEqual(new Date('2026-04-01T00:00:00Z'));
  });

  it.each([[''], ['unable to load certificate\n'], ['notBefore=garbage\nnotAfter=Apr  1 00:00:00 2026 GMT\n']])('%j is no certificate', (text) => {
    expect(parseX509Text(text)).toBeUndefined();
  });
});

describe('parsePemCertificate', () => {
  const ec = fixture('pem-ec-two-names.pem');
  const rsa = fixture('pem-rsa-staging.pem');

  it.each<[string, string, Partial<DeployedCertificate>]>([
    ['ECDSA, two DNS names and an address in the SAN', ec, {
      notBefore: new Date('2026-12-07T02:31:31Z'),
      notAfter: new Date('2027-03-07T02:31:31Z'),
      names: ['www.foobar.com', 'foobar.com'],
      serial: '3861CA533A3F49CE3E9A35D21618C463BDF27D9E',
      issuer: 'CN = www.foobar.com',
      keyType: 'ecdsa',
    }],
    ['RSA, an issuer of several parts as openssl writes it on one line', rsa, { names: ['a.example'], issuer: "C = US, O = Let's Encrypt, CN = (STAGING) Fake", keyType: 'rsa', notAfter: new Date('2027-01-06T02:31:32Z') }],
    ['a placeholder without SAN: its CN is not a DNS name, so it covers none', fixture('pem-placeholder.pem'), { names: [], keyType: 'ecdsa', issuer: 'CN = provision placeholder for www.foobar.com' }],
    ['a chain: its first certificate', `${rsa}${ec}`, { names: ['a.example'], keyType: 'rsa' }],
    ['text around it and CRLF line ends', `junk\r\n${ec.replace(/\n/g, '\r\n')}trailer\n`, { names: ['www.foobar.com', 'foobar.com'], keyType: 'ecdsa' }],
  ])('%s', (_name, pem, expected) => {
    expect(parsePemCertificate(pem)).toMatchObject(expected);
  });

  it('reads what openssl reads from the same file', () => {
    expect(parsePemCertificate(ec)).toEqual({ ...parseX509Text(fixture('openssl-pem-ec-two-names.txt')), keyType: 'ecdsa' });
  });

  it.each([
    ['nothing', ''],
    ['no PEM block', 'just text\n'],
    ['a PEM block that is no certificate', '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n'],
    ['a block cut short', ec.slice(0, ec.length / 2)],
    ['a key, not a certificate', '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n'],
  ])('%s is no certificate', (_name, pem) => {
    expect(parsePemCertificate(pem)).toBeUndefined();
  });
});
