import { lstatSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HostResult } from '../engine/results.js';
import { expandLimit, retryFilePath, writeRetryFile } from './retry.js';

const result = (name: string, over: Partial<HostResult> = {}): HostResult => ({ name, ok: 1, changed: 0, unknown: 0, failed: 0, skipped: 0, unreachable: false, results: [], elapsedMs: 1, ...over });

describe('retry files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provision-retry-'));
  const inventory = join(dir, 'site.yaml');

  it('never writes through a symbolic link at the retry path: the link is replaced, its target untouched', () => {
    const target = join(dir, 'precious');
    writeFileSync(target, 'keep me\n');
    const linked = join(dir, 'linked.yaml');
    symlinkSync(target, retryFilePath(linked));
    const file = writeRetryFile(linked, [result('web-01', { failed: 1 })]);
    expect(readFileSync(target, 'utf8')).toBe('keep me\n');
    expect(lstatSync(file!).isSymbolicLink()).toBe(false);
    expect(lstatSync(file!).mode & 0o777).toBe(0o600);
    expect(readFileSync(file!, 'utf8')).toBe('web-01\n');
  });

  it('lists the failed and unreachable hosts beside the inventory, and --limit @FILE reads them back', () => {
    const file = writeRetryFile(inventory, [result('lb-01'), result('web-01', { unreachable: true }), result('web-02', { failed: 1 })]);
    expect(file).toBe(join(dir, 'site.retry'));
    expect(readFileSync(file!, 'utf8')).toBe('web-01\nweb-02\n');
    expect(expandLimit(`@${file}`)).toBe('web-01,web-02');
  });

  it('writes nothing when every host succeeded', () => {
    expect(writeRetryFile(join(dir, 'ok.yaml'), [result('lb-01')])).toBeUndefined();
    expect(retryFilePath('inventory/lab.yaml')).toBe('inventory/lab.retry');
  });

  it.each([
    [undefined, undefined],
    ['web-*', 'web-*'],
  ])('leaves other limits alone: %s', (limit, expected) => {
    expect(expandLimit(limit)).toBe(expected);
  });

  it('says when the file is missing or empty', () => {
    expect(() => expandLimit('@/nonexistent.retry')).toThrow("--limit @/nonexistent.retry: file '/nonexistent.retry' not found");
    writeFileSync(join(dir, 'empty.retry'), '\n# nothing\n');
    expect(() => expandLimit(`@${join(dir, 'empty.retry')}`)).toThrow('names no host');
  });
});
