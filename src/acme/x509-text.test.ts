import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseX509Text } from './x509-text.js';

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
