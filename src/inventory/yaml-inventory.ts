import { isMap, isScalar, isSeq, type Pair } from 'yaml';
import type { SourcePosition } from '../errors.js';
import { closest, editDistance } from '../suggest.js';
import { expandHostPattern, HostPatternError } from './host-pattern.js';
import type { GroupDef, GroupTree, WrittenVars } from './model.js';
import { describeNode, isEmptyNode, keyOf, literalMarkOf, mappingPairs, printedValueOf, valueOf, type ReadContext } from './node-values.js';
import { ALL, GROUP_KEYS, hostNameProblem, isRoleName, nameProblem } from './names.js';
import { VAULT_TAG } from '../yaml/yaml-source.js';

const EXPECTED_GROUP_KEYS = `${GROUP_KEYS.slice(0, -1).join(', ')} or ${GROUP_KEYS.at(-1)}`;

/**
 * Reads a YAML inventory document into `tree`, as Ansible's yaml inventory
 * plugin does: every top-level key is a group (`all` among them) with `hosts`,
 * `children` and `vars` (and provision's `roles`); host keys are patterns with
 * ranges and ports. Every problem is reported to ctx.errors and reading goes
 * on, so the user sees all of them at once.
 */
/**
 * How to get a static inventory from a plugin or script. ansible-inventory writes the values of the group_vars/ and
 * host_vars/ beside its source into what it prints, vault-encrypted files decrypted: run it where there are none.
 */
export const EXPORT_HINT =
  'export a static one with `ansible-inventory -i FILE --list --yaml > static.yml` where no group_vars/ or host_vars/ are beside FILE (their values would be written into it, vault-encrypted files decrypted): keep those beside static.yml';

/** Why a host or group name YAML reads as a number or boolean (`1234:`, `true:`) is refused, as Ansible's yaml plugin refuses it. */
function notTextKey(pair: Pair, kind: 'host' | 'group', ctx: ReadContext): string | undefined {
  const key = ctx.source.resolve(pair.key);
  if (!isScalar(key) || typeof key.value === 'string') return undefined;
  const kindOfValue = typeof key.value === 'boolean' ? 'a boolean' : Number.isInteger(key.value) ? 'an integer' : 'a number';
  return `YAML reads it as ${kindOfValue}, which Ansible refuses as a ${kind} name: expected it quoted ('${String(key.source ?? key.value)}')`;
}

/** The name a plain text stands for where Ansible's yaml plugin expects a mapping of names (it reads `hosts: web01` as `hosts: { web01: }`). */
function singleName(node: unknown): string | undefined {
  return isScalar(node) && typeof node.value === 'string' && node.tag !== VAULT_TAG ? node.value : undefined;
}

export function readYamlInventory(ctx: ReadContext, tree: GroupTree, baseDir: string): void {
  new YamlInventoryReader(ctx, tree, baseDir).readRoot();
}

class YamlInventoryReader {
  constructor(
    private readonly ctx: ReadContext,
    readonly tree: GroupTree,
    private readonly baseDir: string,
  ) {}

  readRoot(): void {
    const { source, errors } = this.ctx;
    const start = source.positionAt(0);
    const root = source.resolve(source.doc.contents);
    const expected = `expected a mapping of groups, such as '${ALL}:' with hosts, children and vars`;
    if (isEmptyNode(root)) return errors.add(`the inventory is empty: ${expected}`, start);
    if (!isMap(root)) return errors.add(`top level: ${expected}, got ${describeNode(root)}`, source.positionOf(root, start));
    // Like Ansible's yaml plugin, a file with a top-level `plugin:` is the configuration of an inventory plugin as a whole.
    const plugin = root.items.find((pair) => isScalar(pair.key) && pair.key.value === 'plugin');
    if (plugin) {
      const name = source.resolve(plugin.value);
      const named = isScalar(name) && typeof name.value === 'string' ? ` '${name.value}'` : '';
      return errors.add(`plugin: this is the configuration of the Ansible inventory plugin${named}, which provision does not run: expected a static inventory (${EXPORT_HINT})`, source.positionOf(plugin.key, start));
    }
    for (const pair of root.items) {
      const key = keyOf(pair, 'top level', start, this.ctx);
      const at = source.positionOf(pair.key, start);
      if (key === undefined) continue;
      const notText = notTextKey(pair, 'group', this.ctx);
      if (notText !== undefined) {
        errors.add(`${key}: invalid group name: ${notText}`, at);
      } else if (key !== ALL && key.toLowerCase() !== ALL && editDistance(key.toLowerCase(), ALL) <= 1) {
        // A group named one letter away from 'all' is a typo far more often than a real group.
        errors.add(`${key}: unknown top-level group: did you mean '${ALL}'? (rename the group if it is meant)`, at);
      } else {
        this.readGroup(key, pair.value, key, at);
      }
    }
  }

  private readGroup(name: string, node: unknown, path: string, at: SourcePosition): void {
    const problem = nameProblem(name);
    if (problem) return this.ctx.errors.add(`${path}: invalid group name: ${problem}`, at);
    const group = this.tree.group(name);
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
          this.readGroupVars(group, pair.value, keyPath, keyAt);
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
    for (const { name: pattern, valueNode, keyAt } of this.namedEntries(node, path, at, 'host', 'a mapping from host names to host variables', true)) {
      const hostPath = `${path}.${pattern}`;
      let expanded;
      try {
        expanded = expandHostPattern(pattern);
      } catch (err) {
        if (!(err instanceof HostPatternError)) throw err;
        this.ctx.errors.add(`${hostPath}: ${err.message}`, keyAt);
        continue;
      }
      const value = this.ctx.source.resolve(valueNode);
      const hasVars = !isEmptyNode(value);
      if (hasVars && !isMap(value)) {
        const expected = 'expected host variables (a mapping) or nothing';
        this.ctx.errors.add(`${hostPath}: ${expected}, got ${describeNode(value)}`, this.ctx.source.positionOf(value, keyAt));
        continue;
      }
      for (const name of expanded.names) {
        const problem = hostNameProblem(name);
        if (problem) {
          this.ctx.errors.add(`${hostPath}: invalid host name: ${problem}`, keyAt);
          continue;
        }
        const isNew = !this.tree.hosts.has(name);
        const host = this.tree.host(name, hostPath, keyAt, group.name);
        if (isNew && expanded.port !== undefined) {
          host.vars.set('ansible_port', { name: 'ansible_port', value: expanded.port, site: this.site(`${hostPath}.ansible_port`, keyAt, keyAt) });
        }
        if (hasVars) this.readVars(host.vars, value, hostPath, keyAt);
      }
    }
  }

  private readChildren(group: GroupDef, node: unknown, path: string, at: SourcePosition): void {
    for (const { name, valueNode, keyAt } of this.namedEntries(node, path, at, 'group', 'a mapping from group names to groups')) {
      const childPath = `${path}.${name}`;
      this.readGroup(name, valueNode, childPath, keyAt);
      this.tree.addChild(group.name, { name, path: childPath, position: keyAt });
    }
  }

  /**
   * The entries of a `hosts` or `children` mapping whose keys are usable names;
   * reports a value that is not a mapping and every bad name. A text instead of
   * the mapping is one name without a value, as Ansible's yaml plugin reads it
   * (`hosts: web01`, `children: web`).
   */
  private namedEntries(node: unknown, path: string, at: SourcePosition, kind: 'host' | 'group', expected: string, patterns = false) {
    const { source, errors } = this.ctx;
    const value = source.resolve(node);
    const entries: { name: string; valueNode: unknown; keyAt: SourcePosition }[] = [];
    const add = (name: string, valueNode: unknown, keyAt: SourcePosition, notText?: string): void => {
      const problem = notText ?? ((GROUP_KEYS as readonly string[]).includes(name)
        ? `'${name}' is a group key, not a ${kind} name: expected it one level up (check the indentation)`
        : patterns
          ? undefined
          : nameProblem(name));
      if (problem) errors.add(`${path}.${name}: invalid ${kind} name: ${problem}`, keyAt);
      else entries.push({ name, valueNode, keyAt });
    };
    if (isEmptyNode(value)) return entries;
    const single = singleName(value);
    if (single !== undefined) {
      add(single, null, source.positionOf(value, at));
      return entries;
    }
    if (!isMap(value)) {
      errors.add(`${path}: expected ${expected}, got ${describeNode(value)}`, source.positionOf(value, at));
      return entries;
    }
    for (const pair of value.items) {
      const name = keyOf(pair, path, at, this.ctx);
      if (name !== undefined) add(name, pair.value, source.positionOf(pair.key, at), notTextKey(pair, kind, this.ctx));
    }
    return entries;
  }

  /** A group's `vars`: a mapping, or a text naming one variable without a value (`vars: maintenance`), as Ansible's yaml plugin reads it. */
  private readGroupVars(group: GroupDef, node: unknown, path: string, at: SourcePosition): void {
    const value = this.ctx.source.resolve(node);
    const single = singleName(value);
    if (single === undefined) return this.readVars(group.vars, node, path, at);
    const position = this.ctx.source.positionOf(value, at);
    group.vars.set(single, { name: single, value: null, site: this.site(`${path}.${single}`, position, position) });
  }

  /** Reads a mapping of variables into `into` (a later definition of a name replaces an earlier one). */
  private readVars(into: WrittenVars, node: unknown, path: string, at: SourcePosition): void {
    readVarsMapping(this.ctx, into, node, path, at, this.baseDir);
  }

  private site(path: string, keyPosition: SourcePosition, valuePosition: SourcePosition) {
    return { path, keyPosition, valuePosition, baseDir: this.baseDir, fromCommandLine: false };
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
}

/** Reads a YAML mapping of variables (a group's `vars`, a host's entry, a vars file, -e) into `into`, names as written; `pathOf` names one for messages. */
export function readVarsMapping(
  ctx: ReadContext,
  into: WrittenVars,
  node: unknown,
  path: string,
  at: SourcePosition,
  baseDir: string,
  pathOf = (name: string): string => (path === '' ? name : `${path}.${name}`),
): void {
  const { source, errors } = ctx;
  const value = source.resolve(node);
  if (isEmptyNode(value)) return;
  if (!isMap(value)) {
    errors.add(`${path}: expected a mapping of variables, got ${describeNode(value)}`, source.positionOf(value, at));
    return;
  }
  for (const pair of mappingPairs(value, ctx)) {
    const name = keyOf(pair, path, at, ctx);
    if (name === undefined) continue;
    const keyPosition = source.positionOf(pair.key, at);
    const valuePosition = source.positionOf(source.resolve(pair.value), keyPosition);
    const varPath = pathOf(name);
    const site = { path: varPath, keyPosition, valuePosition, baseDir, fromCommandLine: false, literal: literalMarkOf(pair.value, ctx) };
    const read = valueOf(pair.value, varPath, keyPosition, ctx);
    const printed = printedValueOf(pair.value, read, ctx);
    into.set(name, { name, value: read, ...(printed === read ? {} : { printed }), site });
  }
}
