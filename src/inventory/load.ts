import { existsSync } from 'node:fs';
import path from 'node:path';
import { secretsCount } from '../secrets.js';
import { ErrorList } from '../yaml/error-list.js';
import { VaultKeyring } from '../vault/passwords.js';
import { checkExtraVars, type ExtraVars } from './extra-vars.js';
import { checkCycles, checkUngroupedNesting } from './group-graph.js';
import { GroupTree } from './model.js';
import { resolveHosts, type PortLookup } from './resolve-hosts.js';
import type { Env, SecretSource, SopsRef } from './secret-ref.js';
import { readInventorySources, type InventoryIgnore } from './sources.js';
import type { Inventory } from './types.js';
import { VarsFiles } from './vars-files.js';
import type { WrittenVar } from './variables.js';

/** Options of loadInventory. */
export interface LoadOptions {
  /** Variables from `-e` (see parseExtraVars): the highest precedence, applied to every host. */
  extraVars?: ExtraVars;
  /** Where `{ secret: ENV_NAME }` values are read from; default process.env. */
  env?: Env;
  /** The port a host's connection uses when the inventory sets none (the transport's default, e.g. ~/.ssh/config's Port); else 22. */
  defaultPort?: PortLookup;
  /** Vault passwords for `!vault` values and vault-encrypted vars files; default none (they fail where they are used). */
  vault?: VaultKeyring;
  /** Where `{ secret: { sops: FILE, key: KEY } }` values are read from (see loadInventoryWithSecrets). */
  sops?: SecretSource<SopsRef>;
  /**
   * The directory Ansible takes as the playbook's: its group_vars/ and host_vars/ apply too, above the inventory's.
   * Default: the current directory, as for ansible-inventory (and ansible-playbook with a playbook there).
   */
  playbookDir?: string;
  /** Connection settings of ansible.cfg and the ANSIBLE_* environment (see readAnsibleConfig): every host's, below the inventory's variables. */
  hostDefaults?: readonly WrittenVar[];
  /** Which entries of an inventory directory are skipped, when ansible.cfg says (see readAnsibleConfig); default Ansible's. */
  inventoryIgnore?: InventoryIgnore;
  /**
   * When the sources have problems: registers (registerSecret) the secrets only the caller can tell, such as those the
   * hosts' roles declare, from what could be resolved. A problem quoting a value is then worded again with every secret
   * known, so none is shown (or cut where masking no longer finds it).
   */
  knowSecrets?: (resolved: Inventory) => void;
}

/**
 * Reads, validates and resolves inventory sources (files and directories, YAML
 * or INI, with their group_vars/ and host_vars/), merged in order as Ansible
 * does with several -i. Throws UserError (one problem) or UserErrors (every
 * problem found) with file:line:col.
 */
export function loadInventory(sources: string | readonly string[], options: LoadOptions = {}): Inventory {
  const list = typeof sources === 'string' ? [sources] : [...sources];
  const env = options.env ?? process.env;
  const errors = new ErrorList();
  const vault = options.vault ?? new VaultKeyring([]);
  const sops = options.sops ? { sops: options.sops } : {};
  const tree = new GroupTree();
  const warnings: string[] = [];
  const ignore = options.inventoryIgnore ? { ignore: options.inventoryIgnore } : {};
  const sourceDirs = readInventorySources(list, tree, { env, errors, vault, warnings, ...sops, ...ignore });
  const varsDirs = sourceDirs.filter((dir): dir is string => dir !== undefined);
  checkUngroupedNesting(tree, errors);
  tree.reconcile();
  const before = errors.count;
  checkCycles(tree, errors);
  // Precedence needs a tree without loops; every other problem is reported with the variables' own.
  if (errors.count > before) errors.throwIfAny();
  const extraVars = checkExtraVars(options.extraVars ?? [], { env, vault, errors, ...sops }, errors);
  const varsFiles = new VarsFiles({ env, vault, errors, ...sops }, errors);
  // The playbook directory counts once: not again when it holds an inventory source.
  const here = path.resolve(options.playbookDir ?? process.cwd());
  const playbookDir = varsDirs.includes(here) ? undefined : here;
  const hostDefaults = new Map((options.hostDefaults ?? []).map((v) => [v.name, v]));
  const resolved = resolveHosts(tree, { varsDirs, ...(playbookDir ? { playbookDir } : {}), varsFiles, extraVars, errors, defaultPort: options.defaultPort ?? (() => undefined), hostDefaults });
  const notes = playbookDir === undefined ? undefined : playbookVarsNote(playbookDir);
  const inventory: Inventory = { file: list[0]!, dir: sourceDirs[0] ?? process.cwd(), sources: list, tree, warnings, ...(notes ? { notes: [notes] } : {}), lockedVarsFiles: varsFiles.locked(), ...resolved };
  if (errors.count > 0 && options.knowSecrets && secretsNewlyKnown(() => options.knowSecrets!(inventory))) {
    // The problems were worded before those secrets were known: read again, they are worded with every secret masked.
    return loadInventory(sources, { ...options, knowSecrets: undefined });
  }
  errors.throwIfAny();
  return inventory;
}

/** Whether `register` made a secret known that was not (an inventory with problems may not yield them all: what it can). */
function secretsNewlyKnown(register: () => void): boolean {
  const before = secretsCount();
  try {
    register();
  } catch {
    // Best effort: the problems found are reported whatever stops this.
  }
  return secretsCount() > before;
}

/** What says that the vars folders of the playbook directory (the current one, holding no inventory source) apply, when it has some. */
function playbookVarsNote(playbookDir: string): string | undefined {
  const found = ['group_vars', 'host_vars'].filter((name) => existsSync(path.join(playbookDir, name)));
  if (found.length === 0) return undefined;
  return `${found.map((name) => `${name}/`).join(' and ')} of the current directory (${playbookDir}) apply too, as Ansible's playbook directory's: above the inventory's own`;
}
