/**
 * What `ansible-inventory` prints (lib/ansible/cli/inventory.py): `--list`
 * (groups with hosts and children, `_meta.hostvars` with each host's merged
 * variables under the names as written), `--graph` and `--host`. Values are
 * not read: a vaulted value prints as `{"__ansible_vault": ...}`, a template as
 * written. One difference: the plain-text value of a variable named in
 * `secrets` (those the roles declare secret) or of one of Ansible's
 * connection passwords (`ansible_password`, ...) prints as the mask, and a
 * secret's text inside any other value is masked there. Pure.
 */
import { UserError } from '../errors.js';
import { MASK, Secret, secretForms } from '../secrets.js';
import { DeferredValue } from './deferred.js';
import { PythonFloat, pythonFloatText } from './python-float.js';
import { PythonBigInt } from '../yaml/python-int.js';
import { pythonSortedKeys } from './python-keys.js';
import type { GroupDef } from './model.js';
import { ALL } from './names.js';
import type { Inventory, InventoryHost } from './types.js';

// Names ansible-inventory leaves out of what it prints, even when the inventory sets them (lib/ansible/cli/inventory.py INTERNAL_VARS).
const INTERNAL_VARS = new Set([
  'ansible_diff_mode', 'ansible_config_file', 'ansible_facts', 'ansible_forks', 'ansible_inventory_sources', 'ansible_limit',
  'ansible_playbook_python', 'ansible_run_tags', 'ansible_skip_tags', 'ansible_verbosity', 'ansible_version', 'inventory_dir',
  'inventory_file', 'inventory_hostname', 'inventory_hostname_short', 'groups', 'group_names', 'omit', 'playbook_dir',
]);

// Ansible's connection and privilege-escalation passwords, and its private key as text with its passphrase (provision reads the become
// passwords as secrets, and uses none of the others), masked like the roles' secrets.
const ANSIBLE_PASSWORDS = new Set([
  'ansible_password', 'ansible_ssh_pass', 'ansible_ssh_password', 'ansible_become_pass', 'ansible_become_password', 'become_password',
  'ansible_sudo_pass', 'ansible_sudo_password', 'ansible_su_pass', 'ansible_su_password', 'ansible_httpapi_pass', 'ansible_httpapi_password',
  'ansible_private_key', 'ansible_ssh_private_key', 'ansible_private_key_passphrase', 'ansible_ssh_private_key_passphrase',
]);

/** A host's variables as ansible-inventory prints them: as Ansible merges them, internal names left out; plain-text passwords and `secrets` masked. */
function printedVars(host: InventoryHost, secrets: InventorySecrets): Record<string, unknown> {
  const secret = (name: string): boolean => secrets.variables.has(name) || ANSIBLE_PASSWORDS.has(name);
  const forms = secretTextForms(secrets.values);
  return Object.fromEntries(
    distinctKeys(
      Object.entries(host.ansibleVars ?? {})
        .filter(([name]) => !INTERNAL_VARS.has(name))
        .map(([name, value]) => [maskedText(name, forms), secret(name) ? masked(value) : withSecretTextMasked(value, forms)]),
    ),
  );
}

/** The roles' secret variables, by name, and the values they have (text, numbers as written). */
export interface InventorySecrets {
  variables: ReadonlySet<string>;
  values: ReadonlySet<string>;
}

const NO_SECRETS: InventorySecrets = { variables: new Set(), values: new Set() };

/** Each secret value in every form text may hold it in (as plan masks them: inside a URL, JSON, quotes), longest first. */
function secretTextForms(values: ReadonlySet<string>): string[] {
  return [...new Set([...values].flatMap(secretForms))].sort((a, b) => b.length - a.length);
}

/** `text` with every secret form in it masked (a DSN holding a password prints as `mysql://app:********@db`). */
function maskedText(text: string, forms: readonly string[]): string {
  return forms.reduce((out, form) => (out.includes(form) ? out.split(form).join(MASK) : out), text);
}

/** Entries whose keys masking made equal (`a-********` twice) numbered after the first (`a-******** 2`), so none is lost. */
function distinctKeys(entries: Array<[string, unknown]>): Array<[string, unknown]> {
  const seen = new Map<string, number>();
  return entries.map(([key, value]) => {
    const count = (seen.get(key) ?? 0) + 1;
    seen.set(key, count);
    return [count === 1 ? key : `${key} ${count}`, value];
  });
}

/**
 * `value` with every secret in its strings (keys too) masked, however deep, and a number whose text holds one masked
 * whole; the rest (numbers as numbers) as it is.
 */
function withSecretTextMasked(value: unknown, forms: readonly string[]): unknown {
  if (typeof value === 'string') return maskedText(value, forms);
  // A number (or true, false, null) as printed (`1234.0`), the mask a string: masking the text would leave no valid JSON.
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value instanceof PythonFloat || value instanceof PythonBigInt) {
    const text = ansibleJson(value);
    return maskedText(text, forms) === text ? value : MASK;
  }
  if (Array.isArray(value)) return value.map((item) => withSecretTextMasked(item, forms));
  if (value !== null && typeof value === 'object' && !(value instanceof Secret) && !(value instanceof DeferredValue)) {
    const original = Object.entries(value);
    const entries = distinctKeys(original.map(([key, item]) => [maskedText(key, forms), withSecretTextMasked(item, forms)]));
    // A mapping holding none as it is: it may say how its keys print (Python's int keys, in their order).
    const unchanged = entries.every(([key, item], index) => key === original[index]![0] && item === original[index]![1]);
    return unchanged ? value : Object.fromEntries(entries);
  }
  return value;
}

/**
 * A secret variable's value with every plain-text string and number in it masked, however deep in
 * mappings and lists, the keys of its mappings too (a mapping of tokens to what they may do is as
 * secret as its values): a mapping's keys print as the mask and their place, its shape stays; a
 * vaulted value prints as Ansible prints it.
 */
function masked(value: unknown): unknown {
  if (typeof value === 'string' || typeof value === 'number' || value instanceof PythonFloat || value instanceof PythonBigInt) return MASK;
  if (Array.isArray(value)) return value.map(masked);
  if (value !== null && typeof value === 'object' && !(value instanceof Secret) && !(value instanceof DeferredValue)) {
    return Object.fromEntries(Object.values(value).map((item, index) => [`${MASK} ${index + 1}`, masked(item)]));
  }
  return value;
}

/** `ansible-inventory --list`, as JSON text (sorted keys, four-space indent). */
export function inventoryList(inventory: Inventory, secrets: InventorySecrets = NO_SECRETS): string {
  const result: Record<string, unknown> = {};
  const seen = new Set<string>();
  const format = (group: GroupDef): void => {
    const entry: Record<string, unknown> = {};
    if (group.name !== ALL && group.hosts.length > 0) entry.hosts = [...group.hosts];
    if (group.children.length > 0) entry.children = group.children.map((c) => c.name);
    if (Object.keys(entry).length > 0) result[group.name] = entry;
    for (const child of group.children) {
      if (seen.has(child.name)) continue;
      seen.add(child.name);
      format(inventory.tree.groups.get(child.name)!);
    }
  };
  format(inventory.tree.groups.get(ALL)!);
  const hostvars: Record<string, unknown> = {};
  for (const host of inventory.hosts) {
    const vars = printedVars(host, secrets);
    if (Object.keys(vars).length > 0) hostvars[host.name] = vars;
  }
  result._meta = { hostvars };
  return ansibleJson(result);
}

/** `ansible-inventory --host NAME`: the host's variables as JSON text. */
export function inventoryHost(inventory: Inventory, name: string, secrets: InventorySecrets = NO_SECRETS): string {
  const host = inventory.hosts.find((h) => h.name === name);
  if (!host) throw new UserError(`--host ${name}: no such host in the inventory`);
  return ansibleJson(printedVars(host, secrets));
}

/** `ansible-inventory --graph [GROUP]`: the group tree as text. */
export function inventoryGraph(inventory: Inventory, groupName = ALL): string {
  const start = inventory.tree.groups.get(groupName);
  if (!start) throw new UserError(`--graph ${groupName}: no such group in the inventory (expected a group name)`);
  const lines: string[] = [];
  const name = (text: string, depth: number): string => (depth > 0 ? `${'  |'.repeat(depth)}--${text}` : text);
  const visit = (group: GroupDef, depth: number): void => {
    lines.push(name(`@${group.name}:`, depth));
    for (const child of group.children) visit(inventory.tree.groups.get(child.name)!, depth + 1);
    if (group.name !== ALL) for (const host of group.hosts) lines.push(name(host, depth + 1));
  };
  visit(start, 0);
  return lines.join('\n');
}

/** JSON as Python's json.dumps(sort_keys=True, indent=4) writes it, with values as ansible-inventory shows them. */
function ansibleJson(value: unknown, indent = ''): string {
  if (value instanceof PythonFloat) return pythonFloatText(value.value);
  if (value instanceof PythonBigInt) return value.digits;
  if (value instanceof DeferredValue) return ansibleJson(value.toAnsible(), indent);
  if (value instanceof Secret) return JSON.stringify(value.toJSON());
  const inner = `${indent}    `;
  const block = (open: string, lines: string[], close: string): string => (lines.length === 0 ? `${open}${close}` : `${open}\n${lines.join(',\n')}\n${indent}${close}`);
  if (Array.isArray(value)) return block('[', value.map((item) => `${inner}${item === undefined ? 'null' : ansibleJson(item, inner)}`), ']');
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = pythonSortedKeys(record).filter((k) => record[k] !== undefined);
    return block('{', keys.map((k) => `${inner}${JSON.stringify(k)}: ${ansibleJson(record[k], inner)}`), '}');
  }
  return JSON.stringify(value);
}
