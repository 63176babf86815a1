/**
 * A value in a MySQL/MariaDB option file (my.cnf, a client's
 * --defaults-extra-file), as the server's and clients' option-file reader
 * (mysys my_default.c) reads it: the value is double-quoted, so a `#` is not
 * a comment and spaces at either end are kept, and inside the quotes `\\`,
 * `\"`, `\n`, `\r`, `\t` and `\b` are escapes. A NUL byte cannot be carried.
 * The reader takes a line in pieces of at most 4095 bytes (fgets into a
 * 4096-byte buffer) and reads the rest of a longer line as a line of its own,
 * so a long value could end in a directive (`skip-grant-tables`, `!include`):
 * a value longer than MAX_OPTION_BYTES once quoted is refused.
 */
import { FormatError } from './format-error.js';

/** The longest quoted value accepted, in bytes: with the option's name and `=` well inside the reader's 4095-byte line pieces. */
export const MAX_OPTION_BYTES = 2048;

const ESCAPES: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b' };

/** `value` with the escapes of a double-quoted option-file value (no quotes, no checks): also what the redactor looks for. */
export function mysqlOptionEscape(value: string): string {
  return value.replace(/[\\"\n\r\t\b]/g, (c) => ESCAPES[c]!);
}

/** `"..."`: `value` as one option-file value, read back exactly. */
export function mysqlOptionValue(value: string): string {
  if (value.includes('\0')) throw new FormatError('the value holds a NUL byte, which a MySQL option file cannot carry');
  const quoted = `"${mysqlOptionEscape(value)}"`;
  const bytes = Buffer.byteLength(quoted);
  if (bytes > MAX_OPTION_BYTES) {
    throw new FormatError(`the value is ${bytes} bytes long once quoted; a MySQL option file reads lines in pieces of 4095 bytes and would read the rest as an option of its own, so at most ${MAX_OPTION_BYTES} are accepted`);
  }
  return quoted;
}
