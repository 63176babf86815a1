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
  const parts = limitParts(inventory, limit);
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

/** The patterns of a --limit, split at ',' and ':', except a part that is a host's name (an IPv6 address holds ':'). */
function limitParts(inventory: Inventory, limit: string): string[] {
  const isHost = (part: string): boolean => inventory.hosts.some((h) => h.name === part.replace(/^[!&]/, ''));
  return limit
    .split(',')
    .map((p) => p.trim())
    .flatMap((part) => (isHost(part) ? [part] : part.split(':').map((p) => p.trim())))
    .filter((p) => p !== '');
}

/**
 * Names of the hosts a single pattern (host, group or glob) stands for, as
 * Ansible's _enumerate_matches: the hosts of the groups it matches, and the
 * hosts it matches by name when no group matches or the pattern is a glob or
 * holds a '.' (a host may share its name with a group).
 */
function hostsMatching(inventory: Inventory, pattern: string): Set<string> {
  const matches = (name: string): boolean => (/[*?]/.test(pattern) ? globRegExp(pattern).test(name) : name === pattern);
  const groups = Object.keys(inventory.groups).filter(matches);
  const matched = new Set(groups.flatMap((g) => inventory.groups[g]!));
  if (groups.length === 0 || /[*?.]/.test(pattern)) for (const host of inventory.hosts) if (matches(host.name)) matched.add(host.name);
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
