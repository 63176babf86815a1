import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptValue, encryptValue, goFormatFloat, isEncrypted, IvStash, macBytes, ValueError, type Leaf } from './value-cipher.js';

const key = randomBytes(32);

describe('goFormatFloat (the text sops encrypts and hashes a float as)', () => {
  it.each([
    [1234.56789, '1234.56789'],
    [1.5, '1.5'],
    [3, '3'],
    [-0.25, '-0.25'],
    [1e21, '1000000000000000000000'],
    [1.5e-7, '0.00000015'],
    [-2.5e22, '-25000000000000000000000'],
    [123e-20, '0.00000000000000000123'],
    [-0, '-0'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [NaN, 'NaN'],
  ])('%d → %s', (n, text) => {
    expect(goFormatFloat(n)).toBe(text);
  });
});

describe('macBytes (as sops hashes values)', () => {
  it.each<[Leaf, string]>([
    ['pässword', 'pässword'],
    [42n, '42'],
    [-7n, '-7'],
    [2.5, '2.5'],
    [true, 'True'],
    [false, 'False'],
  ])('%s → %s', (leaf, text) => {
    expect(macBytes(leaf).toString('utf8')).toBe(text);
  });
});

describe('encryptValue / decryptValue', () => {
  it.each<[Leaf, string]>([
    ['s3cret', 'str'],
    ['multi\nline ünïcode', 'str'],
    [3306n, 'int'],
    [-12345678901234567890n, 'int'],
    [1.5, 'float'],
    [true, 'bool'],
    [false, 'bool'],
  ])('round trip of %s as type %s', (leaf, type) => {
    const text = encryptValue(leaf, key, 'db:password:');
    expect(text).toMatch(new RegExp(`^ENC\\[AES256_GCM,data:[A-Za-z0-9+/=]+,iv:[A-Za-z0-9+/=]{44},tag:[A-Za-z0-9+/=]{24},type:${type}\\]$`));
    expect(isEncrypted(text)).toBe(true);
    expect(decryptValue(text, key, 'db:password:')).toEqual(leaf);
  });

  it('a comment is encrypted as type comment', () => {
    const text = encryptValue({ comment: ' a note' }, key, ':');
    expect(text).toContain('type:comment]');
    expect(decryptValue(text, key, ':')).toEqual({ comment: ' a note' });
  });

  it('an empty string stays empty, as in sops', () => {
    expect(encryptValue('', key, 'a:')).toBe('');
    expect(decryptValue('', key, 'a:')).toBe('');
  });

  it('a boolean is encrypted as True/False, and every spelling Go accepts decrypts', () => {
    const text = encryptValue(true, key, 'a:');
    expect(decryptValue(text, key, 'a:')).toBe(true);
    for (const [plain, value] of [['True', true], ['true', true], ['1', true], ['F', false], ['FALSE', false]] as const) {
      const sealed = encryptValue(plain, key, 'a:').replace('type:str', 'type:bool');
      expect(decryptValue(sealed, key, 'a:')).toBe(value);
    }
  });

  it('fails with another key, another key path (a moved value), or a changed ciphertext', () => {
    const text = encryptValue('s3cret', key, 'db:password:');
    expect(() => decryptValue(text, randomBytes(32), 'db:password:')).toThrow(ValueError);
    expect(() => decryptValue(text, key, 'db:user:')).toThrow(/does not decrypt/);
    const flipped = text.replace(/data:(.)/, (_m, c: string) => `data:${c === 'A' ? 'B' : 'A'}`);
    expect(() => decryptValue(flipped, key, 'db:password:')).toThrow(ValueError);
    expect(() => decryptValue(text.replace('type:str', 'type:int'), key, 'db:password:')).toThrow(/not an integer/);
  });

  it.each(['plain text', 'ENC[AES256_GCM,data:abc]', 'ENC[AES256_GCM,data:QQ==,iv:QQ==,tag:QQ==,type:str]', 'ENC[AES256_GCM,data:QQ==,iv:QQ==,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:weird]'])(
    'refuses %s',
    (text) => {
      expect(() => decryptValue(text, key, 'a:')).toThrow(ValueError);
    },
  );

  it('with a stash, a value decrypted and encrypted again unchanged keeps its ciphertext; a changed one does not', () => {
    const stash = new IvStash();
    const text = encryptValue('same', key, 'a:');
    expect(decryptValue(text, key, 'a:', stash)).toBe('same');
    expect(encryptValue('same', key, 'a:', stash)).toBe(text);
    expect(encryptValue('other', key, 'a:', stash)).not.toContain(text.slice(text.indexOf('iv:'), text.indexOf(',tag')));
    expect(encryptValue('same', key, 'b:', stash)).not.toBe(text);
    expect(encryptValue('same', key, 'a:')).not.toBe(text);
  });
});
