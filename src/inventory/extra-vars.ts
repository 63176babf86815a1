import { isMap, isScalar, isSeq } from 'yaml';
import { UserError } from '../errors.js';
import type { ErrorList } from '../yaml/error-list.js';
import { parseYaml, readTextFile, type YamlSource } from '../yaml/yaml-source.js';
import type { WrittenVars } from './model.js';
import { isEmptyNode, type ReadContext } from './node-values.js';
import { readVariables, type VarTable } from './variables.js';
import { readVarsMapping } from './yaml-inventory.js';
import { VaultKeyring } from '../vault/passwords.js';
import { isVaultText } from '../vault/vault.js';

const EXPECTED = 'expected key=value pairs, a YAML or JSON mapping in { }, or @file.yaml';
// One key=value word: the value is bare, or quoted to hold spaces ("..." or '...').
const KEY_VALUE = /([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s"']*)(?=\s|$)/y;

/** One -e value as written: a YAML document (`@file`, or inline `{...}`), or key=value words (text values). */
type ExtraVarsPiece = { source: YamlSource; inline: boolean; vaulted?: boolean } | { words: Record<string, string> };

/** The -e values as written, in order; their values are read with the inventory (see checkExtraVars). */
export type ExtraVars = readonly ExtraVarsPiece[];

/**
 * Reads `-e` values as Ansible's load_extra_vars does: `@file.yaml` and a value
 * starting with `{` or `[` are YAML (read later as a vars file is), anything
 * else is key=value words, whose values stay text. A vault-encrypted file is
 * decrypted with `vault`'s passwords. Values are never echoed in errors: they
 * may be passwords.
 */
export function parseExtraVars(values: string[], vault = new VaultKeyring([])): ExtraVars {
  return values.map((value, i) => parseOne(value.trim(), `-e value ${i + 1}`, vault));
}

function parseOne(text: string, label: string, vault: VaultKeyring): ExtraVarsPiece {
  if (text.startsWith('@')) {
    const file = text.slice(1);
    const content = readTextFile(file, 'extra vars file');
    const vaulted = isVaultText(content);
    const opened = vaulted ? vault.decrypt(content) : { plaintext: Buffer.from(content) };
    if ('problem' in opened) throw new UserError(`extra vars file '${file}': ${opened.problem.replace(/^the value/, 'it')}`);
    const plaintext = opened.plaintext.toString('utf8');
    const source = parseYaml(plaintext, file, 'ansible');
    return { source: mappingSource(source, `extra vars file '${file}'`, plaintext), inline: false, ...(vaulted ? { vaulted } : {}) };
  }
  if (text === '') throw new UserError(`${label} is empty: ${EXPECTED}`);
  // Ansible refuses these too ("Please prepend extra_vars filename with '@'").
  if (text.startsWith('/') || text.startsWith('.')) throw new UserError(`${label}: a file name needs @ before it: expected -e @${text}`);
  if (text.startsWith('{') || text.startsWith('[')) return { source: mappingSource(parseYaml(text, '-e', 'ansible'), label, text), inline: true };
  return { words: keyValues(text, label) };
}

function mappingSource(source: YamlSource, label: string, text: string): YamlSource {
  const root = source.resolve(source.doc.contents);
  if (isEmptyNode(root) || isMap(root)) return source;
  throw new UserError(`${label}: ${EXPECTED}, got ${shapeOf(root, text)}`);
}

/**
 * What a -e document (`text`) that is no mapping holds, never quoting it (a dotenv file's passwords, the environment):
 * its kind and number of lines, as ansible-playbook says only that it "could not be made into a dictionary".
 */
function shapeOf(node: unknown, text: string): string {
  if (isSeq(node)) return 'a list';
  const value: unknown = isScalar(node) ? node.value : undefined;
  const kind = typeof value === 'string' ? 'a string' : typeof value === 'number' || typeof value === 'bigint' ? 'a number' : typeof value === 'boolean' ? 'a boolean' : 'a value';
  const lines = text.trimEnd().split('\n').length;
  return `${kind} of ${lines} line${lines === 1 ? '' : 's'} (not shown: it may hold secrets)`;
}

/** Ansible's parse_kv: a word without `=` (`k: v`, YAML without braces) is no variable to it, so it is refused. */
function keyValues(text: string, label: string): Record<string, string> {
  const entries: [string, string][] = [];
  let at = 0;
  for (let word = 1; at < text.length; word++) {
    KEY_VALUE.lastIndex = at;
    const match = KEY_VALUE.exec(text);
    if (!match) throw new UserError(`${label}, word ${word}: not key=value: ${EXPECTED} (quote values that hold spaces; YAML needs { } around it)`);
    entries.push([match[1]!, unquote(decodeEscapes(match[2]!))]);
    at = KEY_VALUE.lastIndex;
    while (/\s/.test(text[at] ?? '')) at++;
  }
  // fromEntries defines own properties, so a `__proto__` name stays a plain name.
  return Object.fromEntries(entries);
}

// Python's escapes that Ansible decodes in key=value words (parsing/splitter.py), quoted or not.
const ESCAPE = /\\(?:U([0-9a-fA-F]{8})|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|([\\'"abfnrtv]))/g;
const SINGLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

function decodeEscapes(value: string): string {
  return value.replace(ESCAPE, (_all, long?: string, short?: string, byte?: string, single?: string) => {
    const hex = long ?? short ?? byte;
    if (hex !== undefined) {
      const code = Number.parseInt(hex, 16);
      if (code > 0x10ffff) throw new UserError(`-e: \\U${hex} is no Unicode character: expected at most \\U0010ffff`);
      return String.fromCodePoint(code);
    }
    return SINGLE_ESCAPES[single!] ?? single!;
  });
}

/** Ansible's unquote: one pair of the same quotes around the whole value is removed. */
function unquote(value: string): string {
  return value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0] ? value.slice(1, -1) : value;
}

/**
 * Reads the -e values with the inventory's reader (YAML 1.1 as Ansible reads it, `!vault`, `!unsafe`,
 * `{ secret: ... }`), later ones overriding earlier ones, and checks them like any other scope (aliases, connection
 * value types, typos). Relative paths in connection values are resolved against the current directory, where the
 * command was typed.
 */
export function checkExtraVars(extraVars: ExtraVars, ctx: Omit<ReadContext, 'source'>, errors: ErrorList): { written: WrittenVars; table: VarTable } {
  const written: WrittenVars = new Map();
  const site = (name: string) => ({ path: `-e ${name}`, baseDir: process.cwd(), fromCommandLine: true });
  for (const piece of extraVars) {
    if ('words' in piece) {
      for (const [name, value] of Object.entries(piece.words)) written.set(name, { name, value, site: site(name) });
      continue;
    }
    const read: WrittenVars = new Map();
    const { source, inline, vaulted } = piece;
    readVarsMapping({ ...ctx, source, errors, ...(vaulted ? { vaulted } : {}) }, read, source.doc.contents, '-e', source.positionAt(0), process.cwd(), (name) => `-e ${name}`);
    // A position in an inline value (-e:1:9) says less than its name.
    for (const [name, one] of read) written.set(name, { ...one, site: inline ? { ...site(name), ...(one.site.literal ? { literal: one.site.literal } : {}) } : { ...one.site, ...site(name) } });
  }
  return { written, table: readVariables([...written.values()], errors) };
}
