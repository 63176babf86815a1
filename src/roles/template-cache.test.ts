import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import { TemplateCache, templateCacheFile } from './template-cache.js';

const runtime = (): typeof Handlebars => {
  const hbs = (createRequire(import.meta.url)('handlebars/runtime') as typeof Handlebars).create();
  hbs.registerHelper('shout', (text: unknown) => String(text).toUpperCase());
  return hbs;
};
const cacheIn = (): string => templateCacheFile(mkdtempSync(join(tmpdir(), 'provision-templates-')));
/** The cache file's format line and its specs by key (the lines after its MAC line). */
const bodyOf = (file: string): { format: string; specs: Record<string, string> } => {
  const [format = '', ...entries] = readFileSync(file, 'utf8').split('\n').slice(1).filter((line) => line !== '');
  return { format, specs: Object.fromEntries(entries.map((line) => [line.slice(0, line.indexOf('\t')), JSON.parse(line.slice(line.indexOf('\t') + 1)) as string])) };
};

describe('TemplateCache', () => {
  it('compiles on a miss, keeps the spec (0600), and the next run renders from it without compiling', () => {
    const file = cacheIn();
    const first = new TemplateCache(runtime(), () => file);
    expect(first.get('hello {{shout name}}')({ name: 'web' })).toBe('hello WEB');
    expect(existsSync(file)).toBe(false);
    first.save();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const saved = readFileSync(file, 'utf8');
    expect(Object.keys(bodyOf(file).specs)).toHaveLength(1);

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
    ['the previous format (JSON after the MAC)', `${'0'.repeat(64)}\n${JSON.stringify({ format: 'handlebars 0.0.1 {}', specs: { x: 'throw 1' } })}`],
    ['without a MAC', 'handlebars 4.7.8 {}\nx\t"throw 1"\n'],
  ])('rebuilds a cache file that is %s', (_, content) => {
    const file = cacheIn();
    writeFileSync(file, content);
    const cache = new TemplateCache(runtime(), () => file);
    expect(cache.get('{{n}}!')({ n: 3 })).toBe('3!');
    cache.save();
    expect(bodyOf(file).format).toMatch(/^handlebars \d/);
  });

  it("throws Handlebars' parse error with its position for a broken template, and keeps nothing for it", () => {
    const file = cacheIn();
    const cache = new TemplateCache(runtime(), () => file);
    expect(() => cache.get('line\n{{#if x}}open')).toThrow(/Parse error on line 2/);
    cache.save();
    expect(existsSync(file)).toBe(false);
  });

  it('never runs code in a cache file that provision did not write: without a valid MAC it is rebuilt from the text', () => {
    const file = cacheIn();
    const honest = new TemplateCache(runtime(), () => file);
    honest.get('{{n}}!');
    honest.save();
    const text = '{{n}}!';
    const hash = Object.keys(bodyOf(file).specs)[0]!;
    const planted = `${bodyOf(file).format}\n${hash}\t${JSON.stringify('{"compiler":[8,">= 4.3.0"],"main":function(){globalThis.provisionPlanted=1;return "planted"},"useData":true}')}\n`;
    // The planted spec, with the old line kept, with no MAC line, and with a MAC made with another key.
    for (const content of [`${readFileSync(file, 'utf8').split('\n')[0]}\n${planted}`, planted, `${'0'.repeat(64)}\n${planted}`]) {
      writeFileSync(file, content);
      expect(new TemplateCache(runtime(), () => file).get(text)({ n: 1 })).toBe('1!');
      expect((globalThis as { provisionPlanted?: number }).provisionPlanted).toBeUndefined();
    }
  });

  it('refuses a cache or key file that others can write, saying how to fix it', () => {
    const file = cacheIn();
    const cache = new TemplateCache(runtime(), () => file);
    cache.get('{{x}}');
    cache.save();
    chmodSync(file, 0o666);
    expect(() => new TemplateCache(runtime(), () => file).get('{{y}}')).toThrow(`provision's state file ${file} can be written by anyone (mode 0666): they could make provision run their code. Fix: chmod 600 ${file}`);
    chmodSync(file, 0o600);
    chmodSync(join(dirname(file), 'cache.key'), 0o620);
    expect(() => new TemplateCache(runtime(), () => file).get('{{y}}')).toThrow(/cache\.key can be written by its group \(mode 0620\)/);
  });
});
