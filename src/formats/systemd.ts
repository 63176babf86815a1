/**
 * Values in systemd's files. An EnvironmentFile= line `NAME="value"`: inside
 * double quotes systemd's env-file parser takes every byte as is, newlines
 * included, except `\` before one of `"` `\` `` ` `` `$`, which it unescapes.
 * A setting in a unit file (`User=`, `WorkingDirectory=`, `ExecStart=`) is
 * one line: a newline would start another setting, a trailing `\` would
 * continue the line, and `%` starts a specifier; so `%` is written `%%`
 * and the other two are refused. In `ExecStart=` the value keeps its
 * command-line meaning (words, quotes, `$VAR`): it is a command the
 * inventory writes, not a single word; but systemd reads prefixes before the
 * program (`+` and `!` run it with full privileges, ignoring `User=`; `|`
 * runs it through a shell), so a value starting with one of those is refused, as
 * is one starting with a quote or backslash: systemd looks for the prefixes once
 * it has unquoted and unescaped the first word (`"+/bin/sh"`, `\x2b/bin/sh`).
 */
import { FormatError, refuseControlCharacters } from './format-error.js';

/** `value` with the escapes of a double-quoted EnvironmentFile= value (no quotes, no checks): also what the redactor looks for. */
export function systemdEnvEscape(value: string): string {
  return value.replace(/["\\`$]/g, (c) => `\\${c}`);
}

/** `"..."`: `value` as an EnvironmentFile= value, read back exactly. */
export function systemdEnvValue(value: string): string {
  if (value.includes('\0')) throw new FormatError('the value holds a NUL byte, which a systemd environment file cannot carry');
  return `"${systemdEnvEscape(value)}"`;
}

/** `value` as the value of one unit-file setting: `%` doubled; newlines, other control characters and a trailing backslash refused. */
export function systemdUnitValue(value: string): string {
  refuseControlCharacters(value, 'a systemd unit setting', true);
  if (value.endsWith('\\')) throw new FormatError('the value ends with a backslash, which would continue the systemd unit setting on the next line');
  return value.replace(/%/g, '%%');
}

// The prefixes systemd reads before an Exec*= program (`-@:+!|`, in any order); these change who runs it or how.
const EXEC_PREFIXES = /^[\s]*[-@:+!|]*/;
const PRIVILEGED_PREFIX = /[+!|]/;
// systemd reads the prefixes from the first word once its quotes are removed and its C escapes decoded
// ("+/bin/sh", \x2b/bin/sh): a quote or backslash before the program's first character could hide one.
const HIDDEN_PREFIX = /^[\s]*[-@:]*["'\\]/;

/** `value` as an `ExecStart=`-like command line: as systemdUnitValue, and refused when a prefix would raise its privileges or hand it to a shell. */
export function systemdExecValue(value: string): string {
  const encoded = systemdUnitValue(value);
  const prefix = EXEC_PREFIXES.exec(value)![0];
  if (PRIVILEGED_PREFIX.test(prefix)) {
    throw new FormatError(`the command starts with the systemd prefix '${prefix.trim()}', which would run it with full privileges (ignoring User=) or through a shell; start it with the program`);
  }
  if (HIDDEN_PREFIX.test(value)) {
    throw new FormatError('the command starts with a quote or a backslash, behind which systemd would read a prefix that runs it with full privileges (ignoring User=) or through a shell; start it with the program, unquoted');
  }
  return encoded;
}
