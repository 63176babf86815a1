import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import { TemplateCache, templateCacheFile } from './template-cache.js';

const runtime = (): typeof Handlebars => {
  const hbs = (createRequire(import.meta.url)('handlebars/runtime') as typeof Handlebars).create();
  hbs.registerHelper('shout', (text: unknown) => String(text).toUpperCase());
  return hbs;
};
const cacheIn = (): string => templateCacheFile(mkdtempSync(join(tmpdir(), 'provision-templates-')));

describe('TemplateCache', () => {
  it('compiles on a miss, keeps the spec (0600), and the next run renders from it without compiling', () => {
    const file = cacheIn();
    const first = new TemplateCache(runtime(), () => file);
    expect(first.get('hello {{shout name}}')({ name: 'web' })).toBe('hello WEB');
    expect(existsSync(file)).toBe(false);
    first.save();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const saved = readFileSync(file, 'utf8');
    expect(Object.keys(JSON.parse(saved).specs)).toHaveLength(1);

    const second = new TemplateCache(runtime(), () => file);
    expect(second.get('hello {{shout name}}')({ name: 'db' })).toBe('hello DB');
    second.save();
    // Nothing was compiled: the file is not written again.
    expect(readFileSync(file, 'utf8')).toBe(saved);
  });

  it('keeps strict mode and no escaping in cached templates', () => {
    const file = cacheIn();
    new TemplateCache(runtime(), () => file).get('<{{a}}> {{b}}');
    const cached = new TemplateCache(runtime(), () => file);
    expect(cached.get('<{{a}}> {{b}}')({ a: '&', b: 'x' })).toBe('<&> x');
    expect(() => cached.get('<{{a}}> {{b}}')({ a: 1 })).toThrow(/"b" not defined/);
  });

  it.each([
    ['not JSON', '{ broken'],
    ['another format', JSON.stringify({ format: 'handlebars 0.0.1 {}', specs: { x: 'throw 1' } })],
    ['specs of the wrong type', JSON.stringify({ format: 'x', specs: 'nope' })],
  ])('rebuilds a cache file that is %s', (_, content) => {
    const file = cacheIn();
    writeFileSync(file, content);
    const cache = new TemplateCache(runtime(), () => file);
    expect(cache.get('{{n}}!')({ n: 3 })).toBe('3!');
    cache.save();
    expect(JSON.parse(readFileSync(file, 'utf8')).format).toMatch(/^handlebars \d/);
  });

  it("throws Handlebars' parse error with its position for a broken template, and keeps nothing for it", () => {
    const file = cacheIn();
    const cache = new TemplateCache(runtime(), () => file);
    expect(() => cache.get('line\n{{#if x}}open')).toThrow(/Parse error on line 2/);
    cache.save();
    expect(existsSync(file)).toBe(false);
  });
});
