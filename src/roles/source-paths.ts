/**
 * Files on the control node that a value chooses: a template (a file's
 * `template:`) and a control-node source (an archive's `src:`). An inventory value must not be a way to
 * read any file the operator can, so a template is looked up only in the
 * template search path, and an archive only in the directories allowed for
 * control-node files (the inventory's directory and --files-path ones):
 * `..` out of them, an absolute path elsewhere, and a symbolic link that
 * leads out are refused. The lexical check comes first, so a refusal says
 * nothing about whether the file exists.
 */
import { existsSync, realpathSync } from 'node:fs';
import { isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { ArgError } from '../resources/types.js';

/** Whether `path` is `dir` or below it (both absolute, normalised). */
function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * The real path of something that exists, or the path as given. Always the
 * kernel's answer (realpath(3)): Node's own realpathSync resolves a `..`
 * after a symbolic link lexically (`link/..` is the link's directory), where
 * the kernel, which reads the file later, goes up from where the link leads.
 */
function real(path: string): string {
  return existsSync(path) ? realpathSync.native(path) : path;
}

/**
 * The template `name` in the first of `dirs` that has it; `name` is relative to them and stays
 * inside the directory it is found in, symbolic links included. Throws ArgError on `key`, the argument naming it.
 */
export function findTemplate(name: string, dirs: readonly string[], key: string): string {
  const looked = `looked in ${dirs.join(', ')}`;
  if (isAbsolute(name) || normalize(name).split(/[\\/]/)[0] === '..') {
    throw new ArgError(key, `template '${name}' is outside the template search path: a template is named relative to it, without '..' (${looked})`);
  }
  for (const dir of dirs) {
    const file = join(dir, name);
    if (!existsSync(file)) continue;
    if (!isInside(realpathSync.native(file), real(dir))) throw new ArgError(key, `template '${name}' in ${dir} is a symbolic link that leads out of it; templates must be inside the template search path`);
    return file;
  }
  throw new ArgError(key, `template '${name}' not found (${looked})`);
}

/**
 * The control-node path of an archive's `src`, relative to `baseDir` unless absolute; it must be
 * inside one of `roots` (symbolic links resolved). Throws ArgError on `key`, the argument naming it.
 */
export function allowedSource(src: string, baseDir: string, roots: readonly string[], key: string): string {
  const path = resolve(baseDir, src);
  const allowed = `control-node files must be inside ${roots.join(' or ')} (the inventory's directory; more with --files-path DIR)`;
  if (!roots.some((root) => isInside(path, resolve(root)))) throw new ArgError(key, `'${key}' ${src} is outside the allowed directories: ${allowed}`);
  if (existsSync(path) && !roots.some((root) => isInside(realpathSync.native(path), real(resolve(root))))) {
    throw new ArgError(key, `'${key}' ${src} leads out of the allowed directories through a symbolic link: ${allowed}`);
  }
  return path;
}
