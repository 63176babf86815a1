import { createHmac } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CacheFile } from './cache-file.js';

const fileIn = (): string => join(mkdtempSync(join(tmpdir(), 'provision-cache-')), 'things.cache');
const cacheAt = (file: string, format = 'things 1', maxEntries = 10) => new CacheFile<{ n: number }>({ file: () => file, format, maxEntries });

describe('CacheFile', () => {
  it('keeps entries between runs (0600, with a MAC line and a format line), written only when one was set', () => {
    const file = fileIn();
    const first = cacheAt(file);
    expect(first.get('a')).toBeUndefined();
    first.set('a', { n: 1 });
    first.save();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const saved = readFileSync(file, 'utf8');
    expect(saved.split('\n')).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/), 'things 1', 'a\t{"n":1}', '']);
    const second = cacheAt(file);
    expect(second.get('a')).toEqual({ n: 1 });
    second.save();
    expect(readFileSync(file, 'utf8')).toBe(saved);
  });

  it('parses only the entries a run asks for: a damaged one is a miss, the others still hit', () => {
    const file = fileIn();
    const first = cacheAt(file);
    first.set('good', { n: 1 });
    first.set('bad', { n: 2 });
    first.save();
    // The file made again with the same key, one entry's JSON broken: only asking for it notices.
    const honest = cacheAt(file);
    honest.get('good');
    const text = readFileSync(file, 'utf8').replace('bad\t{"n":2}', 'bad\t{"n":');
    const key = Buffer.from(readFileSync(join(file, '..', 'cache.key'), 'utf8').trim(), 'hex');
    const body = text.slice(text.indexOf('\n') + 1);
    writeFileSync(file, `${createHmac('sha256', key).update(body).digest('hex')}\n${body}`);
    const again = cacheAt(file);
    expect(again.get('good')).toEqual({ n: 1 });
    expect(again.get('bad')).toBeUndefined();
  });

  it.each([
    ['without a MAC', (text: string) => text.slice(text.indexOf('\n') + 1)],
    ['with a MAC made with another key', (text: string) => `${'0'.repeat(64)}${text.slice(text.indexOf('\n'))}`],
    ['changed after its MAC', (text: string) => text.replace('"n":1', '"n":9')],
  ])('ignores a file %s, and rebuilds it', (_, tamper) => {
    const file = fileIn();
    const first = cacheAt(file);
    first.set('a', { n: 1 });
    first.save();
    writeFileSync(file, tamper(readFileSync(file, 'utf8')));
    const second = cacheAt(file);
    expect(second.get('a')).toBeUndefined();
    second.set('a', { n: 2 });
    second.save();
    expect(cacheAt(file).get('a')).toEqual({ n: 2 });
  });

  it('lets its entries go once saved (they keep the file text alive): a later get reads the file again', () => {
    const file = fileIn();
    const run = cacheAt(file);
    run.set('a', { n: 1 });
    run.save();
    const other = cacheAt(file);
    other.set('a', { n: 2 });
    other.save();
    expect(run.get('a')).toEqual({ n: 2 });
  });

  it('keeps entries it could not write', () => {
    const run = new CacheFile<{ n: number }>({ file: () => undefined, format: 'things 1', maxEntries: 10 });
    run.set('a', { n: 1 });
    run.save();
    expect(run.get('a')).toEqual({ n: 1 });
  });

  it('ignores the entries of another format', () => {
    const file = fileIn();
    const first = cacheAt(file, 'things 1');
    first.set('a', { n: 1 });
    first.save();
    expect(cacheAt(file, 'things 2').get('a')).toBeUndefined();
  });

  it('keeps at most maxEntries, dropping the least recently used', () => {
    const file = fileIn();
    const first = cacheAt(file, 'things 1', 2);
    first.set('a', { n: 1 });
    first.set('b', { n: 2 });
    first.get('a');
    first.set('c', { n: 3 });
    first.save();
    const second = cacheAt(file, 'things 1', 2);
    expect([second.get('a'), second.get('b'), second.get('c')]).toEqual([{ n: 1 }, undefined, { n: 3 }]);
  });

  it('refuses a cache file or key that others can write', () => {
    const file = fileIn();
    const first = cacheAt(file);
    first.set('a', { n: 1 });
    first.save();
    chmodSync(file, 0o666);
    expect(() => cacheAt(file).get('a')).toThrow(/can be written by anyone \(mode 0666\)/);
    chmodSync(file, 0o600);
    chmodSync(join(file, '..', 'cache.key'), 0o620);
    expect(() => cacheAt(file).get('a')).toThrow(/cache\.key can be written by its group \(mode 0620\)/);
  });
});
