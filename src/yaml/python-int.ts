/**
 * Integers as Python holds them: exact at any size. A JavaScript number holds
 * integers exactly only up to 2^53 (9007199254740991), so a bigger one read
 * from an inventory (sysctl's `18446744073709551615`) would silently lose its
 * last digits. Such an integer is kept as a PythonBigInt: ansible-inventory's
 * listing prints its digits as a number, variables hold the digits as text
 * (what a template writes, as Jinja2 writes Python's integer) and Jinja2 gets
 * it as a bigint (see template/number-marks.ts). Pure.
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

/** `-value` of a number read from a Python literal. */
export function negatedInteger(value: number | PythonBigInt): number | PythonBigInt {
  return value instanceof PythonBigInt ? exactInteger(-BigInt(value.digits)) : -value;
}
