import { isMap, isScalar, isSeq, type Pair } from 'yaml';
import type { SourcePosition } from '../errors.js';
import { closest, editDistance } from '../suggest.js';
import { describeNode, isEmptyNode, keyOf, valueOf, type ReadContext } from './node-values.js';
import { ALL, GROUP_KEYS, isRoleName, nameProblem } from './names.js';
import type { RoleRef } from './types.js';
import { mergeVars, readVariables, VarTable, type WrittenVar } from './variables.js';

/** A mention of a group under `children`: what a cycle error points at. */
export interface ChildRef {
  /** The child group's name. */
  name: string;
  /** Dotted path of the mention, for messages. */
  path: string;
  /** Where the child's name is written. */
  position: SourcePosition;
}

/** A group as written, merged over every place it appears. */
export interface GroupDef {
  /** Group name. */
  name: string;
  /** Its variables (a later definition of the same group wins). */
  vars: VarTable;
  /** Its roles, first mention kept. */
  roles: RoleRef[];
  /** Its child groups, first mention of each kept. */
  children: ChildRef[];
  /** Names of the hosts listed directly under it. */
  hosts: string[];
}

/** A host as written, merged over every place it appears. */
export interface HostDef {
  /** Inventory host name. */
  name: string;
  /** Its host variables (a later entry of the same host wins). */
  vars: VarTable;
  /** Dotted path of its first entry, for messages. */
  path: string;
  /** Where its name is first written. */
  position: SourcePosition;
}

/** The inventory's structure as written: groups and hosts in order of first appearance. */
export interface GroupTree {
  /** Every group, 'all' first. */
  groups: Map<string, GroupDef>;
  /** Every host. */
  hosts: Map<string, HostDef>;
}

const EXPECTED_GROUP_KEYS = `${GROUP_KEYS.slice(0, -1).join(', ')} or ${GROUP_KEYS.at(-1)}`;

/**
 * Reads the `all: { hosts, children, vars, roles }` structure of an inventory
 * document. Every problem is reported to ctx.errors and reading goes on, so the
 * user sees all of them at once.
 */
export function readGroupTree(ctx: ReadContext, baseDir: string): GroupTree {
  const reader = new GroupTreeReader(ctx, baseDir);
  reader.readRoot();
  reader.checkNameClashes();
  return reader.tree;
}

class GroupTreeReader {
  readonly tree: GroupTree = { groups: new Map(), hosts: new Map() };

  constructor(
    private readonly ctx: ReadContext,
    private readonly baseDir: string,
  ) {}

  readRoot(): void {
    const { source, errors } = this.ctx;
    const start = source.positionAt(0);
    const root = source.resolve(source.doc.contents);
    const expected = `expected a mapping with the single key '${ALL}'`;
    if (isEmptyNode(root)) return errors.add(`the inventory is empty: ${expected}`, start);
    if (!isMap(root)) return errors.add(`top level: ${expected}, got ${describeNode(root)}`, source.positionOf(root, start));
    if (root.items.length === 0) return errors.add(`top level: no '${ALL}' key: ${expected}`, start);
    for (const pair of root.items) {
      const key = keyOf(pair, 'top level', start, this.ctx);
      const at = source.positionOf(pair.key, start);
      if (key === ALL) this.readGroup(ALL, pair.value, ALL, at);
      else if (key !== undefined) {
        // Only a near miss of 'all' itself gets "did you mean": a group such as `app` here belongs under all.children.
        const meant = editDistance(key.toLowerCase(), ALL) <= 1 ? ` (did you mean '${ALL}'?)` : ' (put groups under all.children)';
        errors.add(`${key}: unknown top-level key: expected only '${ALL}'${meant}`, at);
      }
    }
  }

  /** Reports hosts named like a group: --limit could not tell them apart. */
  checkNameClashes(): void {
    for (const host of this.tree.hosts.values()) {
      if (this.tree.groups.has(host.name)) {
        this.ctx.errors.add(`${host.path}: host '${host.name}' has the same name as a group: expected distinct host and group names`, host.position);
      }
    }
  }

  private readGroup(name: string, node: unknown, path: string, at: SourcePosition): void {
    const group = this.group(name);
    const value = this.ctx.source.resolve(node);
    if (isEmptyNode(value)) return;
    if (!isMap(value)) {
      const expected = `expected a group (a mapping with ${EXPECTED_GROUP_KEYS})`;
      return this.ctx.errors.add(`${path}: ${expected}, got ${describeNode(value)}`, this.ctx.source.positionOf(value, at));
    }
    for (const pair of value.items) {
      const key = keyOf(pair, path, at, this.ctx);
      if (key === undefined) continue;
      const keyAt = this.ctx.source.positionOf(pair.key, at);
      const keyPath = `${path}.${key}`;
      switch (key) {
        case 'hosts':
          this.readHosts(group, pair.value, keyPath, keyAt);
          break;
        case 'children':
          this.readChildren(group, pair.value, keyPath, keyAt);
          break;
        case 'vars':
          mergeVars(group.vars, this.readVars(pair.value, keyPath, keyAt));
          break;
        case 'roles':
          this.readRoles(group, pair.value, keyPath, keyAt);
          break;
        default: {
          const meant = closest(key, GROUP_KEYS);
          const hint = meant ? `did you mean '${meant}'?` : "put hosts under 'hosts:' and variables under 'vars:'";
          this.ctx.errors.add(`${keyPath}: unknown group key: expected ${EXPECTED_GROUP_KEYS} (${hint})`, keyAt);
        }
      }
    }
  }

  private readHosts(group: GroupDef, node: unknown, path: string, at: SourcePosition): void {
    for (const { name, pair, keyAt } of this.namedEntries(node, path, at, 'host', 'a mapping from host names to host variables')) {
      const hostPath = `${path}.${name}`;
      const host = this.host(name, hostPath, keyAt);
      if (!group.hosts.includes(name)) group.hosts.push(name);
      const value = this.ctx.source.resolve(pair.value);
      if (isEmptyNode(value)) continue;
      if (!isMap(value)) {
        const expected = 'expected host variables (a mapping) or nothing';
        this.ctx.errors.add(`${hostPath}: ${expected}, got ${describeNode(value)}`, this.ctx.source.positionOf(value, keyAt));
        continue;
      }
      mergeVars(host.vars, this.readVars(value, hostPath, keyAt));
    }
  }

  private readChildren(group: GroupDef, node: unknown, path: string, at: SourcePosition): void {
    for (const { name, pair, keyAt } of this.namedEntries(node, path, at, 'group', 'a mapping from group names to groups')) {
      const childPath = `${path}.${name}`;
      if (!group.children.some((c) => c.name === name)) group.children.push({ name, path: childPath, position: keyAt });
      this.readGroup(name, pair.value, childPath, keyAt);
    }
  }

  /**
   * The entries of a `hosts` or `children` mapping whose keys are usable names;
   * reports a value that is not a mapping and every bad name.
   */
  private namedEntries(node: unknown, path: string, at: SourcePosition, kind: 'host' | 'group', expected: string) {
    const { source, errors } = this.ctx;
    const value = source.resolve(node);
    const entries: { name: string; pair: Pair; keyAt: SourcePosition }[] = [];
    if (isEmptyNode(value)) return entries;
    if (!isMap(value)) {
      errors.add(`${path}: expected ${expected}, got ${describeNode(value)}`, source.positionOf(value, at));
      return entries;
    }
    for (const pair of value.items) {
      const name = keyOf(pair, path, at, this.ctx);
      if (name === undefined) continue;
      const keyAt = source.positionOf(pair.key, at);
      const problem = (GROUP_KEYS as readonly string[]).includes(name)
        ? `'${name}' is a group key, not a ${kind} name: expected it one level up (check the indentation)`
        : nameProblem(name);
      if (problem) errors.add(`${path}.${name}: invalid ${kind} name: ${problem}`, keyAt);
      else entries.push({ name, pair, keyAt });
    }
    return entries;
  }

  private readVars(node: unknown, path: string, at: SourcePosition): VarTable {
    const { source, errors } = this.ctx;
    const value = source.resolve(node);
    if (isEmptyNode(value)) return new VarTable();
    if (!isMap(value)) {
      errors.add(`${path}: expected a mapping of variables, got ${describeNode(value)}`, source.positionOf(value, at));
      return new VarTable();
    }
    const written: WrittenVar[] = [];
    for (const pair of value.items) {
      const name = keyOf(pair, path, at, this.ctx);
      if (name === undefined) continue;
      const keyPosition = source.positionOf(pair.key, at);
      const valuePosition = source.positionOf(source.resolve(pair.value), keyPosition);
      const varPath = `${path}.${name}`;
      const site = { path: varPath, keyPosition, valuePosition, baseDir: this.baseDir, fromCommandLine: false };
      written.push({ name, value: valueOf(pair.value, varPath, keyPosition, this.ctx), site });
    }
    return readVariables(written, errors);
  }

  private readRoles(group: GroupDef, node: unknown, path: string, at: SourcePosition): void {
    const { source, errors } = this.ctx;
    const value = source.resolve(node);
    if (isEmptyNode(value)) return;
    if (!isSeq(value)) {
      return errors.add(`${path}: expected a list of role names, got ${describeNode(value)}`, source.positionOf(value, at));
    }
    value.items.forEach((item, i) => {
      const role = source.resolve(item);
      const position = source.positionOf(role, at);
      if (!isScalar(role) || typeof role.value !== 'string' || !isRoleName(role.value)) {
        errors.add(`${path}[${i}]: expected a role name (letters, digits, _ . -), got ${describeNode(role)}`, position);
      } else if (!group.roles.some((r) => r.name === role.value)) {
        group.roles.push({ name: role.value, position });
      }
    });
  }

  private group(name: string): GroupDef {
    let group = this.tree.groups.get(name);
    if (!group) {
      group = { name, vars: new VarTable(), roles: [], children: [], hosts: [] };
      this.tree.groups.set(name, group);
    }
    return group;
  }

  private host(name: string, path: string, position: SourcePosition): HostDef {
    let host = this.tree.hosts.get(name);
    if (!host) {
      host = { name, vars: new VarTable(), path, position };
      this.tree.hosts.set(name, host);
    }
    return host;
  }
}
