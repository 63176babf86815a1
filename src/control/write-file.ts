/**
 * How provision writes every file on the control node (retry files, saved
 * plans, state files, caches, keys, an edited inventory): atomically and
 * never through a symbolic link. The content goes to a new temp file in the
 * same directory, created exclusively (O_CREAT|O_EXCL: it cannot be a link
 * someone put there, and nobody else can have it open) with the final mode,
 * then renamed over the target. rename replaces whatever is at the target,
 * a link included, itself: the file a link points to is never written.
 */
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Writes `data` to `file` atomically with `mode` (default 0600: owner only); a link at `file` is replaced, its target left alone. */
export function writeControlFile(file: string, data: string | Uint8Array, mode = 0o600): void {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(temp, data, { mode, flag: 'wx' });
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}
