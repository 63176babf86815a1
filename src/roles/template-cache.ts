/**
 * Compiled Handlebars templates kept between runs: compiling is most of the
 * cost of planning a run that changes nothing, and role texts rarely change.
 * A template is precompiled once (the compiler is loaded only then) and kept,
 * keyed by the sha256 of its text, in a cache file in provision's state
 * directory on the control node.
 *
 * A cached spec is JavaScript that runs as the operator, so it is run only if
 * provision verifies that it wrote it: CacheFile reads only a file that is
 * private to the user and whose MAC its key proves; anything else is ignored
 * and rebuilt from the templates' text.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type HandlebarsNamespace from 'handlebars';
import { CacheFile } from '../control/cache-file.js';

/** The Handlebars runtime (no compiler): what running a precompiled template needs. */
type Runtime = typeof HandlebarsNamespace;

/** The compile options every template gets: strict (a missing variable is an error), no HTML escaping. */
const OPTIONS = { strict: true, noEscape: true } as const;

/** At most this many templates are kept; the ones used least recently go first. */
const MAX_ENTRIES = 2000;

const require = createRequire(import.meta.url);

export class TemplateCache {
  /** sha256 of a template's text → its precompiled spec (JavaScript source). */
  readonly #specs: CacheFile<string>;
  readonly #compiled = new Map<string, HandlebarsTemplateDelegate>();

  constructor(
    /** The runtime the templates run on (with the helpers registered). */
    private readonly runtime: Runtime,
    /** Where the cache file is, or undefined to keep nothing on disk. */
    file: () => string | undefined,
  ) {
    // Another Handlebars version or other options: the specs are made again.
    this.#specs = new CacheFile({ file, format: `handlebars ${runtime.VERSION} ${JSON.stringify(OPTIONS)}`, maxEntries: MAX_ENTRIES });
  }

  /** The template for `text`, compiled or read from the cache; throws Handlebars' parse errors. */
  get(text: string): HandlebarsTemplateDelegate {
    const known = this.#compiled.get(text);
    if (known) return known;
    const key = createHash('sha256').update(text).digest('hex');
    let spec = this.#specs.get(key);
    if (typeof spec !== 'string') {
      // Loaded only on a miss: the compiler is the heavy part of Handlebars.
      const compiler = require('handlebars') as Runtime;
      // A copy: Handlebars adds its own keys to the options object it is given.
      spec = compiler.precompile(text, { ...OPTIONS }) as string;
      this.#specs.set(key, spec);
    }
    // The spec is code Handlebars generated from the text: compiled just now, or read from a file whose MAC proves provision wrote it.
    const template = this.runtime.template(new Function(`return ${spec};`)() as TemplateSpecification);
    this.#compiled.set(text, template);
    return template;
  }

  /** Writes the cache file when templates were compiled in this run. */
  save(): void {
    this.#specs.save();
  }
}

/** The cache file in provision's state directory. */
export function templateCacheFile(stateDir: string): string {
  return join(stateDir, 'templates.cache.json');
}
