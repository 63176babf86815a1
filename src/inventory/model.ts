import type { SourcePosition } from '../errors.js';
import { ALL, UNGROUPED } from './names.js';
import type { RoleRef } from './types.js';
import type { WrittenVar } from './variables.js';

/** A mention of a group under `children`: what a cycle error points at. */
export interface ChildRef {
  /** The child group's name. */
  name: string;
  /** Dotted path of the mention, for messages. */
  path: string;
  /** Where the child's name is written. */
  position: SourcePosition;
}

/** Variables of one inventory entity, by name as written; a later definition replaces an earlier one (Ansible's set_variable). */
export type WrittenVars = Map<string, WrittenVar>;

/** A group as the inventory sources write it, merged over every place it appears. */
export interface GroupDef {
  /** Group name. */
  name: string;
  /** Its variables from the inventory sources (not group_vars/). */
  vars: WrittenVars;
  /** Its roles (provision's extension), first mention kept. */
  roles: RoleRef[];
  /** Its child groups, first mention of each kept, in order. */
  children: ChildRef[];
  /** Names of the hosts listed directly under it, in order. */
  hosts: string[];
}

/** A host as the inventory sources write it, merged over every place it appears. */
export interface HostDef {
  /** Inventory host name. */
  name: string;
  /** Its host variables from the inventory sources (not host_vars/). */
  vars: WrittenVars;
  /** Dotted path of its first entry, for messages. */
  path: string;
  /** Where its name is first written. */
  position: SourcePosition;
}

/**
 * The inventory's structure as Ansible builds it (lib/ansible/inventory/data.py):
 * groups and hosts in order of first appearance, 'all' and 'ungrouped' first.
 */
export class GroupTree {
  /** Every group, 'all' and 'ungrouped' first. */
  readonly groups = new Map<string, GroupDef>();
  /** Every host. */
  readonly hosts = new Map<string, HostDef>();

  constructor() {
    this.group(ALL);
    this.group(UNGROUPED);
    this.addChild(ALL, { name: UNGROUPED, path: ALL, position: { file: '', line: 1, col: 1 } });
  }

  /** The group of that name, created when new. */
  group(name: string): GroupDef {
    let group = this.groups.get(name);
    if (!group) {
      group = { name, vars: new Map(), roles: [], children: [], hosts: [] };
      this.groups.set(name, group);
    }
    return group;
  }

  /** The host of that name, created when new (in `group` when given). */
  host(name: string, path: string, position: SourcePosition, group?: string): HostDef {
    let host = this.hosts.get(name);
    if (!host) {
      host = { name, vars: new Map(), path, position };
      this.hosts.set(name, host);
    }
    if (group !== undefined) {
      const hosts = this.group(group).hosts;
      if (!hosts.includes(name)) hosts.push(name);
    }
    return host;
  }

  /** Makes `child` a child group of `parent` (once). Cycles are found afterwards, by checkCycles. */
  addChild(parent: string, child: ChildRef): void {
    this.group(child.name);
    const children = this.group(parent).children;
    if (!children.some((c) => c.name === child.name)) children.push(child);
  }

  /**
   * Ansible's reconcile_inventory: a group with no parent becomes a child of
   * 'all'; a host in no group but 'all' is in 'ungrouped', and a host in another
   * group is not.
   */
  reconcile(): void {
    const withParent = new Set([...this.groups.values()].flatMap((g) => g.children.map((c) => c.name)));
    for (const name of this.groups.keys()) {
      if (name !== ALL && !withParent.has(name)) this.addChild(ALL, { name, path: ALL, position: { file: '', line: 1, col: 1 } });
    }
    const grouped = new Set([...this.groups.values()].filter((g) => g.name !== ALL && g.name !== UNGROUPED).flatMap((g) => g.hosts));
    const ungrouped = this.group(UNGROUPED);
    const all = this.group(ALL);
    ungrouped.hosts = ungrouped.hosts.filter((h) => !grouped.has(h));
    for (const name of this.hosts.keys()) {
      if (!grouped.has(name) && !ungrouped.hosts.includes(name)) ungrouped.hosts.push(name);
    }
    // Hosts listed under 'all' itself belong to it through 'ungrouped' or their groups, as in Ansible's output.
    all.hosts = [];
  }
}
