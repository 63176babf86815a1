/** Unified diffs of file content for `--diff`, with secrets masked. */
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { MASK, redact } from '../secrets.js';

/** True when text holds a registered secret value. */
export function holdsSecret(text: string): boolean {
  return redact(text) !== text;
}

/**
 * Unified diff (3 lines of context) from `before` to `after`; `before` is
 * undefined for a new file, shown as /dev/null. Secrets are masked in both
 * texts before diffing, so a secret spanning lines (a private key) is caught
 * whole; see maskDiff for `sensitive`.
 */
export function contentDiff(path: string, before: string | undefined, after: string, sensitive: boolean): string {
  const patch = createTwoFilesPatch(before === undefined ? '/dev/null' : path, path, redact(before ?? ''), redact(after), undefined, undefined, {
    context: 3,
    headerOptions: FILE_HEADERS_ONLY,
  });
  return sensitive ? maskRemovedLines(patch) : patch;
}

/**
 * Masks every registered secret; when the new text is `sensitive` (holds a
 * secret) removed lines are masked whole, since the old value being replaced
 * is most likely a secret too, one the redactor does not know.
 */
export function maskDiff(diff: string, sensitive: boolean): string {
  const redacted = redact(diff);
  return sensitive ? maskRemovedLines(redacted) : redacted;
}

function maskRemovedLines(diff: string): string {
  return diff
    .split('\n')
    .map((line) => (line.startsWith('-') && !line.startsWith('--- ') ? `-${MASK}` : line))
    .join('\n');
}
