import path from 'node:path';
import { ErrorList } from '../yaml/error-list.js';
import { checkExtraVars } from './extra-vars.js';
import { checkCycles } from './group-graph.js';
import { readGroupTree } from './group-tree.js';
import { resolveHosts } from './resolve-hosts.js';
import type { Env, SecretSource, SopsRef } from './secret-ref.js';
import type { Inventory } from './types.js';
import { parseYaml, readTextFile } from '../yaml/yaml-source.js';

/** Options of loadInventory. */
export interface LoadOptions {
  /** Variables from `-e` (see parseExtraVars): the highest precedence, applied to every host. */
  extraVars?: Record<string, unknown>;
  /** Where `{ secret: ENV_NAME }` values are read from; default process.env. */
  env?: Env;
  /** Where `{ secret: { sops: FILE, key: KEY } }` values are read from (see loadInventoryWithSecrets). */
  sops?: SecretSource<SopsRef>;
}

/**
 * Reads, validates and resolves an inventory file. Throws UserError (one
 * problem) or UserErrors (every schema problem of the file) with file:line:col.
 */
export function loadInventory(file: string, options: LoadOptions = {}): Inventory {
  const source = parseYaml(readTextFile(file, 'inventory'), file);
  const dir = path.dirname(path.resolve(file));
  const env = options.env ?? process.env;
  const errors = new ErrorList();
  const sops = options.sops ? { sops: options.sops } : {};
  const tree = readGroupTree({ source, env, errors, ...sops }, dir);
  checkCycles(tree, errors);
  const extraVars = checkExtraVars(options.extraVars ?? {}, { env, ...sops }, errors);
  errors.throwIfAny();
  return { file, dir, ...resolveHosts(tree, extraVars) };
}
