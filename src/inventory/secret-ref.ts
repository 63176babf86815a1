import { resolve } from 'node:path';
import type { SourcePosition } from '../errors.js';
import { Secret, secretProblem } from '../secrets.js';
import { closest } from '../suggest.js';
import type { ErrorList } from '../yaml/error-list.js';
import { describeValue } from './describe-value.js';

/** The environment secrets are read from. */
export type Env = Record<string, string | undefined>;

/** The only key of a secret reference: `{ secret: ENV_NAME }` or `{ secret: { sops: FILE, key: KEY } }`. */
export const SECRET_KEY = 'secret';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SOPS_FIELDS = ['sops', 'key'];
const EXPECTED = 'expected { secret: ENV_NAME } naming an environment variable, or { secret: { sops: FILE, key: KEY } } naming a value in a SOPS file';

/**
 * A secret, or what is wrong (the message never contains a value; `at` when the
 * problem is somewhere else than the reference, `aboutFile` when it is about a
 * whole file and reported once; `deferrable` when a listing reads on without it, see SopsSecrets), or pending: the source reads asynchronously, and
 * the reference is read again once it has (see loadInventoryWithSecrets).
 */
export type SecretResult = { secret: Secret } | { problem: string; at?: SourcePosition; aboutFile?: boolean; deferrable?: boolean } | { pending: true };

/** A source of secrets other than the environment: what `{ secret: { ... } }` names. */
export interface SecretSource<Ref> {
  read(ref: Ref): SecretResult;
}

/** A value in a SOPS file: `{ secret: { sops: FILE, key: a.b } }`. */
export interface SopsRef {
  /** Absolute path of the SOPS file. */
  file: string;
  /** The path as written. */
  shown: string;
  /** Keys (and list indexes) from the top of the decrypted document. */
  key: string[];
  /** Where the reference, its file and its key are written (absent for -e values). */
  at?: { ref: SourcePosition; file: SourcePosition; key: SourcePosition };
}

/** Where secret references are read from. */
export interface SecretSources {
  env: Env;
  /** SOPS files; without it a SOPS reference is an error. */
  sops?: SecretSource<SopsRef>;
}

/** Where a reference is written: the directory its paths are relative to, and positions of its fields. */
export interface RefSite {
  baseDir: string;
  at?: SourcePosition;
  fieldAt?: (field: string) => SourcePosition | undefined;
}

/** Reads the secret that the value under `secret:` names. */
export function readSecret(spec: unknown, sources: SecretSources, site: RefSite): SecretResult {
  if (typeof spec === 'object' && spec !== null && !Array.isArray(spec) && !(spec instanceof Secret)) {
    return readSopsRef(spec as Record<string, unknown>, sources, site);
  }
  return secretFromEnv(spec, sources.env);
}

/** The Secret of a result, or undefined with its problem reported (nothing for a pending one). */
export function secretOrReport(result: SecretResult, path: string, at: SourcePosition | undefined, errors: ErrorList): Secret | undefined {
  if ('secret' in result) return result.secret;
  if ('problem' in result) errors.add(result.aboutFile ? result.problem : `${path}: ${result.problem}`, result.at ?? at);
  return undefined;
}

/** What is wrong with the form of a secret reference's `secret:` value, if anything (checked when the inventory is read, used or not). */
export function secretRefProblem(envName: unknown): string | undefined {
  if (typeof envName !== 'string' || !ENV_NAME.test(envName)) {
    return `expected { secret: ENV_NAME } naming an environment variable (letters, digits, _), got ${describeValue(envName)}`;
  }
  return undefined;
}

/** Reads the secret named by `{ secret: envName }` from `env`; an unset, empty or too short value is a problem. */
export function secretFromEnv(envName: unknown, env: Env): SecretResult {
  const refProblem = secretRefProblem(envName);
  if (refProblem !== undefined || typeof envName !== 'string') return { problem: refProblem ?? '' };
  const value = env[envName];
  if (value === undefined || value === '') {
    return { problem: `environment variable ${envName} is unset or empty: expected it to hold the secret` };
  }
  const problem = secretProblem(value);
  if (problem !== undefined) return { problem: `environment variable ${envName}: ${problem}` };
  return { secret: new Secret(value) };
}

function readSopsRef(spec: Record<string, unknown>, sources: SecretSources, site: RefSite): SecretResult {
  const unknown = Object.keys(spec).find((k) => !SOPS_FIELDS.includes(k));
  if (unknown !== undefined) {
    const hint = closest(unknown, SOPS_FIELDS) ?? (spec['sops'] === undefined ? 'sops' : undefined);
    return { problem: `unknown field '${unknown}'${hint ? ` (did you mean '${hint}'?)` : ''}: ${EXPECTED}`, ...at(site, unknown) };
  }
  if (typeof spec['sops'] !== 'string' || spec['sops'] === '') {
    return { problem: `sops: expected the path of a SOPS file (relative to this file), got ${describeValue(spec['sops'])}`, ...at(site, 'sops') };
  }
  const key = keyPathOf(spec['key']);
  if (typeof key === 'string') return { problem: `key: ${key}`, ...at(site, 'key') };
  if (!sources.sops) return { problem: 'SOPS secrets are not read here: load the inventory with loadInventoryWithSecrets' };
  const fileAt = site.fieldAt?.('sops');
  const keyAt = site.fieldAt?.('key');
  const positions = site.at && fileAt && keyAt ? { at: { ref: site.at, file: fileAt, key: keyAt } } : {};
  return sources.sops.read({ file: resolve(site.baseDir, spec['sops']), shown: spec['sops'], key, ...positions });
}

function at(site: RefSite, field: string): { at?: SourcePosition } {
  const position = site.fieldAt?.(field) ?? site.at;
  return position ? { at: position } : {};
}

/** A key path: `a.b.0` or a list `[a.b, c]` (for keys that hold dots); a string saying what is wrong otherwise. */
function keyPathOf(key: unknown): string[] | string {
  const parts = typeof key === 'string' ? key.split('.') : Array.isArray(key) ? key.map((k) => (typeof k === 'number' && Number.isInteger(k) ? String(k) : k)) : undefined;
  if (parts === undefined || parts.length === 0 || parts.some((p) => typeof p !== 'string' || p === '')) {
    return `expected a key path such as db.password (or a list of keys), got ${describeValue(key)}`;
  }
  return parts as string[];
}

/** Whether a plain value is a secret reference: an object whose one and only key is `secret`. */
export function isSecretRef(value: unknown): value is { [SECRET_KEY]: unknown } {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Secret) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === SECRET_KEY;
}
