import { chmodSync, chownSync, mkdirSync, mkdtempSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { userErrorOf } from '../../test/fixtures/inventory/fixtures.js';
import { checkAncestors, checkPrivate, controlStateDir } from './state-dir.js';

const scratch = (): string => mkdtempSync(join(tmpdir(), 'provision-state-'));

describe('the state directory', () => {
  it('is made 0700 when missing', () => {
    const dir = join(scratch(), 'new', 'state');
    expect(controlStateDir({ PROVISION_STATE_DIR: dir })).toBe(dir);
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
    expect(userErrorOf(() => controlStateDir({ PROVISION_STATE_DIR: dir })).message).toBe(`provision's state directory ${dir} can be written by ${who} (mode ${shown}): they could make provision run their code. Fix: ${fix} ${dir}`);
  });

  it('accepts one that others may read but not write (the user chose it)', () => {
    const dir = join(scratch(), 'state');
    mkdirSync(dir, { mode: 0o755 });
    expect(controlStateDir({ PROVISION_STATE_DIR: dir })).toBe(dir);
  });
});

describe('the directories the state directory is in', () => {
  it.each([
    [0o775, 'its group', '0775'],
    [0o777, 'anyone', '0777'],
  ])('one that others may write (mode %s) is refused: they could swap the state directory', (mode, who, shown) => {
    const parent = join(scratch(), 'shared');
    mkdirSync(join(parent, 'deep'), { recursive: true });
    chmodSync(parent, mode);
    const dir = join(parent, 'deep', 'state');
    expect(userErrorOf(() => controlStateDir({ PROVISION_STATE_DIR: dir })).message).toBe(
      `provision's state directory ${dir} is inside ${parent}, which ${who} can write (mode ${shown}): they could replace the state directory with theirs and make provision run their code. Fix: chmod go-w ${parent} (or set PROVISION_STATE_DIR to a directory inside one of yours)`,
    );
  });

  it('a sticky one (like /tmp) is fine: nobody else can rename what is yours there', () => {
    const parent = join(scratch(), 'sticky');
    mkdirSync(parent);
    chmodSync(parent, 0o1777);
    expect(controlStateDir({ PROVISION_STATE_DIR: join(parent, 'state') })).toBe(join(parent, 'state'));
  });

  it('a symbolic link to the state directory, in a directory others may write, is refused', () => {
    const root = scratch();
    mkdirSync(join(root, 'real', 'state'), { recursive: true, mode: 0o700 });
    mkdirSync(join(root, 'shared'));
    chmodSync(join(root, 'shared'), 0o777);
    symlinkSync(join(root, 'real', 'state'), join(root, 'shared', 'state'));
    expect(userErrorOf(() => controlStateDir({ PROVISION_STATE_DIR: join(root, 'shared', 'state') })).message).toMatch(/is inside \S+\/shared, which anyone can write/);
    // And a link from a private place into a directory others may write: the place it leads to counts.
    mkdirSync(join(root, 'shared', 'target'), { mode: 0o700 });
    mkdirSync(join(root, 'mine'), { mode: 0o700 });
    symlinkSync(join(root, 'shared', 'target'), join(root, 'mine', 'state'));
    expect(userErrorOf(() => controlStateDir({ PROVISION_STATE_DIR: join(root, 'mine', 'state') })).message).toMatch(/is inside \S+\/shared, which anyone can write/);
  });

  it('one that belongs to another user than root and you is refused', () => {
    const parent = join(scratch(), 'theirs');
    mkdirSync(join(parent, 'state'), { recursive: true });
    // As root, give the directory to another uid; as a user, ask as another uid.
    const me = process.getuid!();
    if (me === 0) chownSync(parent, 4242, 4242);
    const asked = me === 0 ? 0 : me + 1;
    const owner = me === 0 ? 4242 : me;
    expect(() => checkAncestors(join(parent, 'state'), asked)).toThrow(`is inside ${parent}, which belongs to uid ${owner}, not to you (uid ${asked}) or root`);
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
