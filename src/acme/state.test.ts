import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock, backoffMs, backoffUntil, clearFailure, failureFile, FIRST_BACKOFF_MS, LockedError, MAX_BACKOFF_MS, readFailure, recordFailure } from './state.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'provision-acme-state-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('backoff', () => {
  it.each([
    [0, 0],
    [1, FIRST_BACKOFF_MS],
    [2, 2 * FIRST_BACKOFF_MS],
    [3, 4 * FIRST_BACKOFF_MS],
    [20, MAX_BACKOFF_MS],
  ])('after %d failures: %d ms', (failures, ms) => expect(backoffMs(failures)).toBe(ms));

  it('holds from the last failure until its end', () => {
    const record = { failures: 1, lastFailure: '2026-01-01T00:00:00.000Z', error: 'x' };
    expect(backoffUntil(record, new Date('2026-01-01T00:09:59Z'))).toEqual(new Date('2026-01-01T00:10:00Z'));
    expect(backoffUntil(record, new Date('2026-01-01T00:10:00Z'))).toBeUndefined();
    expect(backoffUntil(undefined, new Date())).toBeUndefined();
  });

  it('a failure file counts failures in a row, is private, and a success clears it', () => {
    const file = failureFile(dir, 'https://acme.example/dir', ['www.foobar.com', 'foobar.com']);
    expect(file).toMatch(/acme\/[0-9a-f]{12}-www\.foobar\.com\.failure\.json$/);
    expect(readFailure(file)).toBeUndefined();
    recordFailure(file, 'first', new Date('2026-01-01T00:00:00Z'));
    expect(recordFailure(file, 'second', new Date('2026-01-01T01:00:00Z'))).toEqual({ failures: 2, lastFailure: '2026-01-01T01:00:00.000Z', error: 'second' });
    expect(readFailure(file)?.failures).toBe(2);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    clearFailure(file);
    expect(existsSync(file)).toBe(false);
  });

  it('a damaged failure file does not block ordering', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{not json');
    expect(readFailure(file)).toBeUndefined();
  });
});

describe('acquireLock', () => {
  it('keeps a second renew out while the first holds it, and lets it in after release', () => {
    const file = join(dir, 'renew.lock');
    const release = acquireLock(file);
    expect(readFileSync(file, 'utf8')).toBe(`${process.pid}\n`);
    expect(() => acquireLock(file)).toThrow(LockedError);
    expect(() => acquireLock(file)).toThrow(`another provision renew is running (pid ${process.pid}`);
    release();
    acquireLock(file)();
  });

  it('takes over a lock left by a process that is gone', () => {
    const file = join(dir, 'renew.lock');
    writeFileSync(file, '999999999\n');
    const release = acquireLock(file);
    expect(readFileSync(file, 'utf8')).toBe(`${process.pid}\n`);
    release();
  });
});
