/**
 * A value in a Java .properties file (java.util.Properties.load, e.g. a Sumo
 * Logic collector's user.properties): `\` starts an escape, a line break
 * ends the entry (`\n` `\r` `\t` `\f` are written as escapes), leading
 * spaces are dropped unless escaped, and the file is read as ISO 8859-1, so
 * any other character is written as a `\uXXXX` escape.
 */

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\f': '\\f' };

/** `value` as the value of one `key=value` entry, read back exactly. */
export function propertiesValue(value: string): string {
  const escaped = value.replace(/[\\\n\r\t\f]|[^\u0020-\u007e]/g, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  // Leading white space would be skipped as the separator's.
  return escaped.startsWith(' ') ? `\\${escaped}` : escaped;
}
