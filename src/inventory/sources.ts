/**
 * Inventory sources as Ansible reads them (lib/ansible/inventory/manager.py):
 * a host list (`web1,web2,`), a file (YAML, else INI), or a directory whose entries are read in name order
 * (hidden files, group_vars/, host_vars/ and backup or documentation
 * extensions, `.ini` included, or those ansible.cfg's ignore_extensions and
 * ignore_patterns name, are skipped; subdirectories are read too).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar } from 'yaml';
import { UserError, UserErrors } from '../errors.js';
import { ErrorList } from '../yaml/error-list.js';
import { parseYaml, readTextFile, type YamlSource } from '../yaml/yaml-source.js';
import { isHostList, readHostList } from './host-list.js';
import { readIniInventory } from './ini-inventory.js';
import type { GroupTree } from './model.js';
import { isEmptyNode, type ReadContext } from './node-values.js';
import { EXPORT_HINT, readYamlInventory } from './yaml-inventory.js';

// Ansible's INVENTORY_IGNORE_EXTS default (REJECT_EXTS + .orig .ini .cfg .retry) and IGNORED_ALWAYS (lib/ansible/inventory/manager.py).
const DEFAULT_IGNORED_EXTENSIONS = ['.pyc', '.pyo', '.swp', '.bak', '~', '.rpm', '.md', '.txt', '.rst', '.orig', '.ini', '.cfg', '.retry'];
const IGNORED_ALWAYS = [/^\./, /^host_vars$/, /^group_vars$/, /^vars_plugins$/];
const YAML_EXTENSIONS = ['.yml', '.yaml', '.json'];

/** ansible.cfg's `[inventory] ignore_extensions` (replacing the default list) and `ignore_patterns` (searched anywhere in a name). */
export interface InventoryIgnore {
  extensions?: readonly string[];
  patterns?: readonly RegExp[];
}

/** What reading the sources needs: how values are read, where to say what was skipped, and which directory entries to skip. */
type SourcesContext = Omit<ReadContext, 'source'> & { warnings: string[]; ignore?: InventoryIgnore };

/** Whether Ansible skips a directory entry of that name: its IGNORED regular expression, built from the same parts. */
function isIgnored(entry: string, ignore: InventoryIgnore = {}): boolean {
  const extensions = ignore.extensions ?? DEFAULT_IGNORED_EXTENSIONS;
  // An empty item (`ignore_extensions = ~, .bak,`) is Ansible's pattern `$`, which skips every entry.
  return IGNORED_ALWAYS.some((re) => re.test(entry)) || (ignore.patterns ?? []).some((re) => re.test(entry)) || extensions.some((ext) => entry.endsWith(ext));
}

/**
 * Reads every inventory source into `tree`; returns the directory each source's
 * group_vars/ and host_vars/ are read from, in order (none for a host list,
 * `-i 'web1,web2,'`). A file of a directory that Ansible skips with a warning
 * (an inventory plugin's configuration it does not read there) is skipped
 * with a warning in `ctx.warnings`.
 */
export function readInventorySources(sources: readonly string[], tree: GroupTree, ctx: SourcesContext): (string | undefined)[] {
  return sources.map((source) => {
    if (!existsSync(source) && isHostList(source)) {
      readHostList(source, tree, ctx.errors);
      return undefined;
    }
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
    if (isIgnored(entry, ctx.ignore)) continue;
    const full = path.join(dir, entry);
    if (statOf(full).isDirectory()) readDirectory(full, tree, ctx);
    else readInventoryFile(full, tree, ctx, true);
  }
}

/**
 * One inventory file, read as Ansible's plugins read it: YAML when it reads as
 * a YAML mapping (`.yml`/`.yaml`/`.json` files first of all), else INI: an INI
 * inventory named hosts.yml loads, as Ansible's ini plugin reads what its yaml
 * plugin could not. A `.yml` file that is neither gets its YAML errors, a file
 * without an extension both readings' first problem, any other its INI errors.
 * A YAML mapping with `plugin:` is an inventory plugin's configuration.
 */
function readInventoryFile(file: string, tree: GroupTree, ctx: SourcesContext, inDirectory: boolean): void {
  const text = readTextFile(file, 'inventory');
  const dir = path.dirname(path.resolve(file));
  const ext = path.extname(file);
  const yamlNamed = YAML_EXTENSIONS.includes(ext);
  if (!yamlNamed && text.startsWith('#!')) {
    throw new UserError(`inventory '${file}' is a script (it starts with #!): provision reads static inventories (YAML or INI), it does not run inventory scripts: ${EXPORT_HINT}`);
  }
  const yaml = tryYaml(text, file);
  if ('mapping' in yaml && yaml.plugin !== undefined && inDirectory && !yamlNamed) {
    // Ansible's default plugins read a plugin configuration only from .yml/.yaml/.json: elsewhere it is skipped, with a warning, as unparsed.
    ctx.warnings.push(`${file}: skipped, as Ansible skips it: the configuration of the Ansible inventory plugin ${yaml.plugin}, not an inventory`);
    return;
  }
  // An empty .yml file is refused as empty (Ansible's ini plugin would read it as no hosts).
  if ('mapping' in yaml && (yaml.mapping || (yamlNamed && yaml.empty))) {
    readYamlInventory({ ...ctx, source: yaml.source }, tree, dir);
    return;
  }
  if (!yamlNamed && ext !== '') {
    readIniInventory(text, file, tree, dir, ctx.errors);
    return;
  }
  const iniErrors = new ErrorList();
  readIniInventory(text, file, tree, dir, iniErrors);
  try {
    iniErrors.throwIfAny();
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    if (yamlNamed) {
      // Meant as YAML: its own errors, or (YAML of another shape, such as a list) what the YAML reader says of it.
      if ('error' in yaml) throw yaml.error;
      readYamlInventory({ ...ctx, source: yaml.source }, tree, dir);
      return;
    }
    if (!('error' in yaml)) throw err;
    const ini = err instanceof UserErrors ? err.errors[0]! : err;
    const first = yaml.error instanceof UserErrors ? yaml.error.errors[0]! : yaml.error;
    throw new UserError(`inventory '${file}' is neither valid YAML nor INI: read as YAML, ${where(first)}${first.message}; read as INI, ${where(ini)}${ini.message}`);
  }
}

function where(error: UserError): string {
  return error.position ? `line ${error.position.line}:${error.position.col}: ` : '';
}

/**
 * The file read as YAML: whether it is a mapping or empty, and the plugin it configures
 * (`plugin:`, quoted) if any; or the YAML error(s) that reading found.
 */
function tryYaml(text: string, file: string): { source: YamlSource; mapping: boolean; empty: boolean; plugin?: string } | { error: UserError } {
  try {
    const source = parseYaml(text, file, 'ansible');
    const root = source.doc.contents;
    const plugin = isMap(root) ? root.items.find((pair) => isScalar(pair.key) && pair.key.value === 'plugin') : undefined;
    const empty = isEmptyNode(root);
    if (!plugin) return { source, mapping: isMap(root), empty };
    return { source, mapping: true, empty, plugin: isScalar(plugin.value) ? `'${String(plugin.value.value)}'` : '(unnamed)' };
  } catch (err) {
    if (err instanceof UserError) return { error: err };
    throw err;
  }
}
