import { UserError } from '../errors.js';
import { closest } from '../suggest.js';
import type { GroupTree } from './model.js';
import type { Inventory, InventoryHost } from './types.js';

const MAX_LISTED = 12;

/**
 * The hosts an Ansible-like `--limit` pattern selects, in inventory order:
 * names of hosts or groups ('all' included), globs with `*`, `?` and `[...]`,
 * regular expressions after `~`, each with an optional subscript (`app[0]`,
 * `app[-1]`, `app[1:]`, `app[0:2]`), separated by `,` or `:`; `&name`
 * intersects and `!name` excludes, applied after the plain names as in Ansible
 * (only exclusions means "all but"). A part that matches no host, or an empty
 * result, is a UserError naming what exists.
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
    const matched = new Set(subscripted(inventory, pattern));
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

/**
 * The patterns of a --limit, split at ',' and ':', except a part that is a
 * host's name (an IPv6 address holds ':') and a ':' inside brackets (a
 * subscript's range, a glob's or regular expression's set), as Ansible's
 * split_host_pattern.
 */
function limitParts(inventory: Inventory, limit: string): string[] {
  const isHost = (part: string): boolean => inventory.hosts.some((h) => h.name === part.replace(/^[!&]/, ''));
  return limit
    .split(',')
    .map((p) => p.trim())
    .flatMap((part) => (isHost(part) ? [part] : (part.match(/(?:\[[^\]]*\]|[^:])+/g) ?? []).map((p) => p.trim())))
    .filter((p) => p !== '');
}

/** `name[i]`, `name[-i]`, `name[i:j]`, `name[i:]` (and the older `name[i-j]`), as Ansible's PATTERN_WITH_SUBSCRIPT. */
const SUBSCRIPT = /^(.+)\[(?:(-?\d+)|(\d+)[:-](\d*))\]$/s;

/**
 * The hosts a pattern stands for after its subscript, if any, as Ansible's
 * _apply_subscript: `[i]` one host (from the end when negative), `[i:j]` the
 * i-th to the j-th inclusive (`[i:]` to the last; Ansible reads `[i:0]` as
 * `[i]`), counted in the order Ansible lists the matches.
 */
function subscripted(inventory: Inventory, pattern: string): string[] {
  const parts = pattern.startsWith('~') ? null : SUBSCRIPT.exec(pattern);
  if (!parts) return hostsMatching(inventory, pattern);
  const [, expression, index, start, end] = parts;
  const hosts = hostsMatching(inventory, expression!);
  const first = Number(index ?? start);
  // Python's int(end) of '0' (or '00') is falsy: Ansible reads [i:0] as [i].
  const last = end === undefined || (end !== '' && Number(end) === 0) ? first : end === '' ? hosts.length - 1 : Number(end);
  const selected = index !== undefined ? [hosts.at(first)].filter((h) => h !== undefined) : hosts.slice(first, last + 1);
  if (selected.length === 0 && hosts.length > 0) {
    throw new UserError(`--limit '${pattern}' matches no host: '${expression}' lists ${hosts.length}, numbered 0 to ${hosts.length - 1} (or -1 to -${hosts.length} from the end)`);
  }
  return selected;
}

/**
 * Names of the hosts a single pattern (host, group, glob or `~regex`) stands
 * for, in Ansible's order (_enumerate_matches): the hosts of each group it
 * matches, then the hosts it matches by name when no group matches or the
 * pattern is a glob, a regular expression or holds a '.' (a host may share its
 * name with a group).
 */
function hostsMatching(inventory: Inventory, pattern: string): string[] {
  const matches = nameMatcher(pattern);
  const { tree } = inventory;
  const groups = [...tree.groups.keys()].filter(matches);
  const found = groups.flatMap((g) => groupHosts(tree, g));
  if (groups.length === 0 || /^~|[*?.[]/.test(pattern)) found.push(...[...tree.hosts.keys()].filter(matches));
  return found;
}

/** A name test: a regular expression matched from the start (Python's re.match), a glob (fnmatch), or the name itself. */
function nameMatcher(pattern: string): (name: string) => boolean {
  if (pattern.startsWith('~')) {
    // Sticky: it matches at the name's start only, as re.match, whatever the expression's parentheses.
    const regExp = compiled(pattern, pattern.slice(1), 'y');
    return (name) => {
      regExp.lastIndex = 0;
      return regExp.test(name);
    };
  }
  if (!/[*?[]/.test(pattern)) return (name) => name === pattern;
  const regExp = compiled(pattern, globRegExp(pattern), 's');
  return (name) => regExp.test(name);
}

/** A part's regular expression, or a UserError naming the part (e.g. a set's range out of order, `[z-a]`). */
function compiled(pattern: string, source: string, flags: string): RegExp {
  try {
    return new RegExp(source, flags);
  } catch (err) {
    throw new UserError(`--limit '${pattern}': not a pattern provision can read: ${(err as Error).message}`);
  }
}

/**
 * A group's hosts in the order Ansible's Group.get_hosts lists them: its own, then its children's
 * in order, then deeper levels (Ansible orders those by hash; here in the order written).
 */
function groupHosts(tree: GroupTree, name: string): string[] {
  const hosts = new Set<string>();
  const seen = new Set([name]);
  for (let level = [name]; level.length > 0; ) {
    for (const group of level) for (const host of tree.groups.get(group)?.hosts ?? []) hosts.add(host);
    level = level.flatMap((group) => (tree.groups.get(group)?.children ?? []).map((c) => c.name)).filter((g) => !seen.has(g) && seen.add(g));
  }
  return [...hosts];
}

/** fnmatch's translation, as a regular expression's source: `*`, `?`, `[set]` and `[!set]`; a `[` without its `]` is itself. */
function globRegExp(pattern: string): string {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    const close = ch === '[' ? pattern.indexOf(']', i + (pattern[i + 1] === '!' ? 3 : 2)) : -1;
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else if (close > 0) {
      const set = pattern.slice(i + 1, close).replace(/\\/g, '\\\\');
      source += set.startsWith('!') ? `[^${set.slice(1)}]` : `[${set.replace(/^\^/, '\\^')}]`;
      i = close;
    } else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return `^${source}$`;
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
