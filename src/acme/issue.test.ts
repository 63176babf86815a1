import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { orderWithBackoff } from './issue.js';
import { failureFile, readFailure } from './state.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'provision-acme-issue-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** An ACME server that is not there: port 1 on this machine refuses at once. */
const DIRECTORY = 'https://127.0.0.1:1/dir';
const request = () => ({
  directoryUrl: DIRECTORY,
  domains: ['www.foobar.com'],
  keyType: 'ecdsa' as const,
  stateDir: dir,
  challenges: { put: async () => undefined, remove: async () => undefined },
});

describe('orderWithBackoff', () => {
  it('fails with the real cause, records it, and a second order within the backoff says so instead of ordering', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    await expect(orderWithBackoff(request(), () => now)).rejects.toThrow(
      `cannot reach the ACME server ${DIRECTORY}: connection refused (ECONNREFUSED) (failed order 1 in a row; the next waits until 2026-01-01T00:10:00.000Z)`,
    );
    const file = failureFile(dir, DIRECTORY, ['www.foobar.com']);
    expect(readFailure(file)).toMatchObject({ failures: 1 });
    await expect(orderWithBackoff(request(), () => new Date('2026-01-01T00:05:00Z'))).rejects.toThrow(
      /^not ordering: the last order failed at 2026-01-01T00:00:00.000Z \(cannot reach .*\); backing off until 2026-01-01T00:10:00.000Z \(delete .* to retry now\)$/,
    );
    expect(readFailure(file)).toMatchObject({ failures: 1 });
    // After the backoff it orders again (and fails again: now 20 minutes).
    await expect(orderWithBackoff(request(), () => new Date('2026-01-01T00:11:00Z'))).rejects.toThrow('failed order 2 in a row; the next waits until 2026-01-01T00:31:00.000Z');
  });

  it('an unreadable acme_ca_file is named', async () => {
    await expect(orderWithBackoff({ ...request(), caFile: join(dir, 'missing.pem') })).rejects.toThrow(`cannot read acme_ca_file ${join(dir, 'missing.pem')}`);
  });
});
