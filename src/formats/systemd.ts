/**
 * Values in systemd's files. An EnvironmentFile= line `NAME="value"`: inside
 * double quotes systemd's env-file parser takes every byte as is, newlines
 * included, except `\` before one of `"` `\` `` ` `` `$`, which it unescapes.
 * A setting in a unit file (`User=`, `WorkingDirectory=`, `ExecStart=`) is
 * one line: a newline would start another setting, a trailing `\` would
 * continue the line, and `%` starts a specifier; so `%` is written `%%`
 * and the other two are refused. In `ExecStart=` the value keeps its
 * command-line meaning (words, quotes, `$VAR`): it is a command the
 * inventory writes, not a single word.
 */
import { FormatError, refuseControlCharacters } from './format-error.js';

/** `"..."`: `value` as an EnvironmentFile= value, read back exactly. */
export function systemdEnvValue(value: string): string {
  if (value.includes('\0')) throw new FormatError('the value holds a NUL byte, which a systemd environment file cannot carry');
  return `"${value.replace(/["\\`$]/g, (c) => `\\${c}`)}"`;
}

/** `value` as the value of one unit-file setting: `%` doubled; newlines, other control characters and a trailing backslash refused. */
export function systemdUnitValue(value: string): string {
  refuseControlCharacters(value, 'a systemd unit setting', true);
  if (value.endsWith('\\')) throw new FormatError('the value ends with a backslash, which would continue the systemd unit setting on the next line');
  return value.replace(/%/g, '%%');
}
