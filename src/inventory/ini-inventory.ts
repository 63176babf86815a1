/**
 * Ansible's INI inventory format (lib/ansible/plugins/inventory/ini.py):
 * `[group]` sections of host lines (`web[01:10] ansible_port=2222 x=1`),
 * `[group:vars]` sections of `key=value` lines and `[group:children]` sections
 * of group names; lines before any section are hosts of 'ungrouped'; `#` and
 * `;` start comments. Values are read as Python literals (`22` is a number,
 * `True` a boolean, `[1, 2]` a list), anything else stays the string written.
 * Errors never show a value: a line may hold a password.
 */
import type { SourcePosition } from '../errors.js';
import type { ErrorList } from '../yaml/error-list.js';
import { expandHostPattern, HostPatternError } from './host-pattern.js';
import type { GroupTree } from './model.js';
import { UNGROUPED, hostNameProblem, nameProblem } from './names.js';
import { pythonLiteral, PythonValueWithoutJson } from './python-literal.js';
import type { VarSite } from './variables.js';

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/;
const BOM = '\uFEFF';

/** A problem found by the INI reader, before its line is known. */
class IniProblem extends Error {
  constructor(
    message: string,
    readonly col = 1,
  ) {
    super(message);
  }
}

interface Pending {
  line: number;
  state: 'vars' | 'children';
  parents: string[];
}

/** Reads INI inventory text into `tree`; problems go to `errors` with file:line:col. */
export function readIniInventory(text: string, file: string, tree: GroupTree, baseDir: string, errors: ErrorList): void {
  if (text.startsWith(BOM)) {
    // Python's strip() keeps it: Ansible reads `\uFEFF[web]` as a host pattern and fails, or `\uFEFFweb01` as another host.
    errors.add(
      "the file starts with a UTF-8 byte order mark (BOM), which Ansible's INI inventory reader takes for part of the first line (it then fails, or reads a host of another name): save the file as UTF-8 without a BOM (in vim: set nobomb, then write)",
      { file, line: 1, col: 1 },
    );
    return;
  }
  const pending = new Map<string, Pending>();
  let group = UNGROUPED;
  let state: 'hosts' | 'vars' | 'children' = 'hosts';
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const indent = raw.length - raw.trimStart().length;
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const at = (col: number): SourcePosition => ({ file, line: lineNo, col: indent + col });
    try {
      const section = SECTION.exec(line);
      if (section) {
        group = section[1]!;
        const kind = section[2] ?? 'hosts';
        if (kind !== 'hosts' && kind !== 'vars' && kind !== 'children') throw new IniProblem(`section [${group}:${kind}] has an unknown type: expected [${group}], [${group}:vars] or [${group}:children]`);
        state = kind;
        const problem = nameProblem(group);
        if (problem) throw new IniProblem(`invalid group name '${group}': ${problem}`, 2);
        if (!tree.groups.has(group)) {
          if (state === 'vars' && !pending.has(group)) pending.set(group, { line: lineNo, state, parents: [] });
          tree.group(group);
        }
        const waiting = pending.get(group);
        if (waiting && state !== 'vars') {
          if (waiting.state === 'children') addPendingChildren(group, pending, tree, at(1));
          else pending.delete(group);
        }
        return;
      }
      if (line.startsWith('[') && line.endsWith(']')) throw new IniProblem('invalid section header: expected [group], [group:vars] or [group:children], with no spaces');
      if (state === 'hosts') readHostLine(line, group, tree, at, baseDir);
      else if (state === 'vars') readVarLine(line, group, tree, at, baseDir);
      else readChildLine(line, group, tree, pending, lineNo, at);
    } catch (err) {
      if (!(err instanceof IniProblem)) throw err;
      errors.add(err.message, at(err.col));
    }
  });
  for (const [name, decl] of pending) {
    const where = { file, line: decl.line, col: 1 };
    if (decl.state === 'vars') errors.add(`section [${name}:vars] is for a group that is not defined: expected a [${name}] section, or ${name} under some [group:children]`, where);
    else errors.add(`section [${decl.parents.at(-1)}:children] includes the group '${name}', which is not defined: expected a [${name}] or [${name}:children] section`, where);
  }
}

function addPendingChildren(group: string, pending: Map<string, Pending>, tree: GroupTree, at: SourcePosition): void {
  for (const parent of pending.get(group)?.parents ?? []) {
    tree.addChild(parent, { name: group, path: `${parent}.children.${group}`, position: at });
    if (pending.get(parent)?.state === 'children') addPendingChildren(parent, pending, tree, at);
  }
  pending.delete(group);
}

function readHostLine(line: string, group: string, tree: GroupTree, at: (col: number) => SourcePosition, baseDir: string): void {
  const tokens = shellWords(line);
  const [first, ...rest] = tokens;
  if (!first) return;
  if (first.text.trim() === '---') throw new IniProblem("'---' starts a YAML document: this file is neither valid YAML nor INI", first.col);
  let pattern;
  try {
    pattern = expandHostPattern(first.text);
  } catch (err) {
    if (err instanceof HostPatternError) throw new IniProblem(err.message, first.col);
    throw err;
  }
  if (first.text.trim().endsWith(':') && pattern.port === undefined) throw new IniProblem(`host pattern ends with ':': expected a port after it (web-01:2222)`, first.col);
  const vars = rest.map((token) => {
    const eq = token.text.indexOf('=');
    if (eq <= 0) throw new IniProblem(`expected key=value host variables after the host name, got a word without '='`, token.col);
    const name = token.text.slice(0, eq);
    return { name, ...iniValue(name, token.text.slice(eq + 1), token.col + eq + 1), col: token.col, valueCol: token.col + eq + 1 };
  });
  for (const name of pattern.names) {
    const problem = hostNameProblem(name);
    if (problem) {
      // `password:hunter2` where a host belongs is a misplaced variable: its value is not repeated.
      if (name.includes(':')) throw new IniProblem(`invalid host name (a word with ':' that is not host:port, shown only by its column): ${problem}; variables go after the host name as key=value, or under [group:vars]`, first.col);
      throw new IniProblem(`invalid host name '${name}': ${problem}`, first.col);
    }
    const path = `${group}.hosts.${name}`;
    const isNew = !tree.hosts.has(name);
    const host = tree.host(name, path, at(first.col), group);
    if (isNew && pattern.port !== undefined) host.vars.set('ansible_port', { name: 'ansible_port', value: pattern.port, site: site(`${path}.ansible_port`, at(first.col), at(first.col), baseDir) });
    for (const { name: key, col, valueCol, ...value } of vars) host.vars.set(key, { name: key, ...value, site: site(`${path}.${key}`, at(col), at(valueCol), baseDir) });
  }
}

function readVarLine(line: string, group: string, tree: GroupTree, at: (col: number) => SourcePosition, baseDir: string): void {
  const eq = line.indexOf('=');
  if (eq < 0) throw new IniProblem(`expected key=value in [${group}:vars], got a line without '='`);
  const name = line.slice(0, eq).trim();
  if (name === '') throw new IniProblem(`expected key=value in [${group}:vars], got nothing before '='`);
  const valueCol = eq + 2 + (line.slice(eq + 1).length - line.slice(eq + 1).trimStart().length);
  tree.group(group).vars.set(name, { name, ...iniValue(name, line.slice(eq + 1).trim(), valueCol), site: site(`${group}.vars.${name}`, at(1), at(valueCol), baseDir) });
}

function readChildLine(line: string, group: string, tree: GroupTree, pending: Map<string, Pending>, lineNo: number, at: (col: number) => SourcePosition): void {
  const child = GROUP_NAME.exec(line)?.[1];
  if (child === undefined) throw new IniProblem(`expected a group name in [${group}:children]`);
  const problem = nameProblem(child);
  if (problem) throw new IniProblem(`invalid group name '${child}': ${problem}`);
  if (tree.groups.has(child)) {
    tree.addChild(group, { name: child, path: `${group}.children.${child}`, position: at(1) });
    return;
  }
  const waiting = pending.get(child);
  if (waiting) waiting.parents.push(group);
  else pending.set(child, { line: lineNo, state: 'children', parents: [group] });
}

/** An INI value as Ansible reads it: a Python literal, else the text itself (and how Ansible prints it, when that differs). */
function iniValue(name: string, text: string, col: number): { value: unknown; printed?: unknown } {
  try {
    return pythonLiteral(text) ?? { value: text };
  } catch (err) {
    if (err instanceof PythonValueWithoutJson) throw new IniProblem(`${name}: ${err.message}`, col);
    throw err;
  }
}

function site(path: string, keyPosition: SourcePosition, valuePosition: SourcePosition, baseDir: string): VarSite {
  return { path, keyPosition, valuePosition, baseDir, fromCommandLine: false };
}

/** One word of a host line and the 1-based column where it starts. */
interface Word {
  text: string;
  col: number;
}

/** Python's shlex.split(line, comments=True) in POSIX mode: quotes and backslashes; `#` outside quotes ends the line, even inside a word (`x=a#b` is `x=a`). */
export function shellWords(line: string): Word[] {
  const words: Word[] = [];
  let current: Word | undefined;
  let i = 0;
  const push = (ch: string, at: number): void => {
    current ??= { text: '', col: at + 1 };
    current.text += ch;
  };
  while (i < line.length) {
    const ch = line[i]!;
    if (/\s/.test(ch)) {
      if (current) words.push(current);
      current = undefined;
      i++;
    } else if (ch === '#') {
      break;
    } else if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new IniProblem('no closing quotation in this host line', i + 1);
      current ??= { text: '', col: i + 1 };
      current.text += line.slice(i + 1, end);
      i = end + 1;
    } else if (ch === '"') {
      current ??= { text: '', col: i + 1 };
      let j = i + 1;
      for (;;) {
        if (j >= line.length) throw new IniProblem('no closing quotation in this host line', i + 1);
        const c = line[j]!;
        if (c === '"') break;
        if (c === '\\' && j + 1 < line.length && '\\"$`'.includes(line[j + 1]!)) {
          current.text += line[j + 1];
          j += 2;
        } else {
          current.text += c;
          j++;
        }
      }
      i = j + 1;
    } else if (ch === '\\') {
      if (i + 1 < line.length) push(line[i + 1]!, i);
      i += 2;
    } else {
      push(ch, i);
      i++;
    }
  }
  if (current) words.push(current);
  return words;
}
