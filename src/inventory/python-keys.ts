/**
 * The order of a mapping's keys in ansible-inventory's JSON: Python's
 * json.dumps(sort_keys=True) sorts the keys as Python holds them, text by code
 * point (`"10"` before `"9"`) and numbers by value (YAML `{10: a, 9: b}`, INI
 * `{10: 'a'}`; `true`/`false` are 1 and 0). A mapping whose keys were numbers
 * is marked when it is read, as its keys are text from then on. Pure.
 */

// The mappings read with number keys, each key's number by its text. A WeakMap, so marking needs no copy and holds nothing alive.
const numberKeys = new WeakMap<object, ReadonlyMap<string, number>>();

/** Marks which keys of `mapping` Python holds as numbers (none: nothing to mark); returns the mapping. */
export function withNumberKeys<T extends object>(mapping: T, keys: ReadonlyMap<string, number>): T {
  if (keys.size > 0) numberKeys.set(mapping, keys);
  return mapping;
}

/** `copy`, a copy of `mapping` with other values, with the same keys' kinds marked. */
export function sameKeys<T extends object>(mapping: object, copy: T): T {
  return withNumberKeys(copy, numberKeys.get(mapping) ?? new Map());
}

/** The number Python holds for a key read as `value` (YAML or a Python literal), if it is one. */
export function numberKey(value: unknown): number | undefined {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return typeof value === 'number' ? value : undefined;
}

/**
 * The keys of a mapping in the order ansible-inventory prints them. Numbers
 * and text mixed cannot be sorted in Python: ansible-inventory then warns and
 * prints everything unsorted; here only that mapping keeps the order as read.
 */
export function pythonSortedKeys(mapping: object): string[] {
  const keys = Object.keys(mapping);
  const numbers = numberKeys.get(mapping);
  if (numbers === undefined) return keys.sort(byCodePoint);
  if (keys.every((k) => numbers.has(k))) return keys.sort((a, b) => numbers.get(a)! - numbers.get(b)!);
  return keys;
}

/** Python's order of text: by code point (JavaScript's `<` compares UTF-16 units, which differs past U+FFFF). */
function byCodePoint(a: string, b: string): number {
  for (let i = 0; ; ) {
    const x = a.codePointAt(i);
    const y = b.codePointAt(i);
    if (x === undefined || y === undefined) return (x === undefined ? 0 : 1) - (y === undefined ? 0 : 1);
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
  }
}
