import { connectionOf, DEFAULT_PORT } from './connection-vars.js';
import { groupClosures, groupDepths } from './group-graph.js';
import type { GroupTree, HostDef } from './group-tree.js';
import type { Inventory, InventoryHost, RoleRef } from './types.js';
import { mergeVars, VarTable } from './variables.js';

/**
 * Turns a checked, cycle-free group tree into hosts with merged variables,
 * connection and roles, and the group → hosts map.
 */
export function resolveHosts(tree: GroupTree, extraVars: VarTable, defaultPort: PortLookup = () => undefined): Pick<Inventory, 'hosts' | 'groups'> {
  const depths = groupDepths(tree);
  const closures = groupClosures(tree);
  const byPrecedence = (a: string, b: string): number => depths.get(a)! - depths.get(b)! || (a < b ? -1 : a > b ? 1 : 0);
  const direct = directGroups(tree);
  const hosts = [...tree.hosts.values()].map((host) => {
    const groups = [...new Set(direct.get(host.name)!.flatMap((g) => [...closures.get(g)!]))].sort(byPrecedence);
    return resolveHost(tree, host, groups, extraVars, defaultPort);
  });
  const groups: Record<string, string[]> = {};
  for (const name of tree.groups.keys()) groups[name] = hosts.filter((h) => h.groups.includes(name)).map((h) => h.name);
  return { hosts, groups };
}

/** The port the transport uses for an address when the inventory sets none (e.g. from ~/.ssh/config). */
export type PortLookup = (address: string) => number | undefined;

/** Host name → the groups that list it under `hosts` (every host is listed somewhere). */
function directGroups(tree: GroupTree): Map<string, string[]> {
  const direct = new Map<string, string[]>();
  for (const group of tree.groups.values()) {
    for (const host of group.hosts) direct.set(host, [...(direct.get(host) ?? []), group.name]);
  }
  return direct;
}

/** Variables lowest to highest: groups in precedence order ('all' first), host, extra vars. */
function resolveHost(tree: GroupTree, host: HostDef, groups: string[], extraVars: VarTable, defaultPort: PortLookup): InventoryHost {
  const vars = new VarTable();
  for (const name of groups) mergeVars(vars, tree.groups.get(name)!.vars);
  mergeVars(vars, host.vars);
  mergeVars(vars, extraVars);
  const connection = connectionOf(host.name, vars);
  // Defaults are made visible too, so roles can use every host's address and port: the port the
  // connection really uses (the firewall keeps it open), which ~/.ssh/config may set.
  const port = connection.port ?? defaultPort(connection.address) ?? DEFAULT_PORT;
  vars.set('address', connection.address).set('port', port).set('become', connection.become);
  return { name: host.name, connection, groups, roles: rolesOf(tree, groups), vars: Object.fromEntries(vars), varOrigins: Object.fromEntries(vars.origins) };
}

/** Union of the groups' roles in precedence order; the first mention of a role is kept. */
function rolesOf(tree: GroupTree, groups: string[]): RoleRef[] {
  const roles = new Map<string, RoleRef>();
  for (const name of groups) {
    for (const role of tree.groups.get(name)!.roles) if (!roles.has(role.name)) roles.set(role.name, role);
  }
  return [...roles.values()];
}
