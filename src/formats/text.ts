/**
 * Plain text that must stay on one line: a comment in a config file, a line
 * of a login banner. Control characters (a newline would start a directive
 * of its own; an escape sequence would reach a terminal) are refused.
 */
import { refuseControlCharacters } from './format-error.js';

/** `value` unchanged, if it holds no control character but tabs. */
export function oneLine(value: string): string {
  refuseControlCharacters(value, 'one line of text', true);
  return value;
}
