/**
 * Inventory sources as Ansible reads them (lib/ansible/inventory/manager.py):
 * a file (YAML, else INI), or a directory whose entries are read in name order
 * (hidden files, group_vars/, host_vars/ and backup or documentation
 * extensions, `.ini` included, are skipped; subdirectories are read too).
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar } from 'yaml';
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

/** What reading the sources needs: how values are read, and where to say what was skipped. */
type SourcesContext = Omit<ReadContext, 'source'> & { warnings: string[] };

/**
 * Reads every inventory source into `tree`; returns the directory each source's
 * group_vars/ and host_vars/ are read from, in order. A file of a directory
 * that Ansible skips with a warning (an inventory plugin's configuration it
 * does not read there) is skipped with a warning in `ctx.warnings`.
 */
export function readInventorySources(sources: readonly string[], tree: GroupTree, ctx: SourcesContext): string[] {
  return sources.map((source) => {
    if (statOf(source).isDirectory()) {
      readDirectory(source, tree, ctx);
      return path.resolve(source);
    }
    readInventoryFile(source, tree, ctx, false);
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

function readDirectory(dir: string, tree: GroupTree, ctx: SourcesContext): void {
  for (const entry of readdirSync(dir).sort()) {
    if (IGNORED_NAMES.test(entry) || IGNORED_EXTENSIONS.some((ext) => entry.endsWith(ext))) continue;
    const full = path.join(dir, entry);
    if (statOf(full).isDirectory()) readDirectory(full, tree, ctx);
    else readInventoryFile(full, tree, ctx, true);
  }
}

/**
 * One inventory file: `.yml`/`.yaml`/`.json` are YAML; a file without an
 * extension is YAML when it reads as a YAML mapping, else INI; any other is INI,
 * unless it is an inventory plugin's configuration (YAML with `plugin:`).
 */
function readInventoryFile(file: string, tree: GroupTree, ctx: SourcesContext, inDirectory: boolean): void {
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
  const yaml = tryYaml(text, file);
  if ('plugin' in yaml) {
    // Ansible's default plugins read a plugin configuration only from .yml/.yaml/.json: elsewhere it is skipped, with a warning, as unparsed.
    if (inDirectory) ctx.warnings.push(`${file}: skipped, as Ansible skips it: the configuration of the Ansible inventory plugin ${yaml.plugin}, not an inventory`);
    else readYamlInventory({ ...ctx, source: yaml.source }, tree, dir);
    return;
  }
  if (ext !== '') {
    readIniInventory(text, file, tree, dir, ctx.errors);
    return;
  }
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

/**
 * The file as a YAML inventory (a mapping) or an inventory plugin's
 * configuration (a mapping with `plugin:`, named), or why not: a YAML error, or
 * nothing when it is YAML of another shape (INI text often is).
 */
function tryYaml(text: string, file: string): { source: YamlSource; plugin?: string } | { problem?: UserError } {
  try {
    const source = parseYaml(text, file, 'ansible');
    const root = source.doc.contents;
    if (!isMap(root)) return {};
    const plugin = root.items.find((pair) => isScalar(pair.key) && pair.key.value === 'plugin');
    if (!plugin) return { source };
    return { source, plugin: isScalar(plugin.value) ? `'${String(plugin.value.value)}'` : '(unnamed)' };
  } catch (err) {
    if (err instanceof UserErrors) return { problem: err.errors[0]! };
    if (err instanceof UserError) return { problem: err };
    throw err;
  }
}
