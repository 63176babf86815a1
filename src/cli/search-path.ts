import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SearchOptions } from './args.js';

/** The installed package's root (dist/cli/*.js, dist/bundle/*.js or src/cli/*.ts → two levels up). */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Where roles, templates and control-node files are looked for, in order: roles in each
 * --roles-path, then the inventory's directory's roles/, then provision's own; templates in the
 * role's templates/, then the inventory's directory's templates/, then provision's own; archive
 * sources in the inventory's directory and each --files-path. Nothing above the inventory's
 * directory is searched.
 */
export function searchPath(inventory: string, options: SearchOptions, packageRoot = PACKAGE_ROOT) {
  const inventoryDir = dirname(resolve(inventory));
  return {
    rolesDirs: [...options.rolesPaths.map((p) => resolve(p)), join(inventoryDir, 'roles'), join(packageRoot, 'roles')],
    templateDirs: [join(inventoryDir, 'templates'), join(packageRoot, 'templates')],
    filesDirs: options.filesPaths.map((p) => resolve(p)),
  };
}

