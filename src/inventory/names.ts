/** The keys a group may have, in the order they are listed in messages. */
export const GROUP_KEYS = ['hosts', 'children', 'vars', 'roles'] as const;

/** The group every host belongs to and the root of the inventory. */
export const ALL = 'all';

// These characters have a meaning in --limit patterns, so a name containing one could not be selected.
const LIMIT_SYNTAX = /[\s,:!&*?]/;
const ROLE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** Why a host or group name is unusable, or undefined when it is fine. */
export function nameProblem(name: string): string | undefined {
  if (name === '') return 'expected a non-empty name';
  if (LIMIT_SYNTAX.test(name)) return 'expected a name without spaces or any of , : ! & * ? (they have a meaning in --limit)';
  return undefined;
}

// An IPv6 address (with a zone after %), the one kind of host name a ':' belongs to.
const IPV6_ADDRESS = /^(?=.*:.*:)[0-9a-f:.]+(?:%[\w.-]+)?$/i;

/** Why a host name is unusable, or undefined when it is fine: a name as for groups, or an IPv6 address. */
export function hostNameProblem(name: string): string | undefined {
  // Ansible takes a host named 'all' for the pattern 'all' (`ansible all` reaches that host alone, ansible-inventory --list drops every host's variables).
  if (name === ALL) return `'${ALL}' is the group of every host: expected another host name`;
  return IPV6_ADDRESS.test(name) ? undefined : nameProblem(name);
}

/** Whether a role name can be a directory under roles/ (letters, digits, _ . -, no leading dot, no slash). */
export function isRoleName(name: string): boolean {
  return ROLE_NAME.test(name);
}

/** The group of the hosts that are in no group but 'all'. */
export const UNGROUPED = 'ungrouped';
