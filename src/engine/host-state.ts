import { insert, sh, type Shell } from '../shell/quote.js';

/** Where provision keeps its own state on a host. */
export const HOST_STATE_DIR = '/var/lib/provision';

/**
 * In HOST_STATE_DIR: there when the host's last run of apply ended with the host as its plan says (every change
 * made, or nothing to change), its modification time saying when (an older provision wrote the time in it too).
 * A run removes it before its first change and makes it again only once the run ended with nothing failed.
 */
export const LAST_APPLY_FILE = 'last-apply';

/**
 * In HOST_STATE_DIR: an older provision's note of an apply that found nothing to change, written by its read (and
 * taken back by one more call when the read found changes). No longer written: read like LAST_APPLY_FILE (the newer
 * of the two says when) and removed with it, for hosts an older provision left so.
 */
export const LAST_NO_OP_FILE = 'last-no-op';

/**
 * In HOST_STATE_DIR: made when a run begins to change a host whose notes say it was applied, before it removes them;
 * never removed: a host whose last apply failed or was stopped was still applied before, and serves (a rolling
 * deploy drains it).
 */
export const APPLIED_FILE = 'applied';

/** The notes whose newest modification time is when a run of apply last ended with the host as its plan says. */
export function lastSuccessNotes(dir: string): [string, string] {
  return [`${dir}/${LAST_APPLY_FILE}`, `${dir}/${LAST_NO_OP_FILE}`];
}

/**
 * Succeeds when a run of apply ever ended on the host with the host as its plan says: the marker, or a note of the
 * last success. A shell test, no process.
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
 * Before a run's first change: the notes of the last success removed (a run that fails leaves none), the
 * marker that one ever succeeded made first when they say so.
 */
export function forgetSuccess(dir: string): Shell {
  return sh`if ${insert(everApplied(dir))}; then : > ${`${dir}/${APPLIED_FILE}`}; fi 2>/dev/null\nrm -f ${lastSuccessNotes(dir)}\n`;
}

/**
 * Once a run ended with the host as its plan says: last-apply made again (empty: its modification time is when,
 * set by the shell's truncation, no program started to read the clock). It says the host was applied too.
 */
export function noteInState(dir: string): Shell {
  return sh`{ { [ -d ${dir} ] || mkdir -p ${dir}; } && : > ${`${dir}/${LAST_APPLY_FILE}`}; } 2>/dev/null`;
}

/**
 * The last section of a run's read: the control node answers (RunScriptOptions.reply) `note` once it found nothing
 * to change and the run ends so, `forget` when changes behind an API follow (readReply), anything else otherwise.
 * A run killed before it answers closes the call's stdin, and leaves the notes as they were.
 */
export function noteAsAnswered(dir: string): Shell {
  return sh`if IFS= read -r provision_answer; then case $provision_answer in note) ${insert(noteInState(dir))} ;; forget) ${insert(forgetSuccess(dir))} ;; esac; fi || true`;
}
