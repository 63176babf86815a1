import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, runSh, tempDir } from '../../test/support/resources.js';
import { readNote } from './host-state.js';

describe('readNote', () => {
  let dir = '';
  afterEach(() => cleanup(dir));

  /** readNote run by sh with nothing but sh on PATH: it must need no other program. */
  const read = (path: string) => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    symlinkSync('/bin/sh', join(bin, 'sh'));
    return runSh(readNote(path), { PATH: bin });
  };

  it.each([
    ['lines', 'lb-01\nlb-02\n', 'lb-01\nlb-02\n'],
    ['a last line without a line break', '0123456789abcdef\nfedcba9876543210', '0123456789abcdef\nfedcba9876543210\n'],
    ['backslashes, spaces, $ and quotes as they are', '  a\\tb $x `y` \'z\'  \n', '  a\\tb $x `y` \'z\'  \n'],
    ['an empty note', '', ''],
  ])('prints %s, starting no program', (_, content, printed) => {
    dir = tempDir();
    const note = join(dir, "the 'note'");
    writeFileSync(note, content);
    expect(read(note)).toEqual({ code: 0, stdout: printed, stderr: '' });
  });

  it('prints nothing for a missing note', () => {
    dir = tempDir();
    expect(read(join(dir, 'missing'))).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});
