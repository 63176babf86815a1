import { UserError } from '../errors.js';
import { closest } from '../suggest.js';
import type { Inventory, InventoryHost } from './types.js';

const MAX_LISTED = 12;

/**
 * The hosts an Ansible-like `--limit` pattern selects, in inventory order:
 * names of hosts or groups ('all' included), globs with `*` and `?`, separated
 * by `,` or `:`; `&name` intersects and `!name` excludes, applied after the
 * plain names as in Ansible (only exclusions means "all but"). A part that
 * matches no host, or an empty result, is a UserError naming what exists.
 */
export function selectHosts(inventory: Inventory, limit: string | undefined): InventoryHost[] {
  if (limit === undefined) return [...inventory.hosts];
  const parts = limit.split(/[,:]/).map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 0) throw new UserError(`--limit '${limit}' is empty: expected host or group names`);
  let included: Set<string> | undefined;
  const intersect: Set<string>[] = [];
  const exclude: Set<string>[] = [];
  for (const part of parts) {
    const operator = part[0] === '!' || part[0] === '&' ? part[0] : '';
    const pattern = part.slice(operator.length);
    if (pattern === '') throw new UserError(`--limit '${limit}': '${operator}' alone: expected a host or group name after it`);
    const matched = hostsMatching(inventory, pattern);
    if (matched.size === 0) throw noMatch(inventory, pattern);
    if (operator === '&') intersect.push(matched);
    else if (operator === '!') exclude.push(matched);
    else included = new Set([...(included ?? []), ...matched]);
  }
  const selected = inventory.hosts.filter(
    (h) =>
      (included?.has(h.name) ?? true) && intersect.every((s) => s.has(h.name)) && !exclude.some((s) => s.has(h.name)),
  );
  if (selected.length === 0) throw noMatch(inventory, limit);
  return selected;
}

/** Names of the hosts a single pattern (host, group or glob) stands for. */
function hostsMatching(inventory: Inventory, pattern: string): Set<string> {
  const names = /[*?]/.test(pattern)
    ? [...inventory.hosts.map((h) => h.name), ...Object.keys(inventory.groups)].filter((n) => globRegExp(pattern).test(n))
    : [pattern];
  const matched = new Set<string>();
  for (const name of names) {
    if (Object.hasOwn(inventory.groups, name)) for (const host of inventory.groups[name]!) matched.add(host);
    else if (inventory.hosts.some((h) => h.name === name)) matched.add(name);
  }
  return matched;
}

function globRegExp(pattern: string): RegExp {
  const source = [...pattern].map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${source.join('')}$`);
}

function noMatch(inventory: Inventory, pattern: string): UserError {
  const hosts = inventory.hosts.map((h) => h.name);
  const groups = Object.keys(inventory.groups);
  const meant = closest(pattern.replace(/^[!&]/, ''), [...hosts, ...groups]);
  const suggestion = meant ? `; did you mean '${meant}'?` : '';
  return new UserError(`--limit '${pattern}' matches no host; known hosts: ${listed(hosts)}; groups: ${listed(groups)}${suggestion}`);
}

function listed(names: string[]): string {
  if (names.length === 0) return '(none)';
  const shown = names.slice(0, MAX_LISTED).join(', ');
  return names.length > MAX_LISTED ? `${shown}, … (${names.length - MAX_LISTED} more)` : shown;
}
