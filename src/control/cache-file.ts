/**
 * A keyed cache kept between runs in one file of provision's state directory
 * (the parsed roles, the compiled templates). The file is written atomically,
 * 0600, and read only when it is private to the user (checkPrivate).
 *
 * Its first line is an HMAC-SHA256 of the rest, keyed with 32 random bytes kept
 * in `cache.key` beside it (0600, made on first use): a file without a valid
 * MAC (written by anyone or anything else, or damaged) is ignored and rebuilt,
 * so what it holds is what this installation stored. The second line names the
 * format of the entries (another one is ignored); then one entry per line,
 * `KEY<TAB>JSON`, so that a run parses only the entries it uses, however many
 * other programs, roles or templates the file also holds. At most `maxEntries`
 * are kept, the least recently used dropped first.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { writeControlFile } from './write-file.js';
import { checkPrivate } from './state-dir.js';

export interface CacheFileOptions {
  /** Where the cache file is, or undefined to keep nothing on disk. */
  file: () => string | undefined;
  /** What the entries are (their shape and who made them): a file of another format is ignored. */
  format: string;
  /** At most this many entries are kept. */
  maxEntries: number;
}

/** The key that authenticates cache files in `dir`: read, or made (exclusively, 0600) when there is none and `create`. */
function cacheKey(dir: string, create: boolean): Buffer | undefined {
  const keyFile = join(dir, 'cache.key');
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

export class CacheFile<T> {
  /** Key → the entry's JSON text, least recently used first. */
  #entries: Map<string, string> | undefined;
  #dirty = false;

  constructor(private readonly options: CacheFileOptions) {}

  /** The entry kept under `key` (a word without tabs or line breaks), or undefined. */
  get(key: string): T | undefined {
    const entries = this.#load();
    const text = entries.get(key);
    if (text === undefined) return undefined;
    // Most recently used last, so trimming drops the oldest.
    entries.delete(key);
    entries.set(key, text);
    try {
      return JSON.parse(text) as T;
    } catch {
      entries.delete(key);
      return undefined;
    }
  }

  /** Keeps `value` (plain data) under `key`, written at the next save. */
  set(key: string, value: T): void {
    const entries = this.#load();
    entries.delete(key);
    entries.set(key, JSON.stringify(value));
    this.#dirty = true;
  }

  /**
   * Writes the file when entries were set in this run (atomically, 0600, with its MAC), then lets
   * the entries go: the file's whole text stays alive as long as any of them (each is a slice of
   * it), up to maxEntries of every build's, for the rest of the run; a later get reads it again.
   */
  save(): void {
    const file = this.options.file();
    if (this.#dirty && this.#entries && file !== undefined) this.#write(file, this.#entries);
    if (!this.#dirty) this.#entries = undefined;
  }

  #write(file: string, entries: Map<string, string>): void {
    const lines = [...entries].slice(-this.options.maxEntries).map(([key, text]) => `${key}\t${text}\n`);
    const body = `${this.options.format}\n${lines.join('')}`;
    try {
      const key = cacheKey(dirname(file), true)!;
      writeControlFile(file, `${mac(key, body)}\n${body}`);
      this.#dirty = false;
    } catch (err) {
      // A cache that cannot be written only costs the next run some work; a foreign key file is refused.
      if (err instanceof UserError) throw err;
    }
  }

  #load(): Map<string, string> {
    if (this.#entries) return this.#entries;
    this.#entries = new Map();
    const file = this.options.file();
    if (file === undefined || !existsSync(file)) return this.#entries;
    checkPrivate(file);
    const key = cacheKey(dirname(file), false);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return this.#entries;
    }
    const newline = text.indexOf('\n');
    const body = text.slice(newline + 1);
    const written = Buffer.from(text.slice(0, Math.max(newline, 0)), 'hex');
    const expected = key === undefined ? undefined : Buffer.from(mac(key, body), 'hex');
    // Only a file this installation wrote: anything else is rebuilt.
    if (newline < 0 || expected === undefined || written.length !== expected.length || !timingSafeEqual(written, expected)) return this.#entries;
    const lines = body.split('\n');
    if (lines[0] !== this.options.format) return this.#entries;
    for (const line of lines.slice(1)) {
      const tab = line.indexOf('\t');
      if (tab > 0) this.#entries.set(line.slice(0, tab), line.slice(tab + 1));
    }
    return this.#entries;
  }
}
