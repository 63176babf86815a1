import { UserError, type SourcePosition } from '../errors.js';
import type { ErrorList } from '../yaml/error-list.js';
import { canonicalName, connectionOf, connectionVar, DEFAULT_PORT } from './connection-vars.js';
import { resolveDeferred } from './deferred.js';
import { describeValue } from './describe-value.js';
import { groupClosures, groupDepths } from './group-graph.js';
import type { GroupTree, HostDef, WrittenVars } from './model.js';
import { ALL, isRoleName } from './names.js';
import type { HostConnection, Inventory, InventoryHost, RoleRef } from './types.js';
import { connectionProblems, mergeVars, readVariables, VarTable, isDeferredConnectionValue } from './variables.js';
import { findVarsFiles, type VarsFiles } from './vars-files.js';
import { JinjaError, renderJinja } from '../template/jinja.js';
import { lazyContext } from '../template/lazy-context.js';
import { type NumberMark, withPythonNumbers } from '../template/number-marks.js';
import path from 'node:path';

const GROUP_PRIORITY = 'ansible_group_priority';
/** The variable that names a host's roles in an Ansible inventory. */
export const ROLES_VARIABLE = 'provision_roles';

/** The port the transport uses for an address when the inventory sets none (e.g. from ~/.ssh/config). */
export type PortLookup = (address: string) => number | undefined;

/** What resolving hosts needs besides the tree. */
export interface ResolveContext {
  /** Directories whose group_vars/ and host_vars/ apply, one per inventory source, in order. */
  varsDirs: string[];
  /** The directory Ansible takes as the playbook's (ansible-inventory: the current one), when no inventory source's: its group_vars/ and host_vars/ apply too, above the inventory's. */
  playbookDir?: string;
  /** The vars files, read once each. */
  varsFiles: VarsFiles;
  /** -e variables: as written (what `provision inventory` prints) and checked. */
  extraVars: { written: WrittenVars; table: VarTable };
  /** Where problems go. */
  errors: ErrorList;
  /** The transport's port for an address the inventory gives none. */
  defaultPort: PortLookup;
  /** Connection settings of ansible.cfg and the ANSIBLE_* environment: below every inventory variable. */
  hostDefaults: WrittenVars;
}

/** One layer of a host's variables, lowest precedence first; a vars file that cannot be decrypted yet is `locked`. */
interface Scope {
  vars: WrittenVars;
  /** A group's inventory vars: ansible_group_priority there ranks the group and is no variable (Ansible's Group.set_variable). */
  group?: boolean;
  /** Ansible's configuration, not its variables: used for the connection, never printed as a host variable. */
  config?: boolean;
  locked?: { file: string; problem: string };
}

/**
 * Turns a checked, cycle-free group tree into hosts with merged variables,
 * connection and roles, and the group → hosts map. Precedence is Ansible's
 * (VariableManager with its default VARIABLE_PRECEDENCE), lowest first:
 * ansible.cfg's connection settings (Ansible's configuration is below every variable), the
 * 'all' group's inventory vars, the other groups' (by depth, then
 * ansible_group_priority, then name), group_vars/all, group_vars/GROUP (same
 * order), the host's inventory vars, host_vars/HOST, then -e.
 */
export function resolveHosts(tree: GroupTree, ctx: ResolveContext): Pick<Inventory, 'hosts' | 'groups'> {
  const depths = groupDepths(tree);
  const closures = groupClosures(tree);
  const priorities = groupPriorities(tree, ctx.errors);
  const byPrecedence = (a: string, b: string): number =>
    depths.get(a)! - depths.get(b)! || priorities.get(a)! - priorities.get(b)! || (a < b ? -1 : a > b ? 1 : 0);
  const direct = directGroups(tree);
  const tables = new WeakMap<WrittenVars, VarTable>();
  const tableOf = (scope: Scope): VarTable => {
    let table = tables.get(scope.vars);
    if (!table) {
      table = readVariables([...scope.vars.values()].filter((v) => !(scope.group && v.name === GROUP_PRIORITY)), ctx.errors);
      tables.set(scope.vars, table);
    }
    return table;
  };
  const hosts = [...tree.hosts.values()].map((host) => {
    const groups = [...new Set([ALL, ...(direct.get(host.name) ?? []).flatMap((g) => [...closures.get(g)!])])].sort(byPrecedence);
    return resolveHost(tree, host, groups, scopesOf(tree, host, groups, ctx), tableOf, ctx);
  });
  const groups: Record<string, string[]> = {};
  for (const name of tree.groups.keys()) groups[name] = hosts.filter((h) => h.groups.includes(name)).map((h) => h.name);
  return { hosts, groups };
}

/** ansible_group_priority as the inventory sources set it (default 1), as Ansible's Group.set_priority reads it. */
function groupPriorities(tree: GroupTree, errors: ErrorList): Map<string, number> {
  const priorities = new Map<string, number>();
  for (const group of tree.groups.values()) {
    const written = group.vars.get(GROUP_PRIORITY);
    let priority = 1;
    if (written !== undefined) {
      const value = typeof written.value === 'string' && /^[-+]?\d+$/.test(written.value.trim()) ? Number(written.value) : written.value;
      if (typeof value === 'number' && Number.isInteger(value)) priority = value;
      else errors.add(`${written.site.path}: expected a whole number, got ${describeValue(written.value)}`, written.site.valuePosition);
    }
    priorities.set(group.name, priority);
  }
  return priorities;
}

/** Host name → the groups that list it under `hosts`. */
function directGroups(tree: GroupTree): Map<string, string[]> {
  const direct = new Map<string, string[]>();
  for (const group of tree.groups.values()) {
    for (const host of group.hosts) direct.set(host, [...(direct.get(host) ?? []), group.name]);
  }
  return direct;
}

/**
 * A host's layers of variables, lowest first, in Ansible's order (VariableManager.get_vars): each inventory source's
 * group_vars/ (all its groups), then the playbook directory's, `all` before the other groups; host_vars/ the same way.
 */
function scopesOf(tree: GroupTree, host: HostDef, groups: string[], ctx: ResolveContext): Scope[] {
  const playDirs = ctx.playbookDir === undefined ? [] : [ctx.playbookDir];
  const files = (dirs: string[], kind: 'group_vars' | 'host_vars', names: string[]): Scope[] =>
    dirs.flatMap((dir) => names.flatMap((name) => findVarsFiles(path.join(dir, kind), name))).map((file) => {
      const read = ctx.varsFiles.get(file);
      return read.locked ? { vars: read.vars, locked: { file, problem: read.locked } } : { vars: read.vars };
    });
  const others = groups.filter((g) => g !== ALL);
  return [
    { vars: ctx.hostDefaults, config: true },
    { vars: tree.groups.get(ALL)!.vars, group: true },
    ...others.map((g) => ({ vars: tree.groups.get(g)!.vars, group: true })),
    ...files(ctx.varsDirs, 'group_vars', [ALL]),
    ...files(playDirs, 'group_vars', [ALL]),
    ...files(ctx.varsDirs, 'group_vars', others),
    ...files(playDirs, 'group_vars', others),
    { vars: host.vars },
    ...files(ctx.varsDirs, 'host_vars', [host.name]),
    ...files(playDirs, 'host_vars', [host.name]),
  ];
}

function resolveHost(tree: GroupTree, host: HostDef, groups: string[], scopes: Scope[], tableOf: (scope: Scope) => VarTable, ctx: ResolveContext): InventoryHost {
  const vars = new VarTable();
  const ansibleVars: Record<string, unknown> = {};
  for (const scope of scopes) {
    mergeVars(vars, tableOf(scope));
    if (scope.config) continue;
    for (const [name, written] of scope.vars) if (!(scope.group && name === GROUP_PRIORITY)) ansibleVars[name] = written.printed ?? written.value;
  }
  mergeVars(vars, ctx.extraVars.table);
  connectionProblems(vars, ctx.errors);
  for (const [name, written] of ctx.extraVars.written) ansibleVars[name] = written.printed ?? written.value;
  // Defaults are made visible too, so roles can use every host's address and port: the port the
  // connection really uses (the firewall keeps it open), which ~/.ssh/config may set.
  if (!vars.has('address')) vars.set('address', host.name);
  const address = vars.get('address');
  if (!vars.has('port')) vars.set('port', (typeof address === 'string' ? ctx.defaultPort(address) : undefined) ?? DEFAULT_PORT);
  if (!vars.has('become')) vars.set('become', false);
  const locked = scopes.flatMap((s) => (s.locked ? [s.locked] : []));
  let connection: HostConnection | undefined;
  const resolved: InventoryHost = {
    name: host.name,
    groups,
    roles: [...rolesOf(tree, groups), ...rolesFromVariable(host, vars, ctx.errors)].filter((r, i, all) => all.findIndex((o) => o.name === r.name) === i),
    vars: Object.fromEntries(vars),
    varOrigins: Object.fromEntries(vars.origins),
    ansibleVars,
    get connection(): HostConnection {
      connection ??= resolveConnection(host.name, vars, locked, groups);
      return connection;
    },
  };
  return resolved;
}

/**
 * The host's connection: its connection variables with secrets read and
 * templates rendered now that they are needed, each checked, and the port the
 * connection really uses made visible to roles as `port`.
 */
function resolveConnection(hostName: string, vars: VarTable, locked: Array<{ file: string; problem: string }>, groups: string[]): HostConnection {
  const lockedFile = locked[0];
  if (lockedFile) throw new UserError(`host ${hostName}: ${lockedFile.problem}`, { file: lockedFile.file, line: 1, col: 1 });
  const computed = new Map<string, NumberMark>();
  const context = lazyContext(vars, (name, value, self) => renderInventoryValue(name, value, self, vars, computed), { inventory_hostname: hostName, group_names: groups.filter((g) => g !== ALL) });
  const checked = new Map<string, unknown>();
  for (const [name, value] of vars) {
    const spec = connectionVar(name);
    // Under Ansible's names, each its own value: the canonical name holds the one the connection uses.
    if (spec?.name !== name) continue;
    if (!isDeferredConnectionValue(value) && spec.checkedWhenUsed !== true) {
      checked.set(name, value);
      continue;
    }
    const origin = vars.origins.get(name);
    const rendered = spec.unread === true ? undefined : context[name];
    const read = spec.read(rendered, { baseDir: origin?.baseDir ?? process.cwd(), fromCommandLine: false });
    const got = spec.unread === true || spec.hidden === true ? '' : `, got ${describeValue(rendered)}`;
    if ('expected' in read) throw new UserError(`${origin?.path ?? name}: ${read.expected}${got} (host ${hostName})`, origin?.position);
    checked.set(name, read.value);
  }
  // The defaults set for roles (address, port, become) are not the inventory's choice: the transport decides those.
  for (const name of ['address', 'port', 'become']) if (!vars.origins.has(name)) checked.delete(name);
  return connectionOf(hostName, checked);
}

/**
 * An inventory value as used: secrets read, Jinja2 rendered against the host's other variables (aliases such as
 * ansible_host included); `computed` holds where the values rendered so far hold numbers variables cannot hold as Python does (see number-marks.ts).
 */
export function renderInventoryValue(name: string, value: unknown, context: Record<string, unknown>, vars: VarTable, computed: Map<string, NumberMark>): unknown {
  const origin = vars.origins.get(name);
  try {
    const resolved = resolveDeferred(value);
    // An `!unsafe` value is its text as written, as in Ansible.
    if (typeof resolved !== 'string' || !resolved.includes('{{') || origin?.literal === true) return resolved;
    const lookup = (ref: string): unknown => {
      const used = Object.hasOwn(context, ref) ? ref : canonicalName(ref);
      if (!Object.hasOwn(context, used)) return undefined;
      const value = context[used];
      return withPythonNumbers(value, computed.get(used) ?? vars.origins.get(used)?.numbers);
    };
    return renderJinja(resolved, lookup, (mark) => computed.set(name, mark));
  } catch (err) {
    if (err instanceof JinjaError) throw new UserError(`${origin?.path ?? name}: ${err.message}`, origin?.position as SourcePosition | undefined);
    throw err;
  }
}

/**
 * `provision_roles: [nginx, app]`: the roles a host gets from a variable, so an
 * Ansible inventory (INI, group_vars/) says what its hosts are without
 * provision's `roles:` key, and still loads unchanged in Ansible.
 */
function rolesFromVariable(host: HostDef, vars: VarTable, errors: ErrorList): RoleRef[] {
  const value = vars.get(ROLES_VARIABLE);
  if (value === undefined || value === null) return [];
  const origin = vars.origins.get(ROLES_VARIABLE);
  const position = origin?.position ?? host.position;
  const names = typeof value === 'string' ? value.split(',').map((n) => n.trim()).filter(Boolean) : value;
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string' && isRoleName(n))) {
    errors.add(`${origin?.path ?? ROLES_VARIABLE}: expected a list of role names (letters, digits, _ . -), got ${describeValue(value)}`, position);
    return [];
  }
  return names.map((name) => ({ name: name as string, position }));
}

/** Union of the groups' roles in precedence order; the first mention of a role is kept. */
function rolesOf(tree: GroupTree, groups: string[]): RoleRef[] {
  const roles = new Map<string, RoleRef>();
  for (const name of groups) {
    for (const role of tree.groups.get(name)!.roles) if (!roles.has(role.name)) roles.set(role.name, role);
  }
  return [...roles.values()];
}
