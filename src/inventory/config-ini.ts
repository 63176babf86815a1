/**
 * ansible.cfg read as Ansible reads it: Python's configparser.ConfigParser with
 * `inline_comment_prefixes=(';',)` and its other defaults (lib/ansible/config/manager.py),
 * values taken raw (no `%` interpolation). Rules followed exactly:
 * - `#` or `;` first on a line (after spaces) makes it a comment; `;` after a space ends a value;
 * - `key = value` or `key: value`, split at the first `=` or `:`, key lowercased;
 * - a line indented more than its key's line continues the value (joined with a line
 *   break), blank lines inside a value are kept, trailing ones dropped;
 * - `[section]` (section names keep their case); `[DEFAULT]` gives values to every section;
 * - a duplicate section or key, a line before any section, or a line without `=` or `:` is an
 *   error, as Ansible's own ("Error reading config file"); so is a byte order mark, which configparser
 *   reads as text before the first section header. Pure.
 */
import { UserError, type SourcePosition } from '../errors.js';

/** One value, where its key is written. */
export interface IniValue {
  /** The value as configparser returns it (raw). */
  value: string;
  /** Where its key is written. */
  position: SourcePosition;
}

/** A read file: section → key → value; `[DEFAULT]` apart. */
export interface IniFile {
  sections: Map<string, Map<string, IniValue>>;
  defaults: Map<string, IniValue>;
}

/** The value configparser's `get(section, key, raw=True)` returns, if any: the section's own, else `[DEFAULT]`'s (only for a section that exists). */
export function iniValue(file: IniFile, section: string, key: string): IniValue | undefined {
  const own = file.sections.get(section);
  if (own === undefined) return undefined;
  return own.get(key) ?? file.defaults.get(key);
}

// Python's str.isspace() characters (JavaScript's \s adds U+FEFF, which Python keeps).
const SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const isSpace = (ch: string | undefined): boolean => ch !== undefined && new RegExp(`^[${SPACE}]$`).test(ch);
const strip = (text: string): string => text.replace(new RegExp(`^[${SPACE}]+|[${SPACE}]+$`, 'g'), '');
const SECTION = /^\[(.+)\]/s;
const OPTION = new RegExp(`^(.*?)[${SPACE}]*([=:])[${SPACE}]*(.*)$`, 's');

const DEFAULT_SECTION = 'DEFAULT';
const BOM = '\uFEFF';

/** Reads the text of an ansible.cfg; `file` names it in errors. */
export function readIni(text: string, file: string): IniFile {
  if (text.startsWith(BOM)) {
    throw new UserError('the file starts with a UTF-8 byte order mark (BOM), which Ansible refuses too (it reads it as text before the first [section] header): save the file as UTF-8 without a BOM (in vim: set nobomb, then write)', { file, line: 1, col: 1 });
  }
  const result: IniFile = { sections: new Map(), defaults: new Map() };
  const parts = new Map<Map<string, IniValue>, Map<string, string[]>>();
  let section: Map<string, IniValue> | undefined;
  let sectionName = '';
  let key: string | undefined;
  let indent = Number.MAX_SAFE_INTEGER;
  const lines = text.split('\n');
  const keys = new Set<string>();
  for (const [index, line] of lines.entries()) {
    const at = (col: number): SourcePosition => ({ file, line: index + 1, col });
    const content = strip(line.slice(0, commentStart(line)));
    if (content === '') {
      // A blank line inside a value is part of it (configparser's empty_lines_in_values); a comment line is not.
      if (commentStart(line) === line.length && section && key !== undefined) parts.get(section)!.get(key)!.push('');
      continue;
    }
    const lineIndent = line.search(new RegExp(`[^${SPACE}]`));
    if (section && key !== undefined && lineIndent > indent) {
      parts.get(section)!.get(key)!.push(content);
      continue;
    }
    indent = lineIndent;
    const header = SECTION.exec(content);
    if (header) {
      sectionName = header[1]!;
      // configparser refuses a second [x], but not a second [DEFAULT] (its keys still may not repeat).
      if (sectionName === DEFAULT_SECTION) section = result.defaults;
      else {
        if (result.sections.has(sectionName)) throw new UserError(`section [${sectionName}] is already written above: Ansible refuses a duplicate section`, at(lineIndent + 1));
        section = new Map();
        result.sections.set(sectionName, section);
      }
      parts.set(section, parts.get(section) ?? new Map());
      key = undefined;
      continue;
    }
    if (!section) throw new UserError('expected a [section] header before any setting (Ansible refuses the file too)', at(lineIndent + 1));
    const option = OPTION.exec(content);
    const name = option ? option[1]!.toLowerCase() : '';
    if (!option || name === '') throw new UserError(`expected 'key = value' (Ansible refuses the file too), got ${JSON.stringify(content)}`, at(lineIndent + 1));
    if (keys.has(`${sectionName}\0${name}`)) throw new UserError(`'${name}' is already set above in [${sectionName}]: Ansible refuses a duplicate key`, at(lineIndent + 1));
    keys.add(`${sectionName}\0${name}`);
    key = name;
    section.set(name, { value: '', position: at(lineIndent + 1) });
    parts.get(section)!.set(name, [strip(option[3]!)]);
  }
  for (const [target, values] of parts) {
    for (const [name, lines] of values) target.get(name)!.value = lines.join('\n').replace(new RegExp(`[${SPACE}]+$`), '');
  }
  return result;
}

/** Where a comment starts on a line (its length when none): a line starting with `#` or `;`, or `;` after a space. */
function commentStart(line: string): number {
  const first = strip(line)[0];
  if (first === '#' || first === ';') return 0;
  for (let i = line.indexOf(';'); i >= 0; i = line.indexOf(';', i + 1)) {
    if (i === 0 || isSpace(line[i - 1])) return i;
  }
  return line.length;
}
