/**
 * Secrets from SOPS files: `{ secret: { sops: FILE, key: a.b } }`. Reading an
 * inventory is synchronous and decrypting is not, so references to a file not
 * yet decrypted are pending: loadInventoryWithSecrets reads the inventory,
 * decrypts the files it names (loading the SOPS and age code only then), and
 * reads it again. Decrypted values stay in memory.
 */
import { isAbsolute, parse, relative } from 'node:path';
import { UserError, type SourcePosition } from '../errors.js';
import { Secret, secretProblem } from '../secrets.js';
import { closest } from '../suggest.js';
import { loadInventory, type LoadOptions } from './load.js';
import type { Env, SecretResult, SecretSource, SopsRef } from './secret-ref.js';
import type { Inventory } from './types.js';

/** Where the identity that decrypted a file came from, and the environment that finds it again. */
export interface UsedIdentity {
  label: string;
  cronEnv?: Record<string, string>;
}

interface Opened {
  values: unknown;
  identity: UsedIdentity;
}

const SHOWN_KEYS = 12;

/** The SOPS files of one inventory load. */
export class SopsSecrets implements SecretSource<SopsRef> {
  readonly #env: Env;
  readonly #deferUnreadable: boolean;
  readonly #opened = new Map<string, Opened | UserError>();
  /** File → where it is first referenced, for messages. */
  readonly #pending = new Map<string, string>();

  /**
   * `deferUnreadable`: a file that cannot be decrypted (no identity for it, say) is no error of the inventory, only of
   * the values used from it, as an unused vault value without its password (`provision inventory` lists the rest).
   */
  constructor(env: Env, { deferUnreadable = false }: { deferUnreadable?: boolean } = {}) {
    this.#env = env;
    this.#deferUnreadable = deferUnreadable;
  }

  read(ref: SopsRef): SecretResult {
    const opened = this.#opened.get(ref.file);
    if (opened === undefined) {
      if (!this.#pending.has(ref.file)) this.#pending.set(ref.file, ref.at ? `${ref.at.ref.file}:${ref.at.ref.line}:${ref.at.ref.col}` : 'a -e value');
      return { pending: true };
    }
    if (opened instanceof UserError) {
      const at = opened.position ?? ref.at?.file;
      return { problem: opened.position ? opened.message : `${ref.shown}: ${opened.message}`, ...(at ? { at } : {}), aboutFile: true, ...(this.#deferUnreadable ? { deferrable: true } : {}) };
    }
    return valueAt(opened.values, ref);
  }

  /** Whether references wait for files to be decrypted. */
  get pending(): boolean {
    return this.#pending.size > 0;
  }

  /** Decrypts every file referenced so far; a file that cannot be read becomes the problem of its references. */
  async loadPending(): Promise<void> {
    const { openSopsValues } = await import('../sops/index.js');
    await Promise.all(
      [...this.#pending].map(async ([file, firstRef]) => {
        try {
          this.#opened.set(file, await openSopsValues(shownPath(file), this.#env));
        } catch (err) {
          if (!(err instanceof UserError)) throw err;
          this.#opened.set(file, new UserError(`${err.message} (read for ${firstRef})`, err.position));
        }
      }),
    );
    this.#pending.clear();
  }

  /** Where the identities that decrypted the files came from, each once. */
  identities(): UsedIdentity[] {
    const seen = new Map<string, UsedIdentity>();
    for (const opened of this.#opened.values()) if (!(opened instanceof UserError)) seen.set(opened.identity.label, opened.identity);
    return [...seen.values()];
  }
}

/**
 * A file's path for messages: relative to the current directory when it is
 * below it, except from `/` (where cron may run a job): there a relative path
 * (`etc/site/secrets.sops.yaml`) reads as if it were below some other directory.
 */
export function shownPath(file: string, cwd = process.cwd()): string {
  const rel = relative(cwd, file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) || cwd === parse(cwd).root ? file : rel;
}

/** The secret at a reference's key path in a decrypted document, or what is wrong (key names are not secret: sops leaves them readable). */
function valueAt(values: unknown, ref: SopsRef): SecretResult {
  const keyAt: { at?: SourcePosition } = ref.at ? { at: ref.at.key } : {};
  const wanted = ref.key.join('.');
  let node = values;
  for (const [i, part] of ref.key.entries()) {
    const walked = ref.key.slice(0, i).join('.');
    const keys = Array.isArray(node) ? node.map((_, n) => String(n)) : isMapping(node) ? Object.keys(node) : [];
    if (!keys.includes(part)) {
      const where = walked === '' ? 'the top level' : walked;
      const hint = closest(part, keys);
      const has = keys.length === 0 ? 'no keys' : `${keys.slice(0, SHOWN_KEYS).join(', ')}${keys.length > SHOWN_KEYS ? ', …' : ''}`;
      return { problem: `key ${wanted} is not in ${ref.shown}: ${where} has ${has}${hint ? ` (did you mean '${[...ref.key.slice(0, i), hint].join('.')}'?)` : ''}`, ...keyAt };
    }
    node = (node as Record<string, unknown>)[Array.isArray(node) ? Number(part) : part];
  }
  if (Array.isArray(node) || isMapping(node)) {
    return { problem: `key ${wanted} in ${ref.shown} is a ${Array.isArray(node) ? 'list' : 'mapping'}: expected a single value (name a key inside it)`, ...keyAt };
  }
  if (node === null || node === undefined || node === '') return { problem: `key ${wanted} in ${ref.shown} is empty: expected it to hold the secret`, ...keyAt };
  const problem = secretProblem(String(node));
  if (problem !== undefined) return { problem: `key ${wanted} in ${ref.shown}: ${problem}`, ...keyAt };
  return { secret: new Secret(String(node)) };
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Loads an inventory with its secrets: reads it, decrypts the SOPS files it
 * names (only then is the SOPS code loaded), and reads it again with them.
 * Problems with the files are reported with the inventory's, before any host is
 * contacted, unless `deferUnreadableSops` (see SopsSecrets). Pass `sops` to ask it afterwards which identities were used.
 */
export async function loadInventoryWithSecrets(file: string | readonly string[], options: LoadOptions & { sops?: SopsSecrets; deferUnreadableSops?: boolean } = {}): Promise<Inventory> {
  const sops = options.sops ?? new SopsSecrets(options.env ?? process.env, { deferUnreadable: options.deferUnreadableSops });
  const load = (): Inventory => loadInventory(file, { ...options, sops });
  try {
    const inventory = load();
    if (!sops.pending) return inventory;
  } catch (err) {
    // With files still to decrypt, the errors of this first reading may only be their missing values.
    if (!sops.pending) throw err;
  }
  await sops.loadPending();
  return load();
}
