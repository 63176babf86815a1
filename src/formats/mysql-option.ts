/**
 * A value in a MySQL/MariaDB option file (my.cnf, a client's
 * --defaults-extra-file), as the server's and clients' option-file reader
 * (mysys my_default.c) reads it: the value is double-quoted, so a `#` is not
 * a comment and spaces at either end are kept, and inside the quotes `\\`,
 * `\"`, `\n`, `\r`, `\t` and `\b` are escapes. Only a NUL byte cannot be carried.
 */
import { FormatError } from './format-error.js';

const ESCAPES: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b' };

/** `"..."`: `value` as one option-file value, read back exactly. */
export function mysqlOptionValue(value: string): string {
  if (value.includes('\0')) throw new FormatError('the value holds a NUL byte, which a MySQL option file cannot carry');
  return `"${value.replace(/[\\"\n\r\t\b]/g, (c) => ESCAPES[c]!)}"`;
}
