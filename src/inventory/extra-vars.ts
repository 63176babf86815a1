import { UserError } from '../errors.js';
import { describeValue } from './describe-value.js';
import type { ErrorList } from '../yaml/error-list.js';
import { isSecretRef, readSecret, secretOrReport, type SecretSources } from './secret-ref.js';
import { readVariables, type VarTable } from './variables.js';
import { parseYaml, readTextFile } from '../yaml/yaml-source.js';
import { withoutNumberMarks } from './python-float.js';

const EXPECTED = 'expected key=value pairs, a YAML or JSON mapping, or @file.yaml';
// One key=value word: the value is bare, or quoted to hold spaces ("..." with backslash escapes, or '...').
const KEY_VALUE = /([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|[^\s"']*)(?=\s|$)/y;

/**
 * Reads `-e` values, later ones overriding earlier ones: `key=value` words
 * (values stay strings), a YAML or JSON mapping, or `@file.yaml`. Values are
 * never echoed in errors: they may be passwords.
 */
export function parseExtraVars(values: string[]): Record<string, unknown> {
  const merged = new Map<string, unknown>();
  values.forEach((value, i) => {
    for (const [name, v] of Object.entries(parseOne(value.trim(), `-e value ${i + 1}`))) merged.set(name, v);
  });
  // fromEntries defines own properties, so a `__proto__` name stays a plain name.
  return Object.fromEntries(merged);
}

function parseOne(text: string, label: string): Record<string, unknown> {
  if (text.startsWith('@')) {
    const file = text.slice(1);
    return mappingOf(pyyamlValue(readTextFile(file, 'extra vars file'), file), `extra vars file '${file}'`);
  }
  if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(text)) return keyValues(text, label);
  if (text === '') throw new UserError(`${label} is empty: ${EXPECTED}`);
  return mappingOf(pyyamlValue(text, '-e'), label);
}

/** YAML as Ansible reads extra vars (PyYAML's YAML 1.1: `0644` is 420, `yes` true), integers beyond 2^53 as their digits. */
function pyyamlValue(text: string, file: string): unknown {
  return withoutNumberMarks(parseYaml(text, file, 'pyyaml').doc.toJS());
}

function mappingOf(data: unknown, label: string): Record<string, unknown> {
  if (data === null) return {};
  if (typeof data === 'object' && !Array.isArray(data)) return data as Record<string, unknown>;
  const got = typeof data === 'string' ? 'a plain string' : describeValue(data);
  throw new UserError(`${label}: ${EXPECTED}, got ${got}`);
}

function keyValues(text: string, label: string): Record<string, unknown> {
  const entries: [string, string][] = [];
  let at = 0;
  for (let word = 1; at < text.length; word++) {
    KEY_VALUE.lastIndex = at;
    const match = KEY_VALUE.exec(text);
    if (!match) throw new UserError(`${label}, word ${word}: not key=value: ${EXPECTED} (quote values that hold spaces)`);
    entries.push([match[1]!, unquote(match[2]!)]);
    at = KEY_VALUE.lastIndex;
    while (/\s/.test(text[at] ?? '')) at++;
  }
  return Object.fromEntries(entries);
}

function unquote(value: string): string {
  if (value.startsWith("'")) return value.slice(1, -1);
  if (value.startsWith('"')) return value.slice(1, -1).replace(/\\(.)/g, '$1');
  return value;
}

/**
 * Checks extra variables like any other scope (aliases, connection value types,
 * typos) and reads `{ secret: ... }` values, at any depth, from `sources`.
 * Relative paths in them are resolved against the current directory, where the
 * command was typed.
 */
export function checkExtraVars(extraVars: Record<string, unknown>, sources: SecretSources, errors: ErrorList): VarTable {
  const written = Object.entries(extraVars).map(([name, value]) => {
    const path = `-e ${name}`;
    const site = { path, baseDir: process.cwd(), fromCommandLine: true };
    return { name, value: withSecrets(value, path, sources, errors), site };
  });
  return readVariables(written, errors);
}

function withSecrets(value: unknown, path: string, sources: SecretSources, errors: ErrorList): unknown {
  if (isSecretRef(value)) return secretOrReport(readSecret(value.secret, sources, { baseDir: process.cwd() }), path, undefined, errors);
  if (Array.isArray(value)) return value.map((item, i) => withSecrets(item, `${path}[${i}]`, sources, errors));
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withSecrets(v, `${path}.${k}`, sources, errors)]));
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
