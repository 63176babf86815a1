/**
 * A parameter of an nginx directive. nginx's configuration reader takes a
 * double-quoted token whole (`;`, `{`, `}`, `#` and spaces inside it are
 * plain text) and unescapes `\"` and `\\` in it. It has no escape for `$`,
 * which starts a variable in every directive that takes variables, so a `$`
 * is refused, as are newlines and other control characters, which no
 * parameter needs.
 */
import { FormatError, refuseControlCharacters } from './format-error.js';

/** `"..."`: `value` as one nginx parameter. */
export function nginxValue(value: string): string {
  refuseControlCharacters(value, 'an nginx parameter');
  if (value.includes('$')) throw new FormatError("the value holds '$', which nginx would read as the start of a variable (nginx has no escape for it)");
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
