import { dirname, resolve } from 'node:path';
import { isMap, isScalar, isSeq, type Pair, type YAMLMap } from 'yaml';
import type { SourcePosition } from '../errors.js';
import { describeValue } from './describe-value.js';
import type { ErrorList } from '../yaml/error-list.js';
import { readSecret, SECRET_KEY, secretOrReport, type Env, type SecretSource, type SopsRef } from './secret-ref.js';
import type { YamlSource } from '../yaml/yaml-source.js';

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
  const name = String(key.value);
  if (name === '<<') {
    ctx.errors.add(`${path}.<<: YAML merge keys are not supported: expected plain keys (use group vars to share values)`, at);
    return undefined;
  }
  return name;
}

/** A node as a plain value: scalars, lists and mappings, with `{ secret: ENV_NAME }` read into a Secret. */
export function valueOf(node: unknown, path: string, fallback: SourcePosition, ctx: ReadContext): unknown {
  const value = ctx.source.resolve(node);
  const at = ctx.source.positionOf(value, fallback);
  if (isSeq(value)) return value.items.map((item, i) => valueOf(item, `${path}[${i}]`, at, ctx));
  if (isMap(value)) return isSecretMapping(value, ctx) ? secretOf(value, path, at, ctx) : mappingOf(value, path, at, ctx);
  return isScalar(value) ? value.value : null;
}

function mappingOf(map: YAMLMap, path: string, at: SourcePosition, ctx: ReadContext): Record<string, unknown> {
  const entries: [string, unknown][] = [];
  for (const pair of map.items) {
    const key = keyOf(pair, path, at, ctx);
    if (key !== undefined) entries.push([key, valueOf(pair.value, `${path}.${key}`, ctx.source.positionOf(pair.key, at), ctx)]);
  }
  // fromEntries defines own properties, so a `__proto__` key stays a plain key.
  return Object.fromEntries(entries);
}

function isSecretMapping(map: YAMLMap, ctx: ReadContext): boolean {
  if (map.items.length !== 1) return false;
  const key = ctx.source.resolve(map.items[0]!.key);
  return isScalar(key) && key.value === SECRET_KEY;
}

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
  return secretOrReport(readSecret(spec, { env: ctx.env, ...(ctx.sops ? { sops: ctx.sops } : {}) }, site), path, specAt, ctx.errors);
}
