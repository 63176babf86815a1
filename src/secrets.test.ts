import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { describeValue } from './inventory/describe-value.js';
import { errorText } from './resources/shared/sumo-api/client.js';
import { dnsNameError } from './resources/shared/dns-name.js';
import { MASK, Secret, clearSecretsForTests, maskedJson, redact, redactDeep, revealAll, secretProblem } from './secrets.js';

afterEach(() => clearSecretsForTests());

describe('Secret', () => {
  it('reveals its value only on purpose and masks itself everywhere else', () => {
    const s = new Secret('hunter2-long');
    expect(s.reveal()).toBe('hunter2-long');
    expect(`${s}`).toBe('hunter2-long');
    expect(JSON.stringify({ s })).toBe(`{"s":"${MASK}"}`);
    expect(inspect({ s })).not.toContain('hunter2');
  });

  it('is redacted from any text once known', () => {
    new Secret('s3cr3t-value');
    expect(redact('password=s3cr3t-value; again s3cr3t-value')).toBe(`password=${MASK}; again ${MASK}`);
    expect(redact('nothing here')).toBe('nothing here');
  });
});

describe('masking every form a secret takes in output', () => {
  const value = `it's a "pa\\ss" %word$`;

  it.each([
    ['as is', (v: string) => `x ${v} y`],
    ['in a JSON string (--json, a JSON file in a diff)', (v: string) => JSON.stringify({ diff: `+ "password": ${JSON.stringify(v)}` })],
    ['shell-quoted', (v: string) => `command: printf %s '${v.replace(/'/g, `'\\''`)}'`],
    ['in an SQL literal', (v: string) => `ERROR near 'IDENTIFIED BY '${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}''`],
    ['in a MySQL option file', (v: string) => `password="${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`],
    ['in a systemd environment file', (v: string) => `DB_PASSWORD="${v.replace(/["\\`$]/g, (c) => `\\${c}`)}"`],
    ['with systemd specifiers escaped', (v: string) => `Description=${v.replace(/%/g, '%%')}`],
    ['in JSON inside JSON', (v: string) => JSON.stringify(JSON.stringify({ password: v }))],
    ['base64, standalone', (v: string) => `value: ${Buffer.from(v).toString('base64')}`],
    ['URL-encoded (a query parameter, a webhook path)', (v: string) => `GET https://hooks.example.com/x?token=${encodeURIComponent(v)}`],
  ])('%s', (_, encode) => {
    new Secret(value);
    const masked = redact(encode(value));
    expect(masked).toContain(MASK);
    for (const word of ['pa\\ss', 'pa\\\\ss', '%word', 'word$']) expect(masked).not.toContain(word);
  });

  it.each(['', 'a', 'ab'])('base64 inside other content, after %j: all but the characters shared with the neighbours is masked', (prefix) => {
    new Secret(value);
    const encoded = Buffer.from(`${prefix}${value}tail`).toString('base64');
    const masked = redact(encoded);
    expect(masked).toContain(MASK);
    const hidden = encoded.length - (masked.length - MASK.length);
    // A character shared with a neighbour byte at each end may stay.
    expect(hidden).toBeGreaterThanOrEqual(Math.floor((Buffer.byteLength(value) * 8) / 6) - 2);
  });

  it.each([
    ['indented in a YAML block', (k: string) => `tls:\n  key: |\n${k.split('\n').map((l) => `    ${l}`).join('\n')}`],
    ['one diff line each', (k: string) => k.split('\n').map((l) => `+${l}`).join('\n')],
    ['with CRLF line ends', (k: string) => k.replace(/\n/g, '\r\n')],
    ['only the first line of an error', (k: string) => `error: ${k.split('\n')[1]}`],
  ])('masks a private key whose lines output carries apart: %s', (_, show) => {
    const key = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49\nAwEHBG0wawIBAQQgSECRETSECRETSECR\n-----END PRIVATE KEY-----\n';
    new Secret(key);
    const masked = redact(show(key));
    for (const part of ['MIGHAgEAMBMG', 'SECRETSECRET']) expect(masked).not.toContain(part);
  });

  it('masks a private key spanning lines in --json output', () => {
    const key = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49\n-----END PRIVATE KEY-----\n';
    new Secret(key);
    expect(redact(JSON.stringify({ diff: `+${key}` }))).not.toContain('MIGHAgEAMBMG');
  });

  it('masks every string of a document before it is serialised', () => {
    new Secret('a"b\\c-secret');
    const doc = { results: [{ diff: 'pw=a"b\\c-secret', n: 1, ok: true, none: null }] };
    expect(JSON.stringify(redactDeep(doc))).toBe(`{"results":[{"diff":"pw=${MASK}","n":1,"ok":true,"none":null}]}`);
  });

  it.each([
    ['a number holding the digits', '2222', { elapsed_ms: 12222, ok: 3 }, { elapsed_ms: MASK, ok: 3 }],
    ['a negative number and a fraction', '2222', [-22221, 0.2222, 7], [MASK, MASK, 7]],
    ['numbers in nested lists and mappings, indented', '2222', { hosts: { h1: { elapsed_ms: 2222, list: [122223] } } }, { hosts: { h1: { elapsed_ms: MASK, list: [MASK] } } }],
    ['true, false and null', 'true', { a: true, b: false, c: null }, { a: MASK, b: false, c: null }],
    ['null', 'null', { c: null, d: 'x' }, { c: MASK, d: 'x' }],
  ])('serialises to valid JSON with every secret masked: %s', (_, secret, doc, masked) => {
    new Secret(secret);
    for (const space of [undefined, 2]) {
      const text = maskedJson(doc, space);
      expect(JSON.parse(text)).toEqual(masked);
    }
  });

  it.each(['', 'a', 'ab', 'abc'])('refuses a secret shorter than 4 characters (%j): it could not be masked', (short) => {
    expect(secretProblem(short)).toMatch(/secrets must have at least 4 characters/);
    expect(() => new Secret(short)).toThrow(/at least 4 characters/);
  });

  it('accepts 4 characters and masks them', () => {
    expect(secretProblem('abcd')).toBeUndefined();
    new Secret('abcd');
    expect(redact('x=abcd')).toBe(`x=${MASK}`);
  });

  it('gives encoders the real values inside lists and mappings', () => {
    expect(revealAll([{ pw: new Secret('deep-secret') }, 'x'])).toEqual([{ pw: 'deep-secret' }, 'x']);
  });
});

describe('text cut short for a message', () => {
  const secret = 'QZXSECRET!VALUE-123';
  // Every cut point: the secret starts anywhere from the first character to past the cut.
  const paddings = Array.from({ length: 320 }, (_, i) => 'a'.repeat(i));

  it.each([
    ['describeValue (inventory and check errors)', (text: string) => describeValue(text)],
    ['a DNS name error', (text: string) => dnsNameError(`${text}.example.com`) ?? ''],
    ["a Sumo Logic API error answer (the server's text, which may echo the request)", (text: string) => errorText(text)],
  ])('%s never shows the start of a secret', (_, show) => {
    new Secret(secret);
    for (const pad of paddings) expect(show(`${pad}${secret}`), `after ${pad.length} characters`).not.toContain('QZX');
  });
});
