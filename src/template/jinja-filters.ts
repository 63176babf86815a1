/** The Jinja2 and Ansible filters of the subset, with Python's semantics (see python-values.ts). Pure. */
import { JinjaError } from './jinja-error.js';
import { PythonFloat } from '../inventory/python-float.js';
import { jsonIndent, pythonJson } from './python-json.js';
import { exactInteger, floatOf, intOf, jinjaRound, pythonNumber } from './python-numbers.js';
import { itemOf, list, numberOperand, plain, pythonOrder, sameValue, text, truthy, typeName, UNDEFINED, type Value } from './python-values.js';

type Filter = (value: Value, args: Value[]) => Value;

/** Jinja2's key of an item for sort, min, max, unique: the item or its `attribute` (a dotted path), text lower-cased unless case_sensitive. */
function itemKey(item: Value, caseSensitive: Value, attribute: Value): Value {
  const path = attribute === undefined || attribute === null ? [] : String(plain(attribute)).split('.');
  const value = plain(path.reduce((v, part) => itemOf(v, /^\d+$/.test(part) ? Number(part) : part), item));
  if (value === UNDEFINED) throw new JinjaError(`'${path.join('.')}' is not defined: an item has no such attribute`);
  return typeof value === 'string' && !truthy(caseSensitive) ? value.toLowerCase() : value;
}

/** The item Python's min (op '<') or max (op '>') picks by key, the first of equal ones; UNDEFINED for none. */
function extreme(items: Value[], op: '<' | '>', caseSensitive: Value, attribute: Value): Value {
  if (items.length === 0) return UNDEFINED;
  const sign = op === '<' ? -1 : 1;
  return items.reduce((best, item) => (pythonOrder(itemKey(item, caseSensitive, attribute), itemKey(best, caseSensitive, attribute), op) * sign > 0 ? item : best));
}

/** Ansible's bool filter: yes/on/1/true (any case) and true are true. */
function toBool(value: Value): boolean {
  const v = plain(value);
  if (typeof v === 'boolean') return v;
  const n = pythonNumber(v);
  if (n !== undefined) return n instanceof PythonFloat ? n.value === 1 : n === 1n;
  return ['yes', 'on', '1', 'true', 'y', 't'].includes(String(v).toLowerCase());
}

export const FILTERS: Record<string, Filter> = {
  default: (v, [fallback = '', boolean]) => (v === UNDEFINED || (truthy(boolean) && !truthy(v)) ? fallback : v),
  lower: (v) => text(plain(v)).toLowerCase(),
  upper: (v) => text(plain(v)).toUpperCase(),
  capitalize: (v) => {
    const s = text(plain(v));
    return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
  },
  trim: (v) => text(plain(v)).trim(),
  string: (v) => text(plain(v)),
  int: (v, [fallback = 0]) => {
    const n = intOf(plain(v));
    return n === undefined ? fallback : exactInteger(n);
  },
  float: (v, [fallback = new PythonFloat(0)]) => {
    const n = floatOf(plain(v));
    return n === undefined ? fallback : new PythonFloat(n);
  },
  bool: (v) => toBool(v),
  join: (v, [separator = '', attribute]) => list(v).map((item) => text(itemKey(item, true, attribute))).join(text(separator)),
  length: (v) => list(v).length,
  first: (v) => list(v)[0] ?? UNDEFINED,
  last: (v) => list(v).at(-1) ?? UNDEFINED,
  list: (v) => list(v),
  unique: (v, [caseSensitive, attribute]) => {
    const keys: Value[] = [];
    return list(v).filter((item) => {
      const key = itemKey(item, caseSensitive, attribute);
      if (keys.some((seen) => sameValue(seen, key))) return false;
      keys.push(key);
      return true;
    });
  },
  // Stable, as Python's sort; reversed, equal items keep their order too.
  sort: (v, [reverse, caseSensitive, attribute]) => {
    const keyed = list(v).map((item) => ({ item, key: itemKey(item, caseSensitive, attribute) }));
    const direction = truthy(reverse) ? -1 : 1;
    return keyed.sort((a, b) => direction * pythonOrder(a.key, b.key, '<')).map(({ item }) => item);
  },
  reverse: (v) => (typeof plain(v) === 'string' ? [...text(plain(v))].reverse().join('') : [...list(v)].reverse()),
  min: (v, [caseSensitive, attribute]) => extreme(list(v), '<', caseSensitive, attribute),
  max: (v, [caseSensitive, attribute]) => extreme(list(v), '>', caseSensitive, attribute),
  replace: (v, [from = '', to = '']) => text(plain(v)).split(text(from)).join(text(to)),
  ternary: (v, [yes, no, none]) => (plain(v) === null && none !== undefined ? none : truthy(v) ? yes : no),
  basename: (v) => text(plain(v)).split('/').pop() ?? '',
  dirname: (v) => text(plain(v)).replace(/\/[^/]*$/, ''),
  // The real values go to the host; the text is a secret when a secret is inside (see filtered).
  to_json: (v, [indent, sortKeys = false, ensureAscii = true]) => pythonJson(v, { indent: jsonIndent(indent), sortKeys: truthy(sortKeys), ensureAscii: truthy(ensureAscii) }),
  to_nice_json: (v, [indent = 4, sortKeys = true, ensureAscii = true]) => pythonJson(v, { indent: jsonIndent(indent), sortKeys: truthy(sortKeys), ensureAscii: truthy(ensureAscii) }),
  mandatory: (v) => {
    if (v === UNDEFINED) throw new JinjaError('a mandatory variable is not defined');
    return v;
  },
  abs: (v) => {
    const n = numberOperand(plain(v), 'abs()');
    return n instanceof PythonFloat ? new PythonFloat(Math.abs(n.value)) : exactInteger(n < 0n ? -n : n);
  },
  round: (v, [precision = 0, method = 'common']) => {
    const digits = pythonNumber(plain(precision));
    if (typeof digits !== 'bigint') throw new JinjaError(`Jinja2 filter round: precision must be an integer, got ${typeName(plain(precision))}`);
    return jinjaRound(numberOperand(plain(v), 'round()'), digits, plain(method));
  },
};
FILTERS.d = FILTERS.default!;
FILTERS.count = FILTERS.length!;

/**
 * The arguments each filter takes after its value, by Jinja2's and Ansible's names (`sort(reverse=true)`); a filter
 * not named here takes none. An argument this subset does not implement (`int(base=16)`) is refused rather
 * than ignored.
 */
export const PARAMETERS: Record<string, readonly string[]> = {
  default: ['default_value', 'boolean'],
  d: ['default_value', 'boolean'],
  int: ['default'],
  float: ['default'],
  round: ['precision', 'method'],
  join: ['d', 'attribute'],
  unique: ['case_sensitive', 'attribute'],
  sort: ['reverse', 'case_sensitive', 'attribute'],
  min: ['case_sensitive', 'attribute'],
  max: ['case_sensitive', 'attribute'],
  replace: ['old', 'new'],
  // Given by name, as Ansible passes them to json.dumps (`to_json(indent=2)`).
  to_json: ['indent', 'sort_keys', 'ensure_ascii'],
  to_nice_json: ['indent', 'sort_keys', 'ensure_ascii'],
  ternary: ['true_val', 'false_val', 'none_val'],
};

/** The filters this subset supports, for the README and messages. */
export const SUPPORTED_FILTERS = Object.keys(FILTERS).sort();
