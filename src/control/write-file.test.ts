import { lstatSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeControlFile } from './write-file.js';

describe('writeControlFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provision-write-'));

  it.each([
    ['a new file', undefined, 0o600],
    ['over a regular file', 'old content', 0o600],
    ['over a symbolic link (its target is left alone)', 'link', 0o600],
    ['with the mode asked for', undefined, 0o644],
  ])('%s', (name, before, mode) => {
    const file = join(dir, name.replace(/\W+/g, '-'));
    const target = `${file}.target`;
    if (before === 'link') {
      writeFileSync(target, 'target content');
      symlinkSync(target, file);
    } else if (before !== undefined) {
      writeFileSync(file, before);
    }
    writeControlFile(file, 'new content', mode);
    expect(readFileSync(file, 'utf8')).toBe('new content');
    expect(lstatSync(file).isSymbolicLink()).toBe(false);
    expect(lstatSync(file).mode & 0o777).toBe(mode);
    if (before === 'link') expect(readFileSync(target, 'utf8')).toBe('target content');
  });

  it('leaves no temp file behind when it cannot write', () => {
    const missing = join(dir, 'no-such-dir', 'x');
    expect(() => writeControlFile(missing, 'x')).toThrow();
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
