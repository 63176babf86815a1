/**
 * ACME state on the control node: the backoff file of each certificate (the
 * last failed order, so a retry within the backoff says so instead of
 * ordering again) and the lock that keeps two renews apart.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { writeControlFile } from '../control/write-file.js';
import { join } from 'node:path';
import { privateDir } from '../control/state-dir.js';

/** What the backoff file of a certificate records. */
export interface FailureRecord {
  /** Failed orders in a row. */
  failures: number;
  /** When the last one failed (ISO 8601). */
  lastFailure: string;
  /** Why it failed, as shown to the user. */
  error: string;
}

/** First backoff after a failed order; it doubles with each failure in a row. */
export const FIRST_BACKOFF_MS = 10 * 60_000;
/** The longest backoff. */
export const MAX_BACKOFF_MS = 24 * 3_600_000;

/** The directory holding ACME state (account keys, backoff files); made 0700. */
export function acmeStateDir(stateDir: string): string {
  return privateDir(join(stateDir, 'acme'));
}

/** Short stable name of an ACME directory URL, for file names. */
export function directoryId(directoryUrl: string): string {
  return createHash('sha256').update(directoryUrl).digest('hex').slice(0, 12);
}

/** The backoff file of a certificate (its first name) at an ACME directory. */
export function failureFile(stateDir: string, directoryUrl: string, domains: string[]): string {
  return join(acmeStateDir(stateDir), `${directoryId(directoryUrl)}-${domains[0]!.replace(/[^A-Za-z0-9.-]/g, '_')}.failure.json`);
}

/** Pure: how long to wait after `failures` failed orders in a row. */
export function backoffMs(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(FIRST_BACKOFF_MS * 2 ** (failures - 1), MAX_BACKOFF_MS);
}

/** Pure: until when a new order must wait; undefined when it need not. */
export function backoffUntil(record: FailureRecord | undefined, now: Date): Date | undefined {
  if (!record) return undefined;
  const until = new Date(Date.parse(record.lastFailure) + backoffMs(record.failures));
  return until > now ? until : undefined;
}

/** The failure record, or undefined when there is none (or it is unreadable: then ordering is allowed). */
export function readFailure(file: string): FailureRecord | undefined {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as Partial<FailureRecord>;
    if (typeof data.failures === 'number' && typeof data.lastFailure === 'string' && typeof data.error === 'string') return data as FailureRecord;
  } catch {
    // Absent or damaged: no backoff.
  }
  return undefined;
}

/** Records one more failed order (atomically: temp file, rename). */
export function recordFailure(file: string, error: string, now: Date): FailureRecord {
  const record: FailureRecord = { failures: (readFailure(file)?.failures ?? 0) + 1, lastFailure: now.toISOString(), error };
  writeControlFile(file, `${JSON.stringify(record, null, 2)}\n`);
  return record;
}

/** A successful order ends the backoff. */
export function clearFailure(file: string): void {
  rmSync(file, { force: true });
}

/** Another process holds the lock. */
export class LockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LockedError';
  }
}

/**
 * Takes the lock file (created exclusively, holding our pid); a lock left by
 * a process that no longer runs is taken over. Returns the release function.
 */
export function acquireLock(file: string, pid: number = process.pid): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${pid}\n`);
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number.parseInt(readFileSafe(file), 10);
      if (Number.isInteger(holder) && holder > 0 && isRunning(holder)) throw new LockedError(`another provision renew is running (pid ${holder}, lock ${file})`);
      rmSync(file, { force: true });
    }
  }
  throw new LockedError(`cannot take the lock ${file}`);
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
