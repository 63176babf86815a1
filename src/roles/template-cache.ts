/**
 * Compiled Handlebars templates kept between runs: compiling is most of the
 * cost of planning a run that changes nothing, and role texts rarely change.
 * A template is precompiled once (the compiler is loaded only then) and kept,
 * keyed by the sha256 of its text, in a file in provision's state directory on
 * the control node (0600).
 *
 * A cached spec is JavaScript that runs as the operator, so it is run only if
 * provision verifies that it wrote it: the file starts with an HMAC-SHA256 of
 * the rest, keyed with 32 random bytes kept in `templates.key` beside it
 * (0600, made on first use). A file without a valid MAC (written by anyone or
 * anything else, or damaged) is ignored and rebuilt from the templates' text;
 * a key or cache file that someone else could write is refused (checkPrivate).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { writeControlFile } from '../control/write-file.js';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type HandlebarsNamespace from 'handlebars';
import { UserError } from '../errors.js';
import { checkPrivate } from '../control/state-dir.js';

/** The Handlebars runtime (no compiler): what running a precompiled template needs. */
type Runtime = typeof HandlebarsNamespace;

/** The compile options every template gets: strict (a missing variable is an error), no HTML escaping. */
const OPTIONS = { strict: true, noEscape: true } as const;

/** At most this many templates are kept; the ones used least recently go first. */
const MAX_ENTRIES = 2000;

/** The cache file's content, after its MAC line. */
interface CacheFile {
  /** Handlebars version and options the specs were made with: another one invalidates them. */
  format: string;
  /** sha256 of a template's text → its precompiled spec (JavaScript source). */
  specs: Record<string, string>;
}

const require = createRequire(import.meta.url);

/** The key that authenticates the cache file: read, or made (exclusively, 0600) when there is none. */
function cacheKey(file: string, create: boolean): Buffer | undefined {
  const keyFile = join(dirname(file), 'templates.key');
  if (!existsSync(keyFile)) {
    if (!create) return undefined;
    try {
      writeFileSync(keyFile, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    } catch {
      // Another run made it first: use theirs.
    }
  }
  checkPrivate(keyFile);
  return Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'hex');
}

function mac(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(body).digest('hex');
}

export class TemplateCache {
  readonly #format: string;
  #specs: Map<string, string> | undefined;
  #dirty = false;
  readonly #compiled = new Map<string, HandlebarsTemplateDelegate>();

  constructor(
    /** The runtime the templates run on (with the helpers registered). */
    private readonly runtime: Runtime,
    /** Where the cache file is, or undefined to keep nothing on disk. */
    private readonly file: () => string | undefined,
  ) {
    this.#format = `handlebars ${runtime.VERSION} ${JSON.stringify(OPTIONS)}`;
  }

  /** The template for `text`, compiled or read from the cache; throws Handlebars' parse errors. */
  get(text: string): HandlebarsTemplateDelegate {
    const known = this.#compiled.get(text);
    if (known) return known;
    const key = createHash('sha256').update(text).digest('hex');
    const specs = this.#load();
    let spec = specs.get(key);
    if (spec === undefined) {
      // Loaded only on a miss: the compiler is the heavy part of Handlebars.
      const compiler = require('handlebars') as Runtime;
      // A copy: Handlebars adds its own keys to the options object it is given.
      spec = compiler.precompile(text, { ...OPTIONS }) as string;
      this.#dirty = true;
    }
    // Most recently used last, so trimming drops the oldest.
    specs.delete(key);
    specs.set(key, spec);
    // The spec is code Handlebars generated from the text: compiled just now, or read from a file whose MAC proves provision wrote it.
    const template = this.runtime.template(new Function(`return ${spec};`)() as TemplateSpecification);
    this.#compiled.set(text, template);
    return template;
  }

  /** Writes the cache file when templates were compiled in this run (atomically, 0600, with its MAC). */
  save(): void {
    const file = this.file();
    if (!this.#dirty || !this.#specs || file === undefined) return;
    const entries = [...this.#specs].slice(-MAX_ENTRIES);
    const body = JSON.stringify({ format: this.#format, specs: Object.fromEntries(entries) } satisfies CacheFile);
    try {
      const key = cacheKey(file, true)!;
      // A temp file per process: runs at once never write into the same one.
      writeControlFile(file, `${mac(key, body)}\n${body}`);
      this.#dirty = false;
    } catch (err) {
      // A cache that cannot be written only costs the next run some compiling; a foreign key file is refused.
      if (err instanceof UserError) throw err;
    }
  }

  #load(): Map<string, string> {
    if (this.#specs) return this.#specs;
    this.#specs = new Map();
    const file = this.file();
    if (file === undefined || !existsSync(file)) return this.#specs;
    checkPrivate(file);
    const key = cacheKey(file, false);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return this.#specs;
    }
    const newline = text.indexOf('\n');
    const body = text.slice(newline + 1);
    const written = Buffer.from(text.slice(0, Math.max(newline, 0)), 'hex');
    const expected = key === undefined ? undefined : Buffer.from(mac(key, body), 'hex');
    // Only a file this installation wrote: anything else is rebuilt, never run.
    if (newline < 0 || expected === undefined || written.length !== expected.length || !timingSafeEqual(written, expected)) return this.#specs;
    try {
      const content = JSON.parse(body) as Partial<CacheFile>;
      if (content.format === this.#format && content.specs && typeof content.specs === 'object') {
        for (const [hash, spec] of Object.entries(content.specs)) if (typeof spec === 'string') this.#specs.set(hash, spec);
      }
    } catch {
      // Damaged: rebuilt.
    }
    return this.#specs;
  }
}

/** The cache file in provision's state directory. */
export function templateCacheFile(stateDir: string): string {
  return join(stateDir, 'templates.cache.json');
}
