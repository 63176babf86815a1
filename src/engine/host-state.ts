import { sh, type Shell } from '../shell/quote.js';

/** Where provision keeps its own state on a host. */
export const HOST_STATE_DIR = '/var/lib/provision';

/** In HOST_STATE_DIR: there when the last apply ended with every change made, its modification time saying when (an older provision wrote the time in it too). */
export const LAST_APPLY_FILE = 'last-apply';

/**
 * Prints the lines of one of provision's small notes on a host, nothing when
 * it is missing; read by the shell itself (no process), so it may run inline in
 * a probe script (it sets only `provision_line`).
 */
export function readNote(path: string): Shell {
  return sh`if [ -r ${path} ]; then while IFS= read -r provision_line || [ -n "$provision_line" ]; do printf '%s\\n' "$provision_line"; done <${path}; fi`;
}
