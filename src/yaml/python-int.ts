/**
 * Integers as Python holds them: exact at any size. A JavaScript number holds
 * integers exactly only up to 2^53 (9007199254740991), so a bigger one read
 * from an inventory (sysctl's `18446744073709551615`) would silently lose its
 * last digits. Such an integer is kept as a PythonBigInt: ansible-inventory's
 * listing prints its digits as a number, variables hold the digits as text
 * (what a template writes, as Jinja2 writes Python's integer) and Jinja2 gets
 * it as a bigint, at any depth of lists and mappings. Pure.
 */

/** An integer beyond the exact range of a JavaScript number, for printing only (variables hold its digits). */
export class PythonBigInt {
  constructor(readonly digits: string) {}

  toString(): string {
    return this.digits;
  }
}

/** `n` as a number when a number holds it exactly, else as a PythonBigInt. */
export function exactInteger(n: bigint): number | PythonBigInt {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : new PythonBigInt(n.toString());
}

/** Where a value holds integers beyond a number's range: the integer itself, else the list items (by index) and mapping keys that do. */
export type IntegerMark = PythonBigInt | { readonly [keyOrIndex: string]: IntegerMark };

/** The IntegerMark of a value as Ansible prints it (PythonBigInt, or a bigint as Jinja2 computes it, at any depth of lists and mappings); undefined for none. */
export function integerMarkOf(printed: unknown): IntegerMark | undefined {
  if (printed instanceof PythonBigInt) return printed;
  if (typeof printed === 'bigint') return new PythonBigInt(String(printed));
  if (printed === null || typeof printed !== 'object') return undefined;
  const marks = Object.entries(printed).flatMap(([key, item]) => {
    const mark = integerMarkOf(item);
    return mark === undefined ? [] : [[key, mark] as const];
  });
  return marks.length > 0 ? Object.fromEntries(marks) : undefined;
}

/**
 * A variable's value for Jinja2: where `mark` says an integer beyond a number's range is (variables hold its digits as
 * text), the integer as a bigint, at any depth. Only the marked places are visited.
 */
export function withExactIntegers(value: unknown, mark: IntegerMark | undefined): unknown {
  if (mark === undefined) return value;
  if (mark instanceof PythonBigInt) return value === mark.digits ? BigInt(mark.digits) : value;
  if (Array.isArray(value)) return value.map((item, i) => withExactIntegers(item, mark[i]));
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return value;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, Object.hasOwn(mark, key) ? withExactIntegers(item, mark[key]) : item]));
}

/** `-value` of a number read from a Python literal. */
export function negatedInteger(value: number | PythonBigInt): number | PythonBigInt {
  return value instanceof PythonBigInt ? exactInteger(-BigInt(value.digits)) : -value;
}
