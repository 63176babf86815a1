import { existsSync, readFileSync } from 'node:fs';
import { writeControlFile } from '../control/write-file.js';
import { basename, dirname, extname, join } from 'node:path';
import { UserError } from '../errors.js';
import type { HostResult } from '../engine/results.js';

/** Where a run's failed hosts are written: beside the inventory, `NAME.retry`. */
export function retryFilePath(inventory: string): string {
  return join(dirname(inventory), `${basename(inventory, extname(inventory))}.retry`);
}

/** Writes the hosts that failed, were unreachable or were not attempted, one per line; returns the file, or undefined when all succeeded. */
export function writeRetryFile(inventory: string, results: HostResult[]): string | undefined {
  const failed = results.filter((r) => r.unreachable || r.failed > 0 || r.notAttempted).map((r) => r.name);
  if (failed.length === 0) return undefined;
  const file = retryFilePath(inventory);
  // Atomically, never through a link at that path (a failed run must not overwrite what it points to).
  writeControlFile(file, `${failed.join('\n')}\n`);
  return file;
}

/** `--limit @FILE` reads host names from FILE (one per line, as a retry file has them); any other limit is returned as is. */
export function expandLimit(limit: string | undefined): string | undefined {
  if (!limit?.startsWith('@')) return limit;
  const file = limit.slice(1);
  if (!existsSync(file)) throw new UserError(`--limit ${limit}: file '${file}' not found`);
  const hosts = readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (hosts.length === 0) throw new UserError(`--limit ${limit}: '${file}' names no host`);
  return hosts.join(',');
}
