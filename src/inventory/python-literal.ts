/**
 * Python's ast.literal_eval for the values of INI inventories: Ansible reads
 * `port=22` as the integer 22, `flag=True` as a boolean, `x=[1, 2]` as a list,
 * and keeps anything that is not a Python literal (`yes`, `0644`, `a b`) as the
 * string written. Pure.
 */

import { numberKey, withNumberKeys } from './python-keys.js';
import { holdsNumberMark, PythonFloat, pythonFloatText, withoutNumberMarks } from './python-float.js';
import { exactInteger, negatedInteger, PythonBigInt } from '../yaml/python-int.js';

/**
 * A Python literal that Ansible reads but that has no JSON form (a set, a
 * complex number, bytes inside a list): ansible-inventory fails on it, so
 * provision refuses it rather than give it a meaning. The message names the kind.
 */
export class PythonValueWithoutJson extends Error {}

/**
 * The value of `text` as a Python literal, or undefined when it is not one;
 * `printed` is how Ansible prints it when that differs (it holds floats: 2.0).
 * Throws PythonValueWithoutJson for a literal JSON cannot hold.
 */
export function pythonLiteral(text: string): { value: unknown; printed?: unknown } | undefined {
  const parser = new Parser(text);
  try {
    parser.skipSpace();
    const literal = parser.expression();
    parser.skipSpace();
    if (!parser.atEnd()) return undefined;
    // Ansible turns bytes into text (to_text), but only at the top.
    const printed = literal instanceof PythonBytes ? literal.text : literal;
    return holdsNumberMark(printed) ? { value: withoutNumberMarks(printed), printed } : { value: printed };
  } catch (err) {
    if (err instanceof NotLiteral) return undefined;
    throw err;
  }
}

class NotLiteral extends Error {}

/** A bytes literal (`b'x'`), told apart from a string until it is known whether it stands at the top. */
class PythonBytes {
  constructor(readonly text: string) {}
}

const withoutJson = (kind: string): PythonValueWithoutJson =>
  new PythonValueWithoutJson(`a Python ${kind} literal, which Ansible reads but cannot print as JSON (ansible-inventory fails on it): expected a value JSON can hold, or quotes around it to keep it as text`);

const NUMBER = /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:(?:[0-9](?:_?[0-9])*)?\.[0-9](?:_?[0-9])*|[0-9](?:_?[0-9])*\.?)(?:[eE][+-]?[0-9](?:_?[0-9])*)?)/;
const STRING_START = /^([rRbBuU]|[rR][bB]|[bB][rR])?('''|"""|'|")/;
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0', '\n': '' };

/**
 * The most brackets ( [ { Python's tokenizer lets one stand inside another (MAXLEVEL): one more is a SyntaxError
 * ("too many nested parentheses") for ast.literal_eval, so the value stays text, as ansible-inventory lists it.
 */
const MAX_NESTING = 200;

class Parser {
  private at = 0;
  private depth = 0;
  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.at >= this.text.length;
  }

  skipSpace(): void {
    for (;;) {
      const rest = this.text.slice(this.at);
      const space = /^[ \t\f\r\n]+/.exec(rest)?.[0].length ?? 0;
      this.at += space;
      if (this.text[this.at] === '#') {
        const end = this.text.indexOf('\n', this.at);
        this.at = end < 0 ? this.text.length : end;
      } else if (space === 0) return;
    }
  }

  private fail(): never {
    throw new NotLiteral();
  }

  private eat(token: string): boolean {
    this.skipSpace();
    if (!this.text.startsWith(token, this.at)) return false;
    this.at += token.length;
    return true;
  }

  expression(): unknown {
    this.skipSpace();
    const rest = this.text.slice(this.at);
    const sign = /^[+-]/.exec(rest)?.[0];
    if (sign) {
      this.at++;
      const value = this.signedOperand();
      this.refuseComplexSum();
      if (value instanceof PythonFloat) return sign === '-' ? new PythonFloat(-value.value) : value;
      return sign === '-' ? negatedInteger(value) : value;
    }
    if (rest.startsWith('[')) return this.nested(() => this.sequence('[', ']'));
    if (rest.startsWith('(')) return this.nested(() => this.tuple());
    if (rest.startsWith('{')) return this.nested(() => this.mapping());
    if (STRING_START.test(rest)) return this.strings();
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest)?.[0];
    if (word !== undefined) {
      this.at += word.length;
      if (word === 'True') return true;
      if (word === 'False') return false;
      if (word === 'None') return null;
      if (word === 'set' && this.eat('(') && this.eat(')')) throw withoutJson('set');
      this.fail();
    }
    const value = this.number();
    this.refuseComplexSum();
    return value;
  }

  /** `1+2j` is the one sum literal_eval allows, and it is complex; any other sum is no literal. */
  private refuseComplexSum(): void {
    if (!this.eat('+') && !this.eat('-')) return;
    this.number();
    this.fail();
  }

  /** An item of a list, tuple or dict: bytes there stay bytes, which JSON cannot hold. */
  private item(): unknown {
    const value = this.expression();
    if (value instanceof PythonBytes) throw withoutJson('bytes');
    return value;
  }

  /** A number constant; a complex one (`2j`) has no JSON form. */
  private number(): number | PythonFloat | PythonBigInt {
    this.skipSpace();
    const number = NUMBER.exec(this.text.slice(this.at))?.[0];
    if (number === undefined) this.fail();
    this.at += number.length;
    // Python's tokenizer makes `2j` imaginary only when the j ends the token; `8jdk`, `0x1Fj` and `2j3` are no literals (text).
    if (/^[jJ](?![A-Za-z0-9_])/.test(this.text.slice(this.at)) && !/^[+-]?0[xXoObB]/.test(number)) throw withoutJson('complex number');
    return numberValue(number.replace(/_/g, ''));
  }

  /** What a `-` or `+` may apply to in literal_eval: a number constant, in parentheses or not (`--1` and `-True` are no literals). */
  private signedOperand(): number | PythonFloat | PythonBigInt {
    if (!this.eat('(')) return this.number();
    return this.nested(() => {
      const value = this.signedOperand();
      if (!this.eat(')')) this.fail();
      return value;
    });
  }

  /** What `read` reads inside one more bracket: deeper than Python's tokenizer allows, the text is no literal (Ansible keeps it text). */
  private nested<T>(read: () => T): T {
    if (++this.depth > MAX_NESTING) this.fail();
    const value = read();
    this.depth--;
    return value;
  }

  private sequence(open: string, close: string): unknown[] {
    this.eat(open);
    const items: unknown[] = [];
    while (!this.eat(close)) {
      items.push(this.item());
      if (!this.eat(',')) {
        if (!this.eat(close)) this.fail();
        break;
      }
    }
    return items;
  }

  /** `(x)` is x itself; `(x,)` and `(x, y)` are tuples, which JSON shows as lists. */
  private tuple(): unknown {
    this.eat('(');
    if (this.eat(')')) return [];
    const first = this.expression();
    if (this.eat(')')) return first;
    if (first instanceof PythonBytes) throw withoutJson('bytes');
    if (!this.eat(',')) this.fail();
    const items = [first];
    while (!this.eat(')')) {
      items.push(this.item());
      if (!this.eat(',')) {
        if (!this.eat(')')) this.fail();
        break;
      }
    }
    return items;
  }

  private mapping(): unknown {
    this.eat('{');
    const entries: [string, unknown][] = [];
    const numbers = new Map<string, number>();
    const setItems: unknown[] = [];
    while (!this.eat('}')) {
      const key = this.item();
      if (this.eat(':')) {
        if (key !== null && typeof key === 'object' && !(key instanceof PythonFloat) && !(key instanceof PythonBigInt)) this.fail();
        // 1, 1.0 and True are one key in Python: the first one written names it, the last value wins.
        const number = numberKey(key instanceof PythonFloat ? key.value : key);
        const text = (number !== undefined ? [...numbers].find(([, n]) => n === number)?.[0] : undefined) ?? pythonKey(key);
        entries.push([text, this.item()]);
        if (number !== undefined) numbers.set(text, number);
      } else {
        setItems.push(key);
      }
      if (!this.eat(',')) {
        if (!this.eat('}')) this.fail();
        break;
      }
    }
    if (entries.length > 0 && setItems.length > 0) this.fail();
    // A set has no JSON form; a dict becomes an object whose keys are its keys as text.
    if (setItems.length > 0) throw withoutJson('set');
    return withNumberKeys(Object.fromEntries(entries), numbers);
  }

  /** One string literal or several side by side (Python joins them, bytes with bytes only). */
  private strings(): string | PythonBytes {
    let value = '';
    const kinds = new Set<boolean>();
    do {
      kinds.add(/^[rR]?[bB]/.test(this.text.slice(this.at)));
      value += this.string();
      this.skipSpace();
    } while (STRING_START.test(this.text.slice(this.at)));
    if (kinds.size > 1) this.fail();
    return kinds.has(true) ? new PythonBytes(value) : value;
  }

  private string(): string {
    const start = STRING_START.exec(this.text.slice(this.at))!;
    const prefix = (start[1] ?? '').toLowerCase();
    const quote = start[2]!;
    this.at += start[0].length;
    const raw = prefix.includes('r');
    let value = '';
    for (;;) {
      if (this.atEnd()) this.fail();
      if (this.text.startsWith(quote, this.at)) {
        this.at += quote.length;
        return value;
      }
      const ch = this.text[this.at]!;
      if (ch === '\n' && quote.length === 1) this.fail();
      if (ch === '\\') {
        const next = this.text[this.at + 1];
        if (next === undefined) this.fail();
        if (raw) {
          value += ch + next;
          this.at += 2;
          continue;
        }
        this.at += 2;
        value += this.escape(next);
        continue;
      }
      value += ch;
      this.at++;
    }
  }

  private escape(ch: string): string {
    if (ch in ESCAPES) return ESCAPES[ch]!;
    const hex = ch === 'x' ? 2 : ch === 'u' ? 4 : ch === 'U' ? 8 : 0;
    if (hex > 0) {
      const digits = this.text.slice(this.at, this.at + hex);
      if (!new RegExp(`^[0-9a-fA-F]{${hex}}$`).test(digits)) this.fail();
      this.at += hex;
      return String.fromCodePoint(parseInt(digits, 16));
    }
    if (/[0-7]/.test(ch)) {
      const digits = ch + (/^[0-7]{0,2}/.exec(this.text.slice(this.at))?.[0] ?? '');
      this.at += digits.length - 1;
      return String.fromCodePoint(parseInt(digits, 8));
    }
    return `\\${ch}`;
  }
}

function numberValue(text: string): number | PythonFloat | PythonBigInt {
  // Python 3 has no leading-zero integers: 0644 is not a literal (the string stays).
  if (/^0[0-9]+$/.test(text) && !/^0+$/.test(text)) throw new NotLiteral();
  // BigInt reads 0x, 0o and 0b as Python does, and every digit.
  return /^0[xXoObB]/.test(text) || !/[.eE]/.test(text) ? exactInteger(BigInt(text)) : new PythonFloat(Number(text));
}

/** A Python dict key as JSON writes it. */
function pythonKey(key: unknown): string {
  if (key === true) return 'true';
  if (key === false) return 'false';
  if (key === null) return 'null';
  if (key instanceof PythonFloat) return pythonFloatText(key.value);
  return String(key);
}
