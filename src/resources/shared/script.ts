/**
 * Small building blocks for the probe and apply scripts. Every value is
 * quoted by src/shell/quote.ts; this module only assembles lines.
 */
import { redact } from '../../secrets.js';
import { heredocBase64, insert, lines, sh, trusted, userText, variable, type Shell } from '../../shell/quote.js';

export { lines };

/**
 * Defines `fail MESSAGE` for apply scripts: removes the temporary file in
 * `$tmp` (when one was made), prints "provision: MESSAGE" on stderr, exits 1.
 */
export const FAIL_FUNCTION = trusted(`tmp=
fail() { if [ -n "$tmp" ]; then rm -f -- "$tmp"; fi; printf 'provision: %s\\n' "$1" >&2; exit 1; }`);

/** `fail 'message'`, the message quoted. */
export function fail(message: string): Shell {
  return sh`fail ${message}`;
}

/**
 * Names the phase an apply step starts (e.g. `apt-update`), for the run's timing
 * (the engine's apply script defines `provision_phase`; elsewhere it is a no-op).
 */
export function phase(name: string): Shell {
  return sh`if command -v provision_phase >/dev/null; then provision_phase ${name}; fi`;
}

/** `name='value'`: a shell variable holding a quoted value. */
export function setVar(name: string, value: string | number): Shell {
  return sh`${insert(variable(name))}=${value}`;
}

/**
 * Runs the user's own shell text as is, in a subshell without `set -e` (like
 * `sh -c`), with stdin from /dev/null, through the `eval` builtin: the
 * script's parser sees the text only as the value of a variable (it cannot
 * end or change the engine's script, whatever it holds), it is parsed on its
 * own when it runs, never shows in a process list and cannot read the rest of
 * the engine's script. Text without a secret is one single-quoted word (no
 * process carries it); text holding a secret travels base64-encoded in a
 * here-document instead, so the script never holds the secret in clear.
 */
export function userShell(text: string): Shell {
  const carried = redact(text) === text ? sh`provision_shell=${text}` : sh`provision_shell=$(${insert(heredocBase64(userText(text)))}\n)`;
  return lines('(', 'set +e', carried, 'eval "$provision_shell"', ') </dev/null');
}
