/**
 * Parsed roles kept between runs: parsing role.yaml is the largest part of
 * start-up, and role files rarely change. A loaded role is kept as data (JSON,
 * never code), keyed by the sha256 of the program that loaded it, the role's
 * directory and the bytes of its role.yaml and defaults.yaml, in a cache file
 * in provision's state directory (see CacheFile: 0600, authenticated, one role
 * per line so a run parses only the roles it uses). Any change to either file,
 * or another build of provision (whose checks may differ), is a miss: the role
 * is parsed and checked again. Only a role that loaded without errors and
 * survives a JSON round trip unchanged is kept.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { CacheFile } from '../control/cache-file.js';
import { checkOf, type VariableCheck } from './checks.js';
import type { Declaration, Role } from './load.js';

/** Bumped when the stored shape changes. */
const FORMAT = 'roles 2';

/** At most this many roles are kept; the ones used least recently go first. */
const MAX_ENTRIES = 200;

/** A role as stored: its handlers as a list of pairs, its checks as written (a check holds functions). */
type StoredRole = Omit<Role, 'handlers' | 'checks'> & { handlers: Array<[string, Declaration]>; checks: Array<{ variable: string; spec: unknown }> };

function store(role: Role): StoredRole {
  return { ...role, handlers: [...role.handlers], checks: role.checks.map(({ variable, spec }) => ({ variable, spec })) };
}

/** The role again, or undefined when a stored check is no longer one. */
function restore(stored: StoredRole): Role | undefined {
  const checks: VariableCheck[] = [];
  for (const { variable, spec } of stored.checks) {
    const check = checkOf(spec);
    if (check === undefined) return undefined;
    checks.push({ variable, check, spec });
  }
  return { ...stored, handlers: new Map(stored.handlers), checks };
}

/** Whether JSON keeps `value` as it is: plain data, finite numbers, no undefined in a list (an undefined property is dropped, as if unset). */
function isPlainData(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((v) => v !== undefined && isPlainData(v));
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  return Object.values(value).every((v) => v === undefined || isPlainData(v));
}

/** The bytes of a file, or a marker for one that does not exist. */
function contentOf(file: string): Buffer | string {
  return existsSync(file) ? readFileSync(file) : '\0absent';
}

export class RoleCache {
  readonly #stored: CacheFile<StoredRole>;

  constructor(
    /** Where the cache file is, or undefined to keep nothing on disk. */
    file: () => string | undefined,
    /** What identifies the program doing the checks (another build is a miss). */
    private readonly program: () => string,
  ) {
    this.#stored = new CacheFile({ file, format: FORMAT, maxEntries: MAX_ENTRIES });
  }

  /** The role in `dir`: read from the cache when its files are unchanged, else `load()` (and kept). */
  get(dir: string, load: () => Role): Role {
    const hash = createHash('sha256').update(`${FORMAT}\0${this.program()}\0${dir}\0`);
    for (const name of ['role.yaml', 'defaults.yaml']) hash.update(contentOf(join(dir, name))).update('\0');
    const key = hash.digest('hex');
    const known = this.#stored.get(key);
    const restored = known && restore(known);
    if (restored) return restored;
    const role = load();
    const stored = store(role);
    // Only what JSON keeps exactly: anything else is parsed each run.
    if (isPlainData(stored)) this.#stored.set(key, stored);
    return role;
  }

  /** Writes the cache file when roles were parsed in this run. */
  save(): void {
    this.#stored.save();
  }
}

/** The cache file in provision's state directory. */
export function roleCacheFile(stateDir: string): string {
  return join(stateDir, 'roles.cache.json');
}

let programHash: string | undefined;

/** sha256 of the running program's entry file (a bundle's entry names its chunks by their content hashes). */
export function programIdentity(): string {
  if (programHash === undefined) {
    let text: Buffer | string;
    try {
      text = readFileSync(realpathSync(process.argv[1] ?? ''));
    } catch {
      text = `${process.argv[1] ?? ''}\0unreadable`;
    }
    programHash = createHash('sha256').update(text).update(import.meta.url).digest('hex');
  }
  return programHash;
}
