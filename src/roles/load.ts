import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import { UserError, UserErrors, type SourcePosition } from '../errors.js';
import { resourceTypes } from '../resources/index.js';
import { statusCheckTypes } from '../status/checks/index.js';
import { ArgError, type AnyResourceType } from '../resources/types.js';
import { closest } from '../suggest.js';
import { CHECK_KINDS, checkOf, type VariableCheck } from './checks.js';
import { checkBalancesBlock, checkServeBlock } from './rolling.js';
import { parseYaml, readTextFile, type YamlSource } from '../yaml/yaml-source.js';
import { controlStateDir } from '../control/state-dir.js';
import { programIdentity, RoleCache, roleCacheFile } from './role-cache.js';

/** One resource (or handler) as written in role.yaml, before rendering. */
export interface Declaration {
  /** Resource type name, e.g. "file". */
  type: string;
  /** The type's arguments as written (strings may hold Handlebars). */
  args: Record<string, unknown>;
  /** The optional `name:` (a handler's name is how it is notified). */
  name?: string;
  /** `tags:`; the role's name is an implicit tag. */
  tags: string[];
  /** `when:` as written; undefined = always. */
  when?: unknown;
  /** Handler names this declaration notifies when it changes something. */
  notify: string[];
  /** `early: true`: applied before its round's package installs (it needs nothing they bring). */
  early?: boolean;
  /** `warn:` a warning plan and apply print before it changes something on a host (a change that interrupts serving). */
  warn?: Warning;
  /** Where the declaration's type key is. */
  position: SourcePosition;
  /** Where each argument key is, so a bad argument is reported at its own line. */
  argPositions: Record<string, SourcePosition>;
}

/** A resource's `warn:`: `TEXT`, or `{ text: TEXT, toggles: NEEDLE }` to warn only of a change that makes a line equal to NEEDLE appear in or vanish from what is in place. */
export interface Warning {
  /** What plan and apply print, as written (not a template). */
  text: string;
  /** As written, one line: the warning is for a change that toggles whether a line of the resource's content, trimmed, is this text (its type's `toggles`). */
  toggles?: string;
}

/** A loaded role. */
export interface Role {
  /** Role name (its directory name). */
  name: string;
  /** The role's directory. */
  dir: string;
  /** defaults.yaml: the lowest-precedence variables. */
  defaults: Record<string, unknown>;
  /** Resources in order. */
  resources: Declaration[];
  /** Handlers by name. */
  handlers: Map<string, Declaration>;
  /** Roles that run before this one on the same host (`depends:`), each with where it is named. */
  depends: Array<{ name: string; position: SourcePosition }>;
  /** What some of the variables it uses must be (`checks:`). */
  checks: VariableCheck[];
  /** Variables whose value must differ between its hosts that give another variable the same value (`unique:`). */
  unique: UniqueVariable[];
  /** `serve:`: how its hosts serve traffic (health check, changes that interrupt serving), for rolling deploys. */
  serve?: RoleBlock;
  /** `balances:`: the hosts a load balancer role routes to, and how to drain and undrain one. */
  balances?: RoleBlock;
  /** What `provision status` checks on its hosts (`status:`), in order. */
  status: Declaration[];
}

/** `unique: { mysql_server_id: mysql_group }`: no two hosts of the role with the same `among` have the same `variable`. */
export interface UniqueVariable {
  variable: string;
  among: string;
  /** Where it is declared. */
  position: SourcePosition;
}

/** A mapping of role.yaml rendered per host, with where each key (and `key.subkey`) is written. */
export interface RoleBlock {
  /** The mapping as written (strings may hold Handlebars). */
  value: Record<string, unknown>;
  /** Where the block's key is. */
  position: SourcePosition;
  /** Where each key and nested key (`health.url`) is. */
  keyPositions: Record<string, SourcePosition>;
}

const DECLARATION_KEYS = ['name', 'tags', 'when', 'notify'];
/** A resource may also be `early` and `warn`; a handler runs after everything and may not. */
const RESOURCE_KEYS = [...DECLARATION_KEYS, 'early', 'warn'];
const ROLE_KEYS = ['description', 'depends', 'checks', 'unique', 'resources', 'handlers', 'serve', 'balances', 'status'];

/** Finds `name` in the roles directories (first match wins) and loads it; `ref` is where the inventory named it. */
export function loadRole(name: string, rolesDirs: string[], ref: SourcePosition): Role {
  const dir = rolesDirs.map((d) => join(d, name)).find((d) => existsSync(join(d, 'role.yaml')));
  if (!dir) {
    const known = rolesDirs.flatMap((d) => (existsSync(d) ? listDirs(d) : []));
    const hint = closest(name, known);
    throw new UserError(`role '${name}' not found${hint ? `; did you mean '${hint}'?` : ''} (looked in ${rolesDirs.join(', ')})`, ref);
  }
  return roles.get(dir, () => readRole(name, dir));
}

/** Kept between runs in the state directory (see role-cache.ts). */
const roles = new RoleCache(() => roleCacheFile(controlStateDir()), programIdentity);

/** Writes the parsed-roles cache when this run parsed a role. */
export function saveRoleCache(): void {
  roles.save();
}

/** Parses and checks the role in `dir`. */
function readRole(name: string, dir: string): Role {
  const source = readYaml(join(dir, 'role.yaml'), 'role file');
  const errors: UserError[] = [];
  const root = source.doc.contents;
  if (!isMap(root)) throw new UserError(`role '${name}': expected a mapping with 'resources' and 'handlers'`, at(source, root));
  checkKeys(root, ROLE_KEYS, 'role', source, errors);
  const resources = readDeclarations(root.get('resources', true) as Node | undefined, source, errors, 'resources');
  const handlerList = readDeclarations(root.get('handlers', true) as Node | undefined, source, errors, 'handlers');
  const status = readDeclarations(root.get('status', true) as Node | undefined, source, errors, 'status');
  const handlers = new Map(handlerList.map((h) => [h.name!, h]));
  for (const decl of [...resources, ...handlerList]) {
    for (const target of decl.notify) {
      if (!handlers.has(target)) {
        const hint = closest(target, [...handlers.keys()]);
        errors.push(new UserError(`notify: no handler named '${target}' in role '${name}'${hint ? `; did you mean '${hint}'?` : ''}`, decl.position));
      }
    }
  }
  if (errors.length) throw new UserErrors(errors);
  const depends = readDepends(root.get('depends', true) as Node | undefined, source, errors);
  const checks = readChecks(root.get('checks', true) as Node | undefined, source, errors);
  const unique = readUnique(root.get('unique', true) as Node | undefined, source, errors);
  const names = [...handlers.keys(), ...resources.flatMap((r) => (r.name === undefined ? [] : [r.name]))];
  const serve = readBlock(root, 'serve', source, errors, (block) => checkServeBlock(block, names));
  const balances = readBlock(root, 'balances', source, errors, checkBalancesBlock);
  if (errors.length) throw new UserErrors(errors);
  return { name, dir, defaults: readDefaults(join(dir, 'defaults.yaml')), resources, handlers, depends, checks, unique, status, ...(serve ? { serve } : {}), ...(balances ? { balances } : {}) };
}

/** A mapping under `key` (serve, balances), checked by `check` (which throws ArgError naming the bad key). */
function readBlock(root: YAMLMap, key: string, source: YamlSource, errors: UserError[], check: (block: Record<string, unknown>) => void): RoleBlock | undefined {
  const pair = root.items.find((p) => String(p.key) === key);
  if (!pair || isEmptyValue(pair.value)) return undefined;
  const position = at(source, pair.key);
  if (!isMap(pair.value)) {
    errors.push(new UserError(`${key}: expected a mapping`, at(source, pair.value)));
    return undefined;
  }
  const keyPositions: Record<string, SourcePosition> = {};
  for (const item of pair.value.items) {
    keyPositions[String(item.key)] = at(source, item.key);
    if (isMap(item.value)) for (const sub of item.value.items) keyPositions[`${String(item.key)}.${String(sub.key)}`] = at(source, sub.key);
  }
  const block: RoleBlock = { value: pair.value.toJS(source.doc, { maxAliasCount: 100 }) as Record<string, unknown>, position, keyPositions };
  try {
    check(block.value);
  } catch (err) {
    if (!(err instanceof ArgError)) throw err;
    errors.push(new UserError(`${key}: ${err.message}`, blockPosition(block, err.key)));
    return undefined;
  }
  return block;
}

/** Where a key of a block is written (the nearest written parent for a key that is not). */
export function blockPosition(block: RoleBlock, key: string | undefined): SourcePosition {
  if (key === undefined) return block.position;
  return block.keyPositions[key] ?? block.keyPositions[key.split('.')[0]!] ?? block.position;
}

function isEmptyValue(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null);
}

function readChecks(node: Node | undefined, source: YamlSource, errors: UserError[]): VariableCheck[] {
  if (node === undefined || (isScalar(node) && node.value === null)) return [];
  const expected = `expected a mapping from variable names to one of ${CHECK_KINDS.join(', ')} (a trailing ? also allows nothing), or a list of the allowed values`;
  if (!isMap(node)) {
    errors.push(new UserError(`checks: ${expected}`, at(source, node)));
    return [];
  }
  const checks: VariableCheck[] = [];
  for (const pair of node.items) {
    const variable = String(pair.key);
    const spec: unknown = isScalar(pair.value) ? pair.value.value : isSeq(pair.value) ? pair.value.toJSON() : undefined;
    const check = checkOf(spec);
    if (check !== undefined) {
      checks.push({ variable, check, spec });
      continue;
    }
    const hint = typeof spec === 'string' ? closest(spec.replace(/\?$/, ''), CHECK_KINDS) : undefined;
    errors.push(new UserError(`checks.${variable}: ${expected}${hint ? `; did you mean '${hint}'?` : ''}`, at(source, pair.value ?? pair.key)));
  }
  return checks;
}

function readUnique(node: Node | undefined, source: YamlSource, errors: UserError[]): UniqueVariable[] {
  if (node === undefined || (isScalar(node) && node.value === null)) return [];
  const bad = isMap(node) ? node.items.find((pair) => !isScalar(pair.value) || typeof pair.value.value !== 'string')?.value : node;
  if (bad !== undefined || !isMap(node)) {
    errors.push(new UserError('unique: expected a mapping from a variable to the variable whose hosts it is unique among (mysql_server_id: mysql_group)', at(source, bad ?? node)));
    return [];
  }
  const pairs = node.items;
  return pairs.map((pair) => ({ variable: String(pair.key), among: String((pair.value as { value: string }).value), position: at(source, pair.key) }));
}

function readDepends(node: Node | undefined, source: YamlSource, errors: UserError[]): Role['depends'] {
  if (node === undefined || (isScalar(node) && node.value === null)) return [];
  if (isSeq(node) && node.items.every((item) => isScalar(item) && typeof item.value === 'string')) {
    return node.items.map((item) => ({ name: String((item as { value: string }).value), position: at(source, item) }));
  }
  errors.push(new UserError('depends: expected a list of role names', at(source, node)));
  return [];
}

function readYaml(file: string, what: string): YamlSource {
  return parseYaml(readTextFile(file, what), file);
}

/** Where a node starts (the file's start for a node without a range). */
function at(source: YamlSource, node: unknown): SourcePosition {
  return source.positionOf(node, source.positionAt(0));
}

function listDirs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
}

function readDefaults(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  const source = readYaml(file, 'defaults file');
  const root = source.doc.contents;
  if (root === null) return {};
  if (!isMap(root)) throw new UserError('defaults.yaml: expected a mapping of variable names to values', at(source, root));
  return source.doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
}

/** What each list of a role declares: the kinds it takes and the keys beside the kind. */
const SECTIONS = {
  resources: { kinds: resourceTypes, keys: RESOURCE_KEYS, example: '{ file: { path: ... } }', kindName: 'resource type' },
  handlers: { kinds: resourceTypes, keys: DECLARATION_KEYS, example: '{ file: { path: ... } }', kindName: 'resource type' },
  status: { kinds: statusCheckTypes, keys: ['name', 'when'], example: '{ nginx_requests: { url: ... } }', kindName: 'status check' },
} as const;

function readDeclarations(node: Node | undefined, source: YamlSource, errors: UserError[], what: keyof typeof SECTIONS): Declaration[] {
  if (node === undefined || (isScalar(node) && node.value === null)) return [];
  if (!isSeq(node)) {
    errors.push(new UserError(`${what}: expected a list of ${SECTIONS[what].kindName} declarations`, at(source, node)));
    return [];
  }
  const out: Declaration[] = [];
  node.items.forEach((item, index) => {
    const decl = readDeclaration(item as Node, `${what}[${index}]`, source, errors, SECTIONS[what]);
    if (!decl) return;
    if (what === 'handlers' && !decl.name) errors.push(new UserError(`${what}[${index}]: a handler needs a 'name:' to be notified by`, decl.position));
    else out.push(decl);
  });
  return out;
}

function readDeclaration(node: Node, path: string, source: YamlSource, errors: UserError[], section: (typeof SECTIONS)[keyof typeof SECTIONS]): Declaration | undefined {
  if (!isMap(node)) {
    errors.push(new UserError(`${path}: expected a mapping like '${section.example}'`, at(source, node)));
    return undefined;
  }
  const kinds: Record<string, unknown> = section.kinds;
  const declarationKeys: readonly string[] = section.keys;
  const typeNames = Object.keys(kinds);
  let typePair: Pair | undefined;
  for (const pair of node.items) {
    const key = String(pair.key);
    if (declarationKeys.includes(key)) continue;
    if (key in kinds && !typePair) {
      typePair = pair;
      continue;
    }
    const hint = closest(key, [...typeNames, ...declarationKeys]);
    const why = key in kinds ? `a declaration has exactly one ${section.kindName}` : `unknown key '${key}'${hint ? `; did you mean '${hint}'?` : ''}`;
    errors.push(new UserError(`${path}: ${why} (${section.kindName}s: ${typeNames.join(', ')})`, at(source, pair.key as Node)));
  }
  if (!typePair) {
    errors.push(new UserError(`${path}: no ${section.kindName}; expected one of ${typeNames.join(', ')}`, at(source, node)));
    return undefined;
  }
  const plain = node.toJS(source.doc, { maxAliasCount: 100 }) as Record<string, unknown>;
  const type = String(typePair.key);
  const argsNode = typePair.value as Node | null;
  const args = plain[type] ?? {};
  if (!isMap(argsNode) && argsNode !== null && !(isScalar(argsNode) && argsNode.value === null)) {
    errors.push(new UserError(`${path}.${type}: expected a mapping of arguments`, at(source, argsNode)));
    return undefined;
  }
  return {
    type,
    args: args as Record<string, unknown>,
    name: plain.name === undefined ? undefined : String(plain.name),
    tags: listOfStrings(plain.tags, `${path}.tags`, node, source, errors),
    when: plain.when,
    notify: listOfStrings(plain.notify, `${path}.notify`, node, source, errors),
    early: earlyFlag(plain.early, `${path}.early`, node, source, errors),
    warn: warning(plain.warn, resourceTypes[type], `${path}.warn`, node, source, errors),
    position: at(source, typePair.key as Node),
    argPositions: isMap(argsNode) ? argPositionsOf(argsNode, source) : {},
  };
}

function argPositionsOf(map: YAMLMap, source: YamlSource): Record<string, SourcePosition> {
  return Object.fromEntries(map.items.map((pair) => [String(pair.key), at(source, pair.key as Node)]));
}

function earlyFlag(value: unknown, path: string, node: YAMLMap, source: YamlSource, errors: UserError[]): boolean {
  if (value === undefined || value === null || typeof value === 'boolean') return value === true;
  errors.push(new UserError(`${path}: expected true or false`, at(source, node.get('early', true) as Node)));
  return false;
}

function warning(value: unknown, kind: AnyResourceType | undefined, path: string, node: YAMLMap, source: YamlSource, errors: UserError[]): Warning | undefined {
  if (value === undefined) return undefined;
  const where = node.get('warn', true) as Node;
  if (isText(value)) return { text: value };
  const { text, toggles, ...rest } = (typeof value === 'object' && value !== null && !Array.isArray(value) ? value : { text: null }) as Record<string, unknown>;
  const unknownKey = Object.keys(rest)[0];
  if (unknownKey !== undefined) errors.push(new UserError(`${path}: unknown key '${unknownKey}' (expected text, toggles)`, at(source, keyNode(where, unknownKey))));
  else if (!isText(text)) errors.push(new UserError(`${path}: expected a warning's text, or a mapping of its text and what its change toggles ({ text: TEXT, toggles: TEXT })`, at(source, where)));
  else if (toggles === undefined) return { text };
  else if (!isText(toggles)) errors.push(new UserError(`${path}.toggles: expected the text whose appearing or vanishing the warning is for`, at(source, keyNode(where, 'toggles'))));
  // A line of the content is compared trimmed: a needle of several lines or with blanks around it would never match, and never warn.
  else if (toggles.includes('\n') || toggles.trim() !== toggles) errors.push(new UserError(`${path}.toggles: expected one whole line of the content, without blanks around it (a line that, trimmed, equals it)`, at(source, keyNode(where, 'toggles'))));
  else if (!canTellToggles(kind)) errors.push(new UserError(`${path}.toggles: this resource type cannot tell what its change toggles (types that can: ${Object.values(resourceTypes).filter(canTellToggles).map((t) => t.name).join(', ')})`, at(source, keyNode(where, 'toggles'))));
  else return { text, toggles };
  return undefined;
}

/** Whether a resource type decides what its change toggles (`warn: { toggles }`): the one test for accepting it and for listing those that can. */
function canTellToggles(type: AnyResourceType | undefined): boolean {
  return typeof type?.toggles === 'function';
}

/** Where `key` is written in a mapping node, else the node. */
function keyNode(node: Node, key: string): Node {
  return (isMap(node) && (node.items.find((pair) => String(pair.key) === key)?.key as Node | undefined)) || node;
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function listOfStrings(value: unknown, path: string, node: YAMLMap, source: YamlSource, errors: UserError[]): string[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  if (list.every((v) => typeof v === 'string')) return list as string[];
  errors.push(new UserError(`${path}: expected a name or a list of names`, at(source, node.get(path.split('.').pop()!, true) as Node)));
  return [];
}

function checkKeys(map: YAMLMap, known: string[], what: string, source: YamlSource, errors: UserError[]): void {
  for (const pair of map.items) {
    const key = String(pair.key);
    if (known.includes(key)) continue;
    const hint = closest(key, known);
    errors.push(new UserError(`${what}: unknown key '${key}'${hint ? `; did you mean '${hint}'?` : ''} (expected ${known.join(', ')})`, at(source, pair.key as Node)));
  }
}
