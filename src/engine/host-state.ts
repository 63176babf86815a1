import { insert, sh, type Shell } from '../shell/quote.js';

/** Where provision keeps its own state on a host. */
export const HOST_STATE_DIR = '/var/lib/provision';

/**
 * In HOST_STATE_DIR: there when the last apply call ended with every change made, its modification time saying when
 * (an older provision wrote the time in it too). An apply call removes it before its first change.
 */
export const LAST_APPLY_FILE = 'last-apply';

/**
 * In HOST_STATE_DIR: written by the first read of an apply (its modification time), so that an apply that finds
 * nothing to change makes no other call; taken back (removed) as soon as that read finds something to change.
 * With LAST_APPLY_FILE, when an apply last ended with every change made: the newer of the two.
 */
export const LAST_NO_OP_FILE = 'last-no-op';

/**
 * In HOST_STATE_DIR: there once an apply ever ended on the host with every change made. Never removed: a host whose
 * last apply failed or was stopped was still applied before, and serves (a rolling deploy drains it).
 */
export const APPLIED_FILE = 'applied';

/** The notes whose newest modification time is when an apply last ended with every change made. */
export function lastSuccessNotes(dir: string): [string, string] {
  return [`${dir}/${LAST_APPLY_FILE}`, `${dir}/${LAST_NO_OP_FILE}`];
}

/**
 * Succeeds when an apply ever ended on the host with every change made: the marker, or a note of the last
 * success (a host an older provision applied has only LAST_APPLY_FILE). A shell test, no process.
 */
export function everApplied(dir: string): Shell {
  const [lastApply, lastNoOp] = lastSuccessNotes(dir);
  return sh`{ [ -e ${`${dir}/${APPLIED_FILE}`} ] || [ -e ${lastApply} ] || [ -e ${lastNoOp} ]; }`;
}

/**
 * Prints the lines of one of provision's small notes on a host, nothing when
 * it is missing; read by the shell itself (no process), so it may run inline in
 * a probe script (it sets only `provision_line`).
 */
export function readNote(path: string): Shell {
  return sh`if [ -r ${path} ]; then while IFS= read -r provision_line || [ -n "$provision_line" ]; do printf '%s\\n' "$provision_line"; done <${path}; fi`;
}

/**
 * Before an apply's first change: the notes of the last success removed (an apply that fails leaves none), the
 * marker that one ever succeeded made when only they said so (as an older provision left the host).
 */
export function forgetSuccess(dir: string): Shell {
  return sh`if ${insert(everApplied(dir))}; then : > ${`${dir}/${APPLIED_FILE}`}; fi 2>/dev/null\nrm -f ${lastSuccessNotes(dir)}\n`;
}

/** Once every change of an apply succeeded: last-apply made again (empty: its modification time is when), with the marker. */
export function noteSuccess(dir: string): Shell {
  return sh`{ mkdir -p ${dir} && : > ${`${dir}/${LAST_APPLY_FILE}`} && : > ${`${dir}/${APPLIED_FILE}`}; } 2>/dev/null || true\n`;
}
