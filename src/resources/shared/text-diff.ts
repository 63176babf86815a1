/** Unified diffs of file content for `--diff`, with secrets masked. */
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { MASK, redact } from '../../secrets.js';

/** True when text holds a registered secret value, in any of the forms provision writes it in. */
export function holdsSecret(text: string): boolean {
  return redact(text) !== text;
}

/** Whether a file mode ("0640") keeps the file from others: such a file is treated as holding secrets. */
export function isPrivateMode(mode: string | undefined): boolean {
  return mode !== undefined && /^[0-7]+$/.test(mode) && (Number.parseInt(mode, 8) & 0o004) === 0;
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
  return maskRemovedLines(patch, sensitive);
}

/**
 * Masks every registered secret. Removed lines may hold an old secret that
 * the redactor never knew: when the file is `sensitive` (the new text holds a
 * secret, or the file stays private) they are masked whole; otherwise the value
 * of a removed line that assigns something named like a secret
 * (`password=...`, `"access_key": ...`) is.
 */
export function maskDiff(diff: string, sensitive: boolean): string {
  return maskRemovedLines(redact(diff), sensitive);
}

// key = value, key: value, "key": value, where the key names a credential.
const SECRET_ASSIGNMENT = /^(\s*["']?[\w.-]*(?:pass|secret|token|key|credential|auth)[\w.-]*["']?\s*[:=]\s*)\S.*$/i;

function maskRemovedLines(diff: string, sensitive: boolean): string {
  return diff
    .split('\n')
    .map((line) => {
      if (!line.startsWith('-') || line.startsWith('--- ')) return line;
      if (sensitive) return `-${MASK}`;
      return `-${line.slice(1).replace(SECRET_ASSIGNMENT, `$1${MASK}`)}`;
    })
    .join('\n');
}
