/**
 * Inventory sources as Ansible reads them (lib/ansible/inventory/manager.py):
 * a file (YAML, else INI), or a directory whose entries are read in name order
 * (hidden files, group_vars/, host_vars/ and backup or documentation
 * extensions, `.ini` included, are skipped; subdirectories are read too).
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { isMap } from 'yaml';
import { UserError, UserErrors } from '../errors.js';
import { ErrorList } from '../yaml/error-list.js';
import { parseYaml, readTextFile, type YamlSource } from '../yaml/yaml-source.js';
import { readIniInventory } from './ini-inventory.js';
import type { GroupTree } from './model.js';
import type { ReadContext } from './node-values.js';
import { readYamlInventory } from './yaml-inventory.js';

// Ansible's INVENTORY_IGNORE_EXTS (REJECT_EXTS + .orig .ini .cfg .retry) and IGNORED_ALWAYS.
const IGNORED_EXTENSIONS = ['.pyc', '.pyo', '.swp', '.bak', '~', '.rpm', '.md', '.txt', '.rst', '.orig', '.ini', '.cfg', '.retry'];
const IGNORED_NAMES = /^(?:\..*|host_vars|group_vars|vars_plugins)$/;
const YAML_EXTENSIONS = ['.yml', '.yaml', '.json'];

/** Reads every inventory source into `tree`; returns the directory each source's group_vars/ and host_vars/ are read from, in order. */
export function readInventorySources(sources: readonly string[], tree: GroupTree, ctx: Omit<ReadContext, 'source'>): string[] {
  return sources.map((source) => {
    if (statOf(source).isDirectory()) {
      readDirectory(source, tree, ctx);
      return path.resolve(source);
    }
    readInventoryFile(source, tree, ctx);
    return path.dirname(path.resolve(source));
  });
}

function statOf(file: string) {
  try {
    return statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `inventory '${file}' not found` : `cannot read inventory '${file}': ${code ?? String(err)}`);
  }
}

function readDirectory(dir: string, tree: GroupTree, ctx: Omit<ReadContext, 'source'>): void {
  for (const entry of readdirSync(dir).sort()) {
    if (IGNORED_NAMES.test(entry) || IGNORED_EXTENSIONS.some((ext) => entry.endsWith(ext))) continue;
    const full = path.join(dir, entry);
    if (statOf(full).isDirectory()) readDirectory(full, tree, ctx);
    else readInventoryFile(full, tree, ctx);
  }
}

/**
 * One inventory file: `.yml`/`.yaml`/`.json` are YAML; a file without an
 * extension is YAML when it reads as a YAML mapping, else INI; any other is INI.
 */
function readInventoryFile(file: string, tree: GroupTree, ctx: Omit<ReadContext, 'source'>): void {
  const text = readTextFile(file, 'inventory');
  const dir = path.dirname(path.resolve(file));
  const ext = path.extname(file);
  if (!YAML_EXTENSIONS.includes(ext) && text.startsWith('#!')) {
    throw new UserError(`inventory '${file}' is a script (it starts with #!): provision reads static inventories (YAML or INI), it does not run inventory scripts or plugins`);
  }
  if (YAML_EXTENSIONS.includes(ext)) {
    readYamlInventory({ ...ctx, source: parseYaml(text, file, 'ansible') }, tree, dir);
    return;
  }
  if (ext !== '') {
    readIniInventory(text, file, tree, dir, ctx.errors);
    return;
  }
  const yaml = tryYaml(text, file);
  if ('source' in yaml) {
    readYamlInventory({ ...ctx, source: yaml.source }, tree, dir);
    return;
  }
  const iniErrors = new ErrorList();
  readIniInventory(text, file, tree, dir, iniErrors);
  try {
    iniErrors.throwIfAny();
  } catch (err) {
    if (!(err instanceof UserError) || yaml.problem === undefined) throw err;
    const ini = err instanceof UserErrors ? err.errors[0]! : err;
    throw new UserError(
      `inventory '${file}' is neither valid YAML nor INI: read as YAML, ${where(yaml.problem)}${yaml.problem.message}; read as INI, ${where(ini)}${ini.message}`,
    );
  }
}

function where(error: UserError): string {
  return error.position ? `line ${error.position.line}:${error.position.col}: ` : '';
}

/** The file as a YAML inventory (a mapping), or why not: a YAML error, or nothing when it is YAML of another shape (INI text often is). */
function tryYaml(text: string, file: string): { source: YamlSource } | { problem?: UserError } {
  try {
    const source = parseYaml(text, file, 'ansible');
    return isMap(source.doc.contents) ? { source } : {};
  } catch (err) {
    if (err instanceof UserErrors) return { problem: err.errors[0]! };
    if (err instanceof UserError) return { problem: err };
    throw err;
  }
}
