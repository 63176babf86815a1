import { dirname, resolve } from 'node:path';
import { isMap, isNode, isPair, isScalar, isSeq, type Pair, type Scalar, type YAMLMap } from 'yaml';
import type { SourcePosition } from '../errors.js';
import { describeValue } from './describe-value.js';
import type { ErrorList } from '../yaml/error-list.js';
import { readSecret, SECRET_KEY, secretOrReport, secretRefProblem, type Env, type SecretSource, type SopsRef } from './secret-ref.js';
import { DeferredValue, SecretRefValue, VaultedFileValue, VaultValue } from './deferred.js';
import { PythonFloat } from './python-float.js';
import { PythonBigInt } from '../yaml/python-int.js';
import { isPyyamlDateTime, pyyamlDateTime } from '../yaml/pyyaml-timestamp.js';
import { numberKey, sameKeys, withNumberKeys } from './python-keys.js';
import type { LiteralMark } from './types.js';
import type { VaultKeyring } from '../vault/passwords.js';
import { FLOAT_TAG, UNSAFE_TAG, VAULT_TAG, type YamlSource } from '../yaml/yaml-source.js';
import { parseVaultText, VaultFormatError } from '../vault/vault.js';

/** What reading values from a YAML file needs. */
export interface ReadContext {
  /** The file being read. */
  source: YamlSource;
  /** Where `{ secret: ENV_NAME }` values are read from. */
  env: Env;
  /** Where `{ secret: { sops: FILE, key: KEY } }` values are read from. */
  sops?: SecretSource<SopsRef>;
  /** Where problems go. */
  errors: ErrorList;
  /** The run's vault passwords, for `!vault` values. */
  vault: VaultKeyring;
  /** The file was vault-encrypted as a whole: every text value in it is a secret. */
  vaulted?: boolean;
}

/** Whether a node is missing or an empty value (`key:` with nothing after it). */
export function isEmptyNode(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null);
}

/** What a node holds, for "got ..." in messages. */
export function describeNode(node: unknown): string {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  return describeValue(isScalar(node) ? node.value : null);
}

/** A mapping key as a string; reports keys that are not plain names (merge keys, lists, nothing) and returns undefined. */
export function keyOf(pair: Pair, path: string, fallback: SourcePosition, ctx: ReadContext): string | undefined {
  const key = ctx.source.resolve(pair.key);
  const at = ctx.source.positionOf(pair.key, fallback);
  if (!isScalar(key) || key.value === null || typeof key.value === 'object') {
    ctx.errors.add(`${path}: expected a plain key (a name), got ${describeNode(key)}`, at);
    return undefined;
  }
  if (typeof key.value === 'symbol' || key.value === '<<') {
    ctx.errors.add(`${path}.<<: a YAML merge key here is not supported: expected it only in variables (host variables, vars:, vars files)`, at);
    return undefined;
  }
  return String(key.value);
}

/**
 * A mapping's pairs with YAML merge keys (`<<: *defaults`, `<<: [*a, *b]`)
 * expanded as PyYAML does: merged pairs first (an earlier mapping of a list
 * winning over a later one), so the mapping's own keys win over them.
 */
export function mappingPairs(map: YAMLMap, ctx: ReadContext): Pair[] {
  const merged: Pair[] = [];
  const own: Pair[] = [];
  for (const pair of map.items) {
    const key = ctx.source.resolve(pair.key);
    if (!isScalar(key) || typeof key.value !== 'symbol') {
      own.push(pair);
      continue;
    }
    const value = ctx.source.resolve(pair.value);
    const sources = isSeq(value) ? value.items.map((item) => ctx.source.resolve(item)) : [value];
    for (const source of sources.reverse()) {
      if (isMap(source)) merged.push(...mappingPairs(source, ctx));
      else ctx.errors.add(`<<: expected a mapping (or a list of mappings) to merge, got ${describeNode(source)}`, ctx.source.positionOf(pair.key, ctx.source.positionAt(0)));
    }
  }
  return [...merged, ...own];
}

/**
 * A node as a plain value: scalars, lists and mappings; `{ secret: ENV_NAME }`
 * and `!vault` values become deferred values, read only when used.
 */
export function valueOf(node: unknown, path: string, fallback: SourcePosition, ctx: ReadContext): unknown {
  const value = ctx.source.resolve(node);
  const at = ctx.source.positionOf(value, fallback);
  const problem = pyyamlProblem(value);
  if (problem) {
    ctx.errors.add(`${path}: ${problem}`, at);
    return null;
  }
  // !!omap and !!pairs: PyYAML reads a list of (key, value) pairs.
  if (isSeq(value)) return value.items.map((item, i) => (isPair(item) ? [valueOf(item.key, `${path}[${i}]`, at, ctx), valueOf(item.value, `${path}[${i}]`, at, ctx)] : valueOf(item, `${path}[${i}]`, at, ctx)));
  if (isMap(value)) return isSecretMapping(value, ctx) ? secretOf(value, path, at, ctx) : mappingOf(value, path, at, ctx);
  if (isScalar(value) && value.tag === VAULT_TAG) return vaultOf(String(value.value), path, at, ctx);
  if (isScalar(value) && ctx.vaulted && typeof value.value === 'string') return new VaultedFileValue(value.value, path, at);
  if (isScalar(value) && value.value instanceof PythonBigInt) return value.value.digits;
  if (isPlainText(value) && isPyyamlDateTime(value.value)) {
    const dateTime = pyyamlDateTime(value.value, ' ');
    if (dateTime === undefined) ctx.errors.add(`${path}: a YAML timestamp that is no valid date and time, which Ansible's YAML reader fails on: expected a valid one, or quotes around it to keep it as text`, at);
    return dateTime ?? null;
  }
  return isScalar(value) ? value.value : null;
}

/**
 * Why Ansible cannot take a value that the yaml library reads: PyYAML has no
 * constructor for a plain `=` or `<<` as a value, and ansible-inventory cannot
 * print a set or bytes. Undefined when Ansible reads it.
 */
function pyyamlProblem(node: unknown): string | undefined {
  if (isMap(node) && node.tag === 'tag:yaml.org,2002:set') return 'a YAML !!set, which Ansible reads as a Python set that it cannot print as JSON (ansible-inventory fails on it): expected a list';
  if (!isScalar(node)) return undefined;
  if (node.value instanceof Uint8Array) return 'a YAML !!binary value, which Ansible reads as bytes that it cannot print as JSON (ansible-inventory fails on it): expected text';
  const special = node.type === 'PLAIN' && (node.source === '=' || node.source === '<<' || typeof node.value === 'symbol');
  if (special) return `a plain ${String(node.source ?? '<<')} as a value, which YAML 1.1 reserves (Ansible's YAML reader fails on it): expected it quoted ('${String(node.source ?? '<<')}')`;
  return undefined;
}

/** Which of a node Ansible never renders as a template (`!unsafe` on it, or on items or values inside it); undefined for none. */
export function literalMarkOf(node: unknown, ctx: ReadContext): LiteralMark | undefined {
  const resolved = ctx.source.resolve(node);
  if (!isNode(resolved)) return undefined;
  if (resolved.tag === UNSAFE_TAG) return true;
  const marks: [string, LiteralMark | undefined][] = isSeq(resolved)
    ? resolved.items.map((item, i) => [String(i), literalMarkOf(item, ctx)])
    : isMap(resolved)
      ? mappingPairs(resolved, ctx).map((pair) => [scalarText(ctx.source.resolve(pair.key)), literalMarkOf(pair.value, ctx)])
      : [];
  const marked = marks.filter((entry): entry is [string, LiteralMark] => entry[1] !== undefined);
  return marked.length > 0 ? Object.fromEntries(marked) : undefined;
}

const scalarText = (node: unknown): string => (isScalar(node) ? String(node.value) : '');
const scalarValue = (node: unknown): unknown => (isScalar(node) ? node.value : undefined);

/** A value as ansible-inventory prints what `!unsafe` covers: each string as `{ __ansible_unsafe: text }`. */
function printedUnsafe(value: unknown): unknown {
  if (typeof value === 'string') return { __ansible_unsafe: value };
  if (Array.isArray(value)) return value.map(printedUnsafe);
  if (value !== null && typeof value === 'object' && !(value instanceof DeferredValue)) return sameKeys(value, Object.fromEntries(Object.entries(value).map(([k, v]) => [k, printedUnsafe(v)])));
  return value;
}

/**
 * How Ansible prints a value read from `node` by valueOf: the same value, with
 * the numbers PyYAML reads as floats (`2.0`, `.inf`, `1:20.5`) as PythonFloat and
 * `!unsafe` strings as ansible-inventory prints them;
 * `value` itself when it holds none.
 */
export function printedValueOf(node: unknown, value: unknown, ctx: ReadContext): unknown {
  const resolved = ctx.source.resolve(node);
  // ansible-inventory prints an `!unsafe` string (never templated by Ansible) as a mapping, also inside an `!unsafe` list or mapping.
  if (isNode(resolved) && resolved.tag === UNSAFE_TAG) return printedUnsafe(value);
  if (isScalar(resolved)) {
    if (resolved.value instanceof PythonBigInt) return resolved.value;
    const dateTime = isPlainText(resolved) ? pyyamlDateTime(resolved.value, 'T') : undefined;
    if (dateTime !== undefined) return dateTime;
    const float = resolved.tag === FLOAT_TAG || (resolved.type === 'PLAIN' && FLOAT_TEXT.test(String(resolved.source)));
    return typeof value === 'number' && float ? new PythonFloat(value) : value;
  }
  // A list's items, or an item of !!omap or !!pairs: [key, value].
  const itemNodes = isPair(resolved) ? [resolved.key, resolved.value] : isSeq(resolved) ? resolved.items : undefined;
  if (itemNodes && Array.isArray(value)) {
    const items = value.map((item, i) => printedValueOf(itemNodes[i], item, ctx));
    return items.some((item, i) => item !== value[i]) ? items : value;
  }
  if (isMap(resolved) && value !== null && typeof value === 'object' && !(value instanceof DeferredValue)) {
    const entries = new Map<string, unknown>();
    for (const pair of mappingPairs(resolved, ctx)) {
      const key = ctx.source.resolve(pair.key);
      if (isScalar(key) && Object.hasOwn(value, String(key.value))) entries.set(String(key.value), pair.value);
    }
    const record = value as Record<string, unknown>;
    const printed = sameKeys(record, Object.fromEntries(Object.entries(record).map(([k, v]) => [k, entries.has(k) ? printedValueOf(entries.get(k), v, ctx) : v])));
    return Object.entries(printed).some(([k, v]) => v !== record[k]) ? printed : value;
  }
  return value;
}

/** A plain scalar without a tag that the yaml library reads as text: PyYAML may read it as a timestamp. */
function isPlainText(node: unknown): node is Scalar<string> {
  return isScalar(node) && node.type === 'PLAIN' && node.tag === undefined && typeof node.value === 'string';
}

// YAML 1.1 floats need a dot (1e3 is a string), and .inf/.nan are floats too.
const FLOAT_TEXT = /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+]?[0-9]+)?$|^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*$|^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$/;

/** A `!vault` value; its envelope is checked now (a damaged one is an error even when unused), its content when used. */
function vaultOf(text: string, path: string, at: SourcePosition, ctx: ReadContext): unknown {
  try {
    parseVaultText(text);
  } catch (err) {
    if (!(err instanceof VaultFormatError)) throw err;
    ctx.errors.add(`${path}: malformed !vault value: ${err.message}`, at);
    return undefined;
  }
  return new VaultValue(text, ctx.vault, path, at);
}

function mappingOf(map: YAMLMap, path: string, at: SourcePosition, ctx: ReadContext): Record<string, unknown> {
  const entries: [string, unknown][] = [];
  const numbers = new Map<string, number>();
  for (const pair of mappingPairs(map, ctx)) {
    const key = keyOf(pair, path, at, ctx);
    if (key === undefined) continue;
    entries.push([key, valueOf(pair.value, `${path}.${key}`, ctx.source.positionOf(pair.key, at), ctx)]);
    const number = numberKey(scalarValue(ctx.source.resolve(pair.key)));
    if (number !== undefined) numbers.set(key, number);
  }
  // fromEntries defines own properties, so a `__proto__` key stays a plain key.
  return withNumberKeys(Object.fromEntries(entries), numbers);
}

function isSecretMapping(map: YAMLMap, ctx: ReadContext): boolean {
  if (map.items.length !== 1) return false;
  const key = ctx.source.resolve(map.items[0]!.key);
  return isScalar(key) && key.value === SECRET_KEY;
}

const NO_SOPS: SecretSource<SopsRef> = { read: () => ({ pending: true }) };

/** `{ secret: ... }`: read when used, and reported then at where the reference is written. */
function secretOf(map: YAMLMap, path: string, at: SourcePosition, ctx: ReadContext): unknown {
  const pair = map.items[0]!;
  const specAt = ctx.source.positionOf(pair.value, at);
  const spec = valueOf(pair.value, `${path}.${SECRET_KEY}`, specAt, ctx);
  const fieldAt = (field: string): SourcePosition | undefined => {
    const fields = ctx.source.resolve(pair.value);
    const found = isMap(fields) ? fields.items.find((p) => isScalar(p.key) && p.key.value === field) : undefined;
    return found ? ctx.source.positionOf(found.value ?? found.key, specAt) : undefined;
  };
  const site = { baseDir: dirname(resolve(ctx.source.file)), at: specAt, fieldAt };
  // Without SOPS files to read from (ansible-style listing), a SOPS reference stays pending until used.
  const sources = { env: ctx.env, sops: ctx.sops ?? NO_SOPS };
  const read = () => readSecret(spec, sources, site);
  if (typeof spec === 'object' && spec !== null) {
    // A SOPS reference names its file now, so the files to decrypt are known before any value is used (loadInventoryWithSecrets);
    // the file is decrypted anyway, so its value is taken at once.
    const first = read();
    if ('problem' in first && first.deferrable !== true) return secretOrReport(first, path, specAt, ctx.errors);
    if ('secret' in first) return first.secret;
    // A file a listing could not decrypt: its values fail only where used (see SopsSecrets).
  } else {
    const problem = secretRefProblem(spec);
    if (problem !== undefined) {
      ctx.errors.add(`${path}: ${problem}`, specAt);
      return undefined;
    }
  }
  return new SecretRefValue(spec, read, path, specAt);
}
