/**
 * Compiled Handlebars templates kept between runs: compiling is most of the
 * cost of planning a run that changes nothing, and role texts rarely change.
 * A template is precompiled once (the compiler is loaded only then) and kept,
 * keyed by the sha256 of its text, in a file in provision's state directory on
 * the control node (0600). A missing, unreadable or foreign cache is rebuilt.
 */
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type HandlebarsNamespace from 'handlebars';

/** The Handlebars runtime (no compiler): what running a precompiled template needs. */
type Runtime = typeof HandlebarsNamespace;

/** The compile options every template gets: strict (a missing variable is an error), no HTML escaping. */
const OPTIONS = { strict: true, noEscape: true } as const;

/** At most this many templates are kept; the ones used least recently go first. */
const MAX_ENTRIES = 2000;

/** The cache file's content. */
interface CacheFile {
  /** Handlebars version and options the specs were made with: another one invalidates them. */
  format: string;
  /** sha256 of a template's text → its precompiled spec (JavaScript source). */
  specs: Record<string, string>;
}

const require = createRequire(import.meta.url);

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
    // The spec is code Handlebars generated from the text, read back from a file only this user can write.
    const template = this.runtime.template(new Function(`return ${spec};`)() as TemplateSpecification);
    this.#compiled.set(text, template);
    return template;
  }

  /** Writes the cache file when templates were compiled in this run (atomically, 0600). */
  save(): void {
    const file = this.file();
    if (!this.#dirty || !this.#specs || file === undefined) return;
    const entries = [...this.#specs].slice(-MAX_ENTRIES);
    const content: CacheFile = { format: this.#format, specs: Object.fromEntries(entries) };
    try {
      // A temp file per process: runs at once never write into the same one.
      writeFileSync(`${file}.${process.pid}.tmp`, JSON.stringify(content), { mode: 0o600 });
      renameSync(`${file}.${process.pid}.tmp`, file);
      this.#dirty = false;
    } catch {
      // A cache that cannot be written only costs the next run some compiling.
    }
  }

  #load(): Map<string, string> {
    if (this.#specs) return this.#specs;
    this.#specs = new Map();
    const file = this.file();
    if (file === undefined) return this.#specs;
    try {
      const content = JSON.parse(readFileSync(file, 'utf8')) as Partial<CacheFile>;
      if (content.format === this.#format && content.specs && typeof content.specs === 'object') {
        for (const [key, spec] of Object.entries(content.specs)) if (typeof spec === 'string') this.#specs.set(key, spec);
      }
    } catch {
      // No cache yet, or an unreadable one: it is rebuilt.
    }
    return this.#specs;
  }
}

/** The cache file in provision's state directory. */
export function templateCacheFile(stateDir: string): string {
  return join(stateDir, 'templates.cache.json');
}
