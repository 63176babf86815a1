import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArgError } from '../resources/types.js';
import { allowedSource, findTemplate } from './source-paths.js';

/** A project: templates/ with a file, a link inside and one leading out; files/ beside it; a secret outside. */
function project() {
  const top = mkdtempSync(join(tmpdir(), 'provision-sources-'));
  const dir = join(top, 'site');
  mkdirSync(join(dir, 'templates', 'app'), { recursive: true });
  mkdirSync(join(dir, 'release'));
  writeFileSync(join(dir, 'templates', 'app', 'server.js'), 'ok');
  writeFileSync(join(top, 'account.key'), 'SECRET');
  symlinkSync(join(dir, 'templates', 'app', 'server.js'), join(dir, 'templates', 'inside.js'));
  symlinkSync(join(top, 'account.key'), join(dir, 'templates', 'leak.js'));
  symlinkSync(top, join(dir, 'up'));
  // Links whose target has '..' after a link that leads out: the kernel goes up from where that link
  // leads (out), a lexical resolution goes up from the link's own place (inside, to the decoy).
  mkdirSync(join(top, 'sub'));
  symlinkSync(join(top, 'sub'), join(dir, 'templates', 'outdir'));
  writeFileSync(join(dir, 'templates', 'account.key'), 'decoy');
  symlinkSync(`${dir}/templates/outdir/../account.key`, join(dir, 'templates', 'dotdot.js'));
  symlinkSync(`${dir}/up/..`, join(dir, 'dotdot'));
  return { top, dir, templates: join(dir, 'templates') };
}

const errorOf = (run: () => unknown): ArgError => {
  try {
    run();
  } catch (err) {
    if (err instanceof ArgError) return err;
    throw err;
  }
  throw new Error('expected an ArgError');
};

describe('findTemplate', () => {
  const { top, templates } = project();

  it.each([
    ['a name in the search path', 'app/server.js', join(templates, 'app', 'server.js')],
    ['a link that stays inside', 'inside.js', join(templates, 'inside.js')],
    ["'..' that stays inside", 'app/../app/server.js', join(templates, 'app', 'server.js')],
  ])('finds %s', (_, name, file) => {
    expect(findTemplate(name, [templates], 'template')).toBe(file);
  });

  it.each([
    ["'..' out of it", '../../account.key', /outside the template search path/],
    ["'..' out of it, to a file that does not exist (the answer is the same)", '../../nothing', /outside the template search path/],
    ['an absolute path', join(top, 'account.key'), /outside the template search path/],
    ['a symbolic link that leads out', 'leak.js', /symbolic link that leads out/],
    ["a symbolic link whose '..' leads out through another link", 'dotdot.js', /symbolic link that leads out/],
    ['a missing template', 'nope.hbs', /template 'nope.hbs' not found/],
  ])('refuses %s', (_, name, message) => {
    const error = errorOf(() => findTemplate(name, [templates], 'template'));
    expect(error.key).toBe('template');
    expect(error.message).toMatch(message);
  });
});

describe('allowedSource', () => {
  const { dir } = project();
  const files = mkdtempSync(join(tmpdir(), 'provision-files-'));

  it.each([
    ['a directory relative to the inventory', 'release', [dir], join(dir, 'release')],
    ['an absolute path inside', join(dir, 'release'), [dir], join(dir, 'release')],
    ['a --files-path directory', join(files, 'app.tar.gz'), [dir, files], join(files, 'app.tar.gz')],
  ])('allows %s', (_, src, roots, path) => {
    expect(allowedSource(src, dir, roots, 'src')).toBe(path);
  });

  it.each([
    ["'..' out of the inventory's directory", '../account.key', /outside the allowed directories/],
    ['an absolute path elsewhere', '/etc', /outside the allowed directories/],
    ['the home directory', '/root/.ssh', /outside the allowed directories/],
    ['a symbolic link that leads out', 'up/account.key', /through a symbolic link/],
    ["a symbolic link whose '..' leads out through another link", 'dotdot', /through a symbolic link/],
  ])('refuses %s', (_, src, message) => {
    const error = errorOf(() => allowedSource(src, dir, [dir], 'src'));
    expect(error.key).toBe('src');
    expect(error.message).toMatch(message);
  });
});
