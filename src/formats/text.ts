/**
 * Plain text that must stay on one line: a comment in a config file, a line
 * of a login banner. Control characters (a newline would start a directive
 * of its own; an escape sequence would reach a terminal) are refused, and so
 * is a value longer than MAX_LINE_BYTES: a reader with a line buffer (MySQL's
 * option files read lines in pieces of 4095 bytes) would read the rest of a
 * longer comment as a line of its own, a directive.
 */
import { FormatError, refuseControlCharacters } from './format-error.js';

/** The longest value accepted, in bytes: a comment or banner line needs no more, and stays well inside any reader's line buffer. */
export const MAX_LINE_BYTES = 1024;

/** `value` unchanged, if it holds no control character but tabs and is at most MAX_LINE_BYTES long. */
export function oneLine(value: string): string {
  refuseControlCharacters(value, 'one line of text', true);
  const bytes = Buffer.byteLength(value);
  if (bytes > MAX_LINE_BYTES) throw new FormatError(`the value is ${bytes} bytes long; a reader with a line buffer (a MySQL option file reads 4095-byte pieces) could read the rest of the line as a directive, so at most ${MAX_LINE_BYTES} are accepted on one line`);
  return value;
}
