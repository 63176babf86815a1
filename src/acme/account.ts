/** The ACME account key on the control node: one per ACME directory, made once, 0600, reused. */
import { chmodSync, existsSync } from 'node:fs';
import { writeControlFile } from '../control/write-file.js';
import { join } from 'node:path';
import { readPrivate } from '../control/state-dir.js';
import { acmeStateDir, directoryId } from './state.js';

/** Path of the account key for a directory. */
export function accountKeyFile(stateDir: string, directoryUrl: string): string {
  return join(acmeStateDir(stateDir), `account-${directoryId(directoryUrl)}.key`);
}

/** Reads the account key, or makes it with `create` and stores it (temp file, rename; 0600). */
export async function accountKey(stateDir: string, directoryUrl: string, create: () => Promise<Buffer>): Promise<Buffer> {
  const file = accountKeyFile(stateDir, directoryUrl);
  if (existsSync(file)) {
    chmodSync(file, 0o600);
    return Buffer.from(readPrivate(file));
  }
  const key = await create();
  writeControlFile(file, key);
  return key;
}
