import { chmodSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { userErrorOf } from '../../test/fixtures/inventory/fixtures.js';
import { checkPrivate, stateDir } from './state-dir.js';

const scratch = (): string => mkdtempSync(join(tmpdir(), 'provision-state-'));

describe('the state directory', () => {
  it('is made 0700 when missing', () => {
    const dir = join(scratch(), 'new', 'state');
    expect(stateDir({ PROVISION_STATE_DIR: dir })).toBe(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it.each([
    [0o777, 'anyone', '0777', 'chmod 700'],
    [0o775, 'its group', '0775', 'chmod 700'],
    [0o1777, 'anyone', '1777', 'chmod 700'],
  ])('an existing one of mode %s is refused, with the command that fixes it', (mode, who, shown, fix) => {
    const dir = join(scratch(), 'state');
    mkdirSync(dir);
    chmodSync(dir, mode);
    expect(userErrorOf(() => stateDir({ PROVISION_STATE_DIR: dir })).message).toBe(`provision's state directory ${dir} can be written by ${who} (mode ${shown}): they could make provision run their code. Fix: ${fix} ${dir}`);
  });

  it('accepts one that others may read but not write (the user chose it)', () => {
    const dir = join(scratch(), 'state');
    mkdirSync(dir, { mode: 0o755 });
    expect(stateDir({ PROVISION_STATE_DIR: dir })).toBe(dir);
  });
});

describe('checkPrivate', () => {
  it('refuses a file that belongs to someone else', () => {
    const file = join(scratch(), 'templates.cache.json');
    writeFileSync(file, 'x', { mode: 0o600 });
    const me = process.getuid!();
    expect(() => checkPrivate(file, me)).not.toThrow();
    expect(() => checkPrivate(file, me + 1)).toThrow(new RegExp(`state file ${file} belongs to uid ${me}, not to you \\(uid ${me + 1}\\): its owner could make provision run their code\\. Fix: sudo chown \\S+ ${file} \\(or remove it\\)`));
  });

  it('refuses a group-writable file', () => {
    const file = join(scratch(), 'ca.key');
    writeFileSync(file, 'x');
    chmodSync(file, 0o660);
    expect(() => checkPrivate(file)).toThrow(`provision's state file ${file} can be written by its group (mode 0660): they could make provision run their code. Fix: chmod 600 ${file}`);
  });
});
