/**
 * JSON text as Python's json.dumps writes it, which Ansible's `to_json` and `to_nice_json` call: `, ` and `: `
 * between items (`,` and `: ` when indented), every character outside printable ASCII as `\uXXXX` unless
 * ensure_ascii is false, floats as Python's repr (`2.0`, `1e+16`, `Infinity`), integers with every digit, keys in
 * their order or sorted by code point. A secret inside is written with its real value (the caller masks the result). Pure.
 */
import { PythonFloat, pythonFloatText } from '../inventory/python-float.js';
import { JinjaError } from './jinja-error.js';
import { pythonNumber } from './python-numbers.js';
import { codePointOrder, isMapping, plain, typeName, type Value } from './python-values.js';

export interface JsonLayout {
  /** Spaces (or the text) of one level; undefined writes everything on one line. */
  indent?: string;
  sortKeys: boolean;
  ensureAscii: boolean;
}

const MAX_INDENT = 100;

const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

function jsonString(text: string, ensureAscii: boolean): string {
  // As json's ESCAPE_ASCII and ESCAPE: a UTF-16 unit at a time, so a character beyond U+FFFF is its surrogate pair.
  const escaped = ensureAscii ? /[^ -~]|["\\]/g : /[\u0000-\u001f"\\]/g;
  return `"${text.replace(escaped, (ch) => SHORT_ESCAPES[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

/** `value` as json.dumps(value, indent=..., sort_keys=..., ensure_ascii=...) writes it. */
export function pythonJson(value: Value, layout: JsonLayout): string {
  const write = (item: Value, depth: number): string => {
    const v = plain(item);
    if (v === null) return 'null';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'string') return jsonString(v, layout.ensureAscii);
    const n = pythonNumber(v);
    if (n !== undefined) return n instanceof PythonFloat ? pythonFloatText(n.value) : String(n);
    let parts: string[];
    let brackets: string;
    if (Array.isArray(v)) {
      parts = v.map((x) => write(x, depth + 1));
      brackets = '[]';
    } else if (isMapping(v)) {
      const keys = Object.keys(v);
      if (layout.sortKeys) keys.sort(codePointOrder);
      parts = keys.map((k) => `${jsonString(k, layout.ensureAscii)}: ${write(v[k], depth + 1)}`);
      brackets = '{}';
    } else {
      throw new JinjaError(`Object of type ${typeName(v)} is not JSON serializable`);
    }
    if (parts.length === 0) return brackets;
    if (layout.indent === undefined) return `${brackets[0]}${parts.join(', ')}${brackets[1]}`;
    const inner = `\n${layout.indent.repeat(depth + 1)}`;
    return `${brackets[0]}${inner}${parts.join(`,${inner}`)}\n${layout.indent.repeat(depth)}${brackets[1]}`;
  };
  return write(value, 0);
}

/** Python's json.dumps `indent`: None for one line, a number of spaces (none below 1), or the text itself. */
export function jsonIndent(indent: Value): string | undefined {
  const v = plain(indent);
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return v;
  const n = pythonNumber(v);
  if (typeof n !== 'bigint') throw new JinjaError(`to_json: indent must be an integer or text, got ${typeName(v)}`);
  // A larger one is a mistake (or hostile): its text would be that many spaces on every line.
  if (n > BigInt(MAX_INDENT)) throw new JinjaError(`to_json: indent ${n} is too large: expected at most ${MAX_INDENT}`);
  return ' '.repeat(n > 0n ? Number(n) : 0);
}
