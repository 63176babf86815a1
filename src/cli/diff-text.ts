import type { Change } from '../resources/types.js';

/** Lines of a new file shown before "… N more lines" (unless the full diff is asked for). */
export const NEW_FILE_LINES = 5;

/**
 * The readable change list of one result, indented under its resource line.
 * A new file shows its first lines (all of them with `full`); a changed file
 * its unified diff; other changes their summary.
 */
export function formatChanges(changes: readonly Change[], full = false): string {
  return changes
    .map((c) => (c.diff ? diffText(c, full) : /^[+-] /.test(c.summary) ? c.summary : `~ ${c.summary}`))
    .join('\n')
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

/** A change with a diff: a new file summarised (its summary, then its first lines), else the diff itself. */
function diffText(change: Change, full: boolean): string {
  const diff = change.diff!.trimEnd();
  if (full || !diff.startsWith('--- /dev/null')) return diff;
  const added = diff.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++ '));
  const shown = added.slice(0, NEW_FILE_LINES).map((l) => `| ${l.slice(1)}`);
  const more = added.length - shown.length;
  return [`+ ${change.summary}`, ...shown, ...(more > 0 ? [`| … ${more} more line${more === 1 ? '' : 's'} (--full-diff shows them)`] : [])].join('\n');
}
