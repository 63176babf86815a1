import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DeployedCertificate } from './renewal.js';
import { parsePemCertificate } from './x509-text.js';

const fixture = (name: string): string => readFileSync(new URL(`../../test/fixtures/acme/${name}`, import.meta.url), 'utf8');

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
