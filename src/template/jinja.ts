/**
 * The subset of Jinja2 that Ansible inventories commonly use in variables:
 * `{{ expression }}` with variables, attribute and index access (`a.b`,
 * `a['b']`, `hostvars[inventory_hostname]`), literals, `~` and `+`,
 * comparisons, `and`/`or`/`not`, `x if c else y`, `is defined`, and the
 * filters below. Anything else (statements `{% %}`, function calls, other
 * filters) fails with a message naming it, e.g. "Jinja2 filter X is not
 * supported". Pure: variables come from `lookup`. Values behave as Python's:
 * integers are exact at any size (one beyond a JavaScript number's exact
 * range, from a variable or a long literal, is a bigint while evaluating and
 * its digits as text in the result, as variables hold it), `'a' + 1` and
 * `'a' < 1` are errors, numbers sort by value. Text or a number computed from
 * a secret's value is a secret.
 */
import { isSecretValue, Secret, secretProblem } from '../secrets.js';
import { pythonFloatText } from '../inventory/python-float.js';
import { integerMarkOf, type IntegerMark } from '../yaml/python-int.js';

/** A template that uses Jinja2 this subset does not cover, or a variable that is not defined. */
export class JinjaError extends Error {}

/** Looks a variable up by name; `undefined` when it is not defined. */
export type Lookup = (name: string) => unknown;

/** The marker of an undefined value while evaluating (so `default` can replace it). */
const UNDEFINED = Symbol('undefined');
type Value = unknown;

// An operator between spaces after an operand (`a > b`, `n * 2`) is Jinja2; Handlebars' `{{> partial}}` and `{{a/b}}` are not.
const JINJA_ONLY = /\{%|\{#|\{\{[^}]*(?:\||\[|~|\(|'|\bif\b|\bis\b|\bnot\b|\band\b|\bor\b|==|!=|\+|\S\s+(?:[<>]=?|[*/%-])\s)/;

/** Whether text uses Jinja2 syntax beyond a plain `{{ name }}` (which Handlebars reads the same way). */
export function isJinja(text: string): boolean {
  return JINJA_ONLY.test(text);
}

/**
 * Renders a template string. A string that is exactly one `{{ expression }}`
 * keeps the expression's own type (a list stays a list, as in Ansible); text
 * that holds a Secret's value becomes a Secret. `onIntegers` learns where the
 * result holds integers beyond a number's range (as digits).
 */
export function renderJinja(text: string, lookup: Lookup, onIntegers?: (mark: IntegerMark) => void): Value {
  if (/\{%/.test(text)) throw new JinjaError(`Jinja2 statements ({% ... %}) are not supported: expected only {{ expressions }}`);
  const source = text.replace(/\{#[\s\S]*?#\}/g, '');
  const parts: Array<string | Node> = [];
  let at = 0;
  while (at < source.length) {
    const open = source.indexOf('{{', at);
    if (open < 0) {
      parts.push(source.slice(at));
      break;
    }
    if (open > at) parts.push(source.slice(at, open));
    const parser = new Parser(source, open + 2);
    const node = parser.expression();
    parser.expectClose();
    parts.push(node);
    at = parser.position;
  }
  const env = new Evaluator(lookup);
  if (parts.length === 1 && typeof parts[0] !== 'string') {
    const value = output(env.value(parts[0]!), describe(parts[0]!));
    // The result holds such integers as digits, as variables do: where they are, so a template using it computes with them.
    const mark = integerMarkOf(value);
    if (mark !== undefined) onIntegers?.(mark);
    return finished(value);
  }
  let secret = false;
  const rendered = parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const value = output(env.value(part), describe(part));
      if (holdsSecret(value)) secret = true;
      return pythonText(value);
    })
    .join('');
  return secret ? derivedSecret(rendered) : rendered;
}

/**
 * A result as variables hold it, at any depth of lists and mappings: a bigint its digits as text, a number computed
 * from a secret a secret (its text).
 */
function finished(value: Value): Value {
  if (typeof value === 'bigint') return String(value);
  if (value instanceof SecretNumber) return derivedSecret(pythonText(value.value));
  if (Array.isArray(value)) return value.map(finished);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, finished(v)]));
  return value;
}

function output(value: Value, what: string): Value {
  if (value === UNDEFINED) throw new JinjaError(`'${what}' is not defined`);
  return value;
}

/** How Python's str() writes a value, as Jinja2 does in text. */
function pythonText(value: Value): string {
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value === null || value === undefined) return 'None';
  if (value instanceof Secret || value instanceof SecretNumber) return pythonText(plain(value));
  if (typeof value === 'object') return pythonRepr(value);
  // A number that is no exact integer here is a float (integers beyond 2^53 are bigints): written as Python's repr.
  if (typeof value === 'number' && !Number.isSafeInteger(value)) return Number.isFinite(value) ? pythonFloatText(value) : Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf';
  return String(value);
}

function pythonRepr(value: Value): string {
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  if (value instanceof Secret || value instanceof SecretNumber) return pythonRepr(plain(value));
  if (value !== null && typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${pythonRepr(k)}: ${pythonRepr(v)}`).join(', ')}}`;
  return pythonText(value);
}

type Node =
  | { kind: 'literal'; value: Value }
  | { kind: 'name'; name: string }
  | { kind: 'attr'; target: Node; key: Node }
  | { kind: 'list'; items: Node[] }
  | { kind: 'dict'; entries: Array<[Node, Node]> }
  | { kind: 'filter'; target: Node; name: string; args: Node[]; keywords: Array<[string, Node]> }
  | { kind: 'test'; target: Node; name: string; negated: boolean }
  | { kind: 'unary'; op: 'not' | '-'; operand: Node }
  | { kind: 'binary'; op: string; left: Node; right: Node }
  | { kind: 'cond'; test: Node; then: Node; otherwise?: Node };

/** The template text of a node, for "'x' is not defined". */
function describe(node: Node): string {
  switch (node.kind) {
    case 'name':
      return node.name;
    case 'attr':
      return node.key.kind === 'literal' && typeof node.key.value === 'string' ? `${describe(node.target)}.${node.key.value}` : `${describe(node.target)}[...]`;
    case 'filter':
      return describe(node.target);
    default:
      return 'expression';
  }
}

const TOKEN = /\s*(?:(\d+\.\d+|\d+)|('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|([A-Za-z_][A-Za-z0-9_]*)|(==|!=|<=|>=|\}\}|[-+*/%~|.,:()[\]{}<>=]))/y;

class Parser {
  #at: number;
  #peeked: { type: 'number' | 'string' | 'name' | 'op' | 'end'; text: string; end: number } | undefined;

  constructor(
    private readonly text: string,
    start: number,
  ) {
    this.#at = start;
  }

  get position(): number {
    return this.#at;
  }

  private peek() {
    if (this.#peeked) return this.#peeked;
    TOKEN.lastIndex = this.#at;
    const m = TOKEN.exec(this.text);
    if (!m) {
      const rest = this.text.slice(this.#at).trim();
      if (rest === '') throw new JinjaError('template not closed: expected }}');
      throw new JinjaError(`Jinja2 syntax near '${rest.slice(0, 12)}' is not supported`);
    }
    const type = m[1] !== undefined ? 'number' : m[2] !== undefined ? 'string' : m[3] !== undefined ? 'name' : 'op';
    this.#peeked = { type, text: m[1] ?? m[2] ?? m[3] ?? m[4]!, end: TOKEN.lastIndex };
    return this.#peeked;
  }

  private next() {
    const token = this.peek();
    this.#at = token.end;
    this.#peeked = undefined;
    return token;
  }

  private accept(text: string): boolean {
    const token = this.peek();
    if ((token.type === 'op' || token.type === 'name') && token.text === text) {
      this.next();
      return true;
    }
    return false;
  }

  private expect(text: string): void {
    if (!this.accept(text)) throw new JinjaError(`Jinja2 syntax: expected '${text}', got '${this.peek().text}'`);
  }

  expectClose(): void {
    this.expect('}}');
  }

  expression(): Node {
    const value = this.or();
    if (this.accept('if')) {
      const test = this.or();
      const otherwise = this.accept('else') ? this.expression() : undefined;
      return otherwise ? { kind: 'cond', test, then: value, otherwise } : { kind: 'cond', test, then: value };
    }
    return value;
  }

  private or(): Node {
    let left = this.and();
    while (this.accept('or')) left = { kind: 'binary', op: 'or', left, right: this.and() };
    return left;
  }

  private and(): Node {
    let left = this.not();
    while (this.accept('and')) left = { kind: 'binary', op: 'and', left, right: this.not() };
    return left;
  }

  private not(): Node {
    if (this.accept('not')) return { kind: 'unary', op: 'not', operand: this.not() };
    return this.compare();
  }

  private compare(): Node {
    const left = this.concat();
    const token = this.peek();
    if (['==', '!=', '<', '>', '<=', '>='].includes(token.text) && token.type === 'op') {
      this.next();
      return { kind: 'binary', op: token.text, left, right: this.concat() };
    }
    if (token.type === 'name' && token.text === 'in') {
      this.next();
      return { kind: 'binary', op: 'in', left, right: this.concat() };
    }
    if (token.type === 'name' && token.text === 'not') {
      this.next();
      this.expect('in');
      return { kind: 'unary', op: 'not', operand: { kind: 'binary', op: 'in', left, right: this.concat() } };
    }
    return left;
  }

  private concat(): Node {
    let left = this.additive();
    while (this.accept('~')) left = { kind: 'binary', op: '~', left, right: this.additive() };
    return left;
  }

  private additive(): Node {
    let left = this.multiplicative();
    for (;;) {
      const token = this.peek();
      if (token.type !== 'op' || (token.text !== '+' && token.text !== '-')) return left;
      this.next();
      left = { kind: 'binary', op: token.text, left, right: this.multiplicative() };
    }
  }

  private multiplicative(): Node {
    let left = this.unary();
    for (;;) {
      const token = this.peek();
      if (token.type !== 'op' || !['*', '/', '%'].includes(token.text)) return left;
      this.next();
      left = { kind: 'binary', op: token.text, left, right: this.unary() };
    }
  }

  private unary(): Node {
    if (this.accept('-')) return { kind: 'unary', op: '-', operand: this.unary() };
    return this.filtered();
  }

  private filtered(): Node {
    let node = this.postfix();
    for (;;) {
      if (this.accept('|')) {
        const name = this.next();
        if (name.type !== 'name') throw new JinjaError(`Jinja2 syntax: expected a filter name after '|'`);
        const { args, keywords } = this.accept('(') ? this.callArgs() : { args: [], keywords: [] };
        node = { kind: 'filter', target: node, name: name.text, args, keywords };
      } else if (this.peek().type === 'name' && this.peek().text === 'is') {
        this.next();
        const negated = this.accept('not');
        const name = this.next();
        node = { kind: 'test', target: node, name: name.text, negated };
      } else {
        return node;
      }
    }
  }

  private args(close: string): Node[] {
    const args: Node[] = [];
    while (!this.accept(close)) {
      args.push(this.expression());
      if (!this.accept(',')) {
        this.expect(close);
        break;
      }
    }
    return args;
  }

  /** A filter's arguments: positional ones, then `name=value` ones (`default(x, boolean=true)`), kept by name. */
  private callArgs(): { args: Node[]; keywords: Array<[string, Node]> } {
    const args: Node[] = [];
    const keywords: Array<[string, Node]> = [];
    while (!this.accept(')')) {
      const token = this.peek();
      const rest = this.text.slice(token.end).trimStart();
      if (token.type === 'name' && rest.startsWith('=') && !rest.startsWith('==')) {
        this.next();
        this.expect('=');
        keywords.push([token.text, this.expression()]);
      } else {
        if (keywords.length > 0) throw new JinjaError('Jinja2 syntax: a positional argument after a keyword argument');
        args.push(this.expression());
      }
      if (!this.accept(',')) {
        this.expect(')');
        break;
      }
    }
    return { args, keywords };
  }

  private postfix(): Node {
    let node = this.primary();
    for (;;) {
      if (this.accept('.')) {
        const name = this.next();
        if (name.type !== 'name' && name.type !== 'number') throw new JinjaError(`Jinja2 syntax: expected an attribute name after '.'`);
        node = { kind: 'attr', target: node, key: { kind: 'literal', value: name.text } };
      } else if (this.accept('[')) {
        const key = this.expression();
        this.expect(']');
        node = { kind: 'attr', target: node, key };
      } else if (this.peek().type === 'op' && this.peek().text === '(') {
        throw new JinjaError(`Jinja2 function call ${describe(node)}() is not supported: expected variables and filters`);
      } else {
        return node;
      }
    }
  }

  private primary(): Node {
    const token = this.next();
    if (token.type === 'number') return { kind: 'literal', value: /^\d+$/.test(token.text) ? exactInteger(BigInt(token.text)) : Number(token.text) };
    if (token.type === 'string') return { kind: 'literal', value: unquote(token.text) };
    if (token.type === 'name') {
      const constants: Record<string, Value> = { true: true, True: true, false: false, False: false, none: null, None: null };
      return token.text in constants ? { kind: 'literal', value: constants[token.text] } : { kind: 'name', name: token.text };
    }
    if (token.text === '(') {
      const inner = this.expression();
      this.expect(')');
      return inner;
    }
    if (token.text === '[') return { kind: 'list', items: this.args(']') };
    if (token.text === '{') {
      const entries: Array<[Node, Node]> = [];
      while (!this.accept('}')) {
        const key = this.expression();
        this.expect(':');
        entries.push([key, this.expression()]);
        if (!this.accept(',')) {
          this.expect('}');
          break;
        }
      }
      return { kind: 'dict', entries };
    }
    throw new JinjaError(`Jinja2 syntax: unexpected '${token.text}'`);
  }
}

function unquote(text: string): string {
  return text.slice(1, -1).replace(/\\(.)/g, (_, ch: string) => ({ n: '\n', t: '\t' })[ch] ?? ch);
}

type Filter = (value: Value, args: Value[], env: Evaluator) => Value;

/** A number computed from a secret's value while evaluating: the result is a secret (its text), as text made from one is. */
class SecretNumber {
  constructor(readonly value: number | bigint) {}
}

const plain = (value: Value): Value => (value instanceof Secret ? value.reveal() : value instanceof SecretNumber ? value.value : value);
const MIN_EXACT = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);
/** An integer as this evaluator holds it: a number within a number's exact range, else a bigint. */
const exactInteger = (n: bigint): number | bigint => (n >= MIN_EXACT && n <= MAX_EXACT ? Number(n) : n);
const isNumeric = (v: Value): v is number | bigint => typeof v === 'number' || typeof v === 'bigint';
const isInteger = (v: Value): v is number | bigint => typeof v === 'bigint' || Number.isInteger(v);
/** A value as a Python number: numbers, and booleans as 0 and 1 (Python's bool is an int); undefined for anything else. */
const asNumber = (v: Value): number | bigint | undefined => (typeof v === 'boolean' ? Number(v) : isNumeric(v) ? v : undefined);
/** The most items and characters, at every depth, that `*` makes: more is a mistake (or hostile), not a value. */
const MAX_REPEATED = 1_000_000;

/**
 * How many items (of lists and mappings) and characters (of text and keys) `value` holds at every depth, counted up to
 * just beyond `budget`: a list repeated inside another (`[[1] * 1000000] * 1000`) is as large as it is written out.
 */
function sizeWithin(value: Value, budget: number): number {
  const v = plain(value);
  if (typeof v === 'string') return v.length;
  const entries: Array<[string, Value]> = Array.isArray(v) ? v.map((item) => ['', item]) : v !== null && typeof v === 'object' ? Object.entries(v) : [];
  let size = entries.length;
  for (const [key, item] of entries) {
    if (size > budget) break;
    size += key.length + sizeWithin(item, budget - size);
  }
  return size;
}

/**
 * Python's `a op b` (op one of + - * / %): on numbers (booleans as 0 and 1), exact on integers of any size, a float
 * when either is a float or for `/`; text or a list times an integer repeats it. Anything else is refused, as Python
 * refuses `'a' + 1` or `'5' - 1`.
 */
function arithmetic(op: string, a: Value, b: Value): Value {
  const [x, y] = [asNumber(a), asNumber(b)];
  if (x === undefined || y === undefined) return repeated(op, a, b);
  if ((op === '/' || op === '%') && Number(y) === 0) throw new JinjaError(`division or modulo by zero`);
  if (op === '/' || !isInteger(x) || !isInteger(y)) return floatArithmetic(op, Number(x), Number(y));
  const [m, n] = [BigInt(x), BigInt(y)];
  const result = op === '+' ? m + n : op === '-' ? m - n : op === '*' ? m * n : m % n;
  // Python's % takes the sign of the divisor.
  return exactInteger(op === '%' && result !== 0n && result < 0n !== n < 0n ? result + n : result);
}

function floatArithmetic(op: string, a: number, b: number): number {
  if (op !== '%') return op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b;
  const rest = a % b;
  return rest !== 0 && rest < 0 !== b < 0 ? rest + b : rest;
}

/** `'ab' * 2`, `[1] * 3`: text or a list repeated; any other operands are refused. */
function repeated(op: string, a: Value, b: Value): Value {
  const [sequence, count] = typeof a === 'string' || Array.isArray(a) ? [a, asNumber(b)] : [b, asNumber(a)];
  if (op === '*' && (typeof sequence === 'string' || Array.isArray(sequence)) && typeof count === 'number' && Number.isInteger(count)) {
    // Nothing repeated, or nothing to repeat, is empty (as in Python), however large the count: nothing built.
    if (count <= 0 || sequence.length === 0) return typeof sequence === 'string' ? '' : [];
    if (sizeWithin(sequence, MAX_REPEATED / count) * count > MAX_REPEATED) throw new JinjaError(`this * makes more than ${MAX_REPEATED} items and characters (counting those inside lists and mappings): expected at most ${MAX_REPEATED}`);
    return typeof sequence === 'string' ? sequence.repeat(count) : Array.from({ length: count }, () => sequence).flat();
  }
  const hint = op === '+' && (typeof a === 'string' || typeof b === 'string') ? ' (text joins only with text, as in Python: use ~ to join any values as text)' : ' (expected two numbers)';
  throw new JinjaError(`unsupported operand types for ${op}: ${typeName(a)} and ${typeName(b)}${hint}`);
}

function typeName(v: Value): string {
  if (v === null || v === undefined || v === UNDEFINED) return 'None';
  if (typeof v === 'boolean') return 'a boolean';
  return isInteger(v) ? 'an integer' : typeof v === 'number' ? 'a float' : typeof v === 'string' ? 'a string' : Array.isArray(v) ? 'a list' : 'a mapping';
}

/**
 * Python's order of `a` and `b` (negative, zero, positive) for `op`: numbers (booleans as 0 and 1) by value, text by
 * code point, lists item by item. Any other pair (text and a number, None) is refused, as Python 3 refuses it.
 */
function pythonOrder(a: Value, b: Value, op: string): number {
  const [x, y] = [asNumber(a), asNumber(b)];
  if (x !== undefined && y !== undefined) return x < y ? -1 : x > y ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return codePointOrder(a, b);
  if (Array.isArray(a) && Array.isArray(b)) {
    const differs = a.findIndex((item, i) => i < b.length && !sameValue(plain(item), plain(b[i])));
    return differs >= 0 ? pythonOrder(plain(a[differs]), plain(b[differs]), op) : a.length - b.length;
  }
  throw new JinjaError(`'${op}' is not supported between ${typeName(a)} and ${typeName(b)}, as in Python`);
}

function codePointOrder(a: string, b: string): number {
  const [x, y] = [[...a], [...b]];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** `a op b` for op one of < > <= >=, as Python compares (numbers directly, so NaN compares false both ways). */
function compared(op: string, a: Value, b: Value): boolean {
  const [x, y] = [asNumber(a), asNumber(b)];
  if (x !== undefined && y !== undefined) return op === '<' ? x < y : op === '>' ? x > y : op === '<=' ? x <= y : x >= y;
  const order = pythonOrder(a, b, op);
  return op === '<' ? order < 0 : op === '>' ? order > 0 : op === '<=' ? order <= 0 : order >= 0;
}

/** `item[key]` as Jinja2 reads it (a list index may count from the end); UNDEFINED when there is none. */
function itemOf(target: Value, key: Value): Value {
  const container = plain(target);
  if (container === UNDEFINED || container === null || typeof container !== 'object') return UNDEFINED;
  const k = plain(key);
  const value = Array.isArray(container) && typeof k === 'number' ? container[k < 0 ? container.length + k : k] : (container as Record<string, unknown>)[String(k)];
  return value === undefined ? UNDEFINED : value;
}

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

/** JSON text of a value with its secrets' real values, an integer beyond a number's range as its bare digits (as Python writes it). */
function jsonText(value: Value): string {
  return JSON.stringify(revealed(value), (_key, v: Value) => (typeof v === 'bigint' ? `\u0000${v}` : v)).replace(/"\\u0000(-?\d+)"/g, '$1');
}

/** `value` with every secret in it (lists and mappings included) its real value. */
function revealed(value: Value): Value {
  if (value instanceof Secret || value instanceof SecretNumber) return plain(value);
  if (Array.isArray(value)) return value.map(revealed);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealed(v)]));
  return value;
}
const text = (value: Value): string => (typeof value === 'string' ? value : pythonText(value));
const list = (value: Value): Value[] => {
  const v = plain(value);
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  // A key made from a secret stays a secret: secretKey registered it, so it is one exactly (a key merely holding a secret's text is not).
  if (v !== null && typeof v === 'object') return Object.keys(v).map((key) => (isSecretValue(key) ? new Secret(key) : key));
  throw new JinjaError(`expected a list, got ${pythonText(v)}`);
};
const truthy = (value: Value): boolean => {
  const v = plain(value);
  if (v === UNDEFINED || v === null || v === undefined || v === false || v === 0 || v === 0n || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
};
// Filters whose result tells nothing of a secret's text (whether it is set, its length) or is one of their inputs as it is.
const REVEAL_NOTHING_NEW = new Set(['length', 'count', 'bool', 'default', 'd', 'mandatory', 'ternary']);
// Filters that, given a list or mapping, return its items as they are: each keeps its own secrecy.
const PICK_ITEMS = new Set(['first', 'last', 'list', 'unique', 'sort', 'reverse', 'min', 'max']);

/** Whether a value is a Secret or holds one at any depth of lists and mappings, as a value or in a key. */
function holdsSecret(value: Value): boolean {
  if (value instanceof Secret || value instanceof SecretNumber) return true;
  if (Array.isArray(value)) return value.some(holdsSecret);
  return value !== null && typeof value === 'object' && Object.entries(value).some(([k, v]) => isSecretValue(k) || holdsSecret(v));
}

/**
 * A mapping's key as text. Keys are plain text, so one made from a secret is known by its text: registered as a
 * secret here (refused when too short to mask), it makes the mapping a secret container (see holdsSecret).
 */
function secretKey(key: Value): string {
  const keyText = text(plain(key));
  if (holdsSecret(key)) derivedSecret(keyText);
  return keyText;
}

/**
 * What filter `name` made of `target` and `args`: when a secret went in (itself or inside a list or mapping), text
 * or a number that came out (a part of it, reversed, joined, serialized, its characters one by one, `int` of it) is a
 * secret too; its length or truth is not, and an item picked from a list or mapping is as secret as it was.
 */
function filtered(name: string, target: Value, args: Value[], result: Value): Value {
  if (REVEAL_NOTHING_NEW.has(name)) return result;
  if (PICK_ITEMS.has(name) && !(target instanceof Secret) && !args.some(holdsSecret)) return result;
  return holdsSecret(target) || args.some(holdsSecret) ? fromSecret(result) : result;
}

/** What an operation made of a secret's value: text and numbers are secrets too (each item of a list of them). */
function fromSecret(result: Value): Value {
  if (typeof result === 'string') return derivedSecret(result);
  if (isNumeric(result)) return new SecretNumber(result);
  return Array.isArray(result) ? result.map(fromSecret) : result;
}

/** Text made from a secret is a secret too; one too short to be masked in output is refused, as a secret read from a source is. */
function derivedSecret(text: string): Secret {
  const problem = secretProblem(text);
  if (problem !== undefined) throw new JinjaError(`this expression makes a secret of its own: ${problem}`);
  return new Secret(text);
}

/** Python's ==, on real values (a secret inside a list or mapping compares by its value, not its mask). */
function sameValue(left: Value, right: Value): boolean {
  const [a, b] = [plain(left), plain(right)];
  const [x, y] = [asNumber(a), asNumber(b)];
  // Numbers compare by value whatever their type, booleans as 0 and 1: 12345678901234567890 == 1.2345678901234567e19 and 1 == True, as in Python.
  if (x !== undefined && y !== undefined) return x == y;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  if (isMapping(a) && isMapping(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && sameValue(a[key], b[key]));
  }
  return a === b;
}

function isMapping(v: Value): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Ansible's bool filter: yes/on/1/true (any case) and true are true. */
function toBool(value: Value): boolean {
  const v = plain(value);
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 1;
  return ['yes', 'on', '1', 'true', 'y', 't'].includes(String(v).toLowerCase());
}

const FILTERS: Record<string, Filter> = {
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
    const x = plain(v);
    if (typeof x === 'bigint') return x;
    // Digits are read exactly at any length, as Python's int() does.
    if (typeof x === 'string' && /^\s*[-+]?\d+\s*$/.test(x)) return exactInteger(BigInt(x.trim()));
    const n = Number.parseInt(String(x), 10);
    return Number.isNaN(n) ? fallback : n;
  },
  float: (v, [fallback = 0]) => {
    const n = Number.parseFloat(String(plain(v)));
    return Number.isNaN(n) ? fallback : n;
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
  to_json: (v) => jsonText(v),
  mandatory: (v) => {
    if (v === UNDEFINED) throw new JinjaError('a mandatory variable is not defined');
    return v;
  },
  abs: (v) => {
    const x = plain(v);
    return typeof x === 'bigint' ? (x < 0n ? -x : x) : Math.abs(Number(x));
  },
  round: (v) => Math.round(Number(plain(v))),
};
FILTERS.d = FILTERS.default!;
FILTERS.count = FILTERS.length!;

/**
 * The arguments each filter takes after its value, by Jinja2's and Ansible's names (`sort(reverse=true)`); a filter
 * not named here takes none. An argument this subset does not implement (`round(2)`, `int(base=16)`) is refused rather
 * than ignored.
 */
const PARAMETERS: Record<string, readonly string[]> = {
  default: ['default_value', 'boolean'],
  d: ['default_value', 'boolean'],
  int: ['default'],
  float: ['default'],
  join: ['d', 'attribute'],
  unique: ['case_sensitive', 'attribute'],
  sort: ['reverse', 'case_sensitive', 'attribute'],
  min: ['case_sensitive', 'attribute'],
  max: ['case_sensitive', 'attribute'],
  replace: ['old', 'new'],
  ternary: ['true_val', 'false_val', 'none_val'],
};

/** The filters this subset supports, for the README and messages. */
export const SUPPORTED_FILTERS = Object.keys(FILTERS).sort();

class Evaluator {
  constructor(private readonly lookup: Lookup) {}

  value(node: Node): Value {
    switch (node.kind) {
      case 'literal':
        return node.value;
      case 'name': {
        const value = this.lookup(node.name);
        return value === undefined ? UNDEFINED : value;
      }
      case 'attr':
        return itemOf(this.value(node.target), this.value(node.key));
      case 'list':
        return node.items.map((item) => output(this.value(item), describe(item)));
      case 'dict':
        return Object.fromEntries(node.entries.map(([k, v]) => [secretKey(output(this.value(k), describe(k))), output(this.value(v), describe(v))]));
      case 'filter': {
        const filter = Object.hasOwn(FILTERS, node.name) ? FILTERS[node.name] : undefined;
        if (!filter) throw new JinjaError(`Jinja2 filter ${node.name} is not supported (supported: ${SUPPORTED_FILTERS.join(', ')})`);
        const target = this.value(node.target);
        const args = this.filterArgs(node.name, node.args, node.keywords);
        if (target === UNDEFINED && node.name !== 'default' && node.name !== 'd' && node.name !== 'mandatory') throw new JinjaError(`'${describe(node.target)}' is not defined`);
        return filtered(node.name, target, args, filter(target, args, this));
      }
      case 'test': {
        const target = this.value(node.target);
        const tests: Record<string, () => boolean> = {
          defined: () => target !== UNDEFINED,
          undefined: () => target === UNDEFINED,
          none: () => target === null,
          string: () => typeof plain(target) === 'string',
          number: () => isNumeric(plain(target)),
        };
        const test = tests[node.name];
        if (!test) throw new JinjaError(`Jinja2 test ${node.name} is not supported (supported: ${Object.keys(tests).join(', ')})`);
        return test() !== node.negated;
      }
      case 'unary': {
        const operand = this.value(node.operand);
        if (node.op === 'not') return !truthy(operand);
        const negated = arithmetic('-', 0, plain(output(operand, describe(node.operand))));
        return holdsSecret(operand) ? fromSecret(negated) : negated;
      }
      case 'binary':
        return this.binary(node.op, node.left, node.right);
      case 'cond':
        return truthy(this.value(node.test)) ? this.value(node.then) : node.otherwise ? this.value(node.otherwise) : '';
    }
  }

  /** A filter's arguments in the order of its parameters, keyword arguments placed by name. */
  private filterArgs(name: string, positional: Node[], keywords: Array<[string, Node]>): Value[] {
    const parameters = PARAMETERS[name] ?? [];
    const takes = parameters.length === 0 ? 'no arguments here' : `only ${parameters.join(', ')} here`;
    if (positional.length > parameters.length) throw new JinjaError(`Jinja2 filter ${name} takes ${takes}`);
    const args: Value[] = positional.map((arg) => output(this.value(arg), describe(arg)));
    for (const [keyword, arg] of keywords) {
      const at = parameters.indexOf(keyword);
      if (at < 0) throw new JinjaError(`Jinja2 filter ${name} has no argument ${keyword}: it takes ${takes}`);
      if (at < args.length && args[at] !== undefined) throw new JinjaError(`Jinja2 filter ${name} got ${keyword} twice`);
      args[at] = output(this.value(arg), describe(arg));
    }
    return args;
  }

  private binary(op: string, leftNode: Node, rightNode: Node): Value {
    if (op === 'and') {
      const left = this.value(leftNode);
      return truthy(left) ? this.value(rightNode) : left;
    }
    if (op === 'or') {
      const left = this.value(leftNode);
      return truthy(left) ? left : this.value(rightNode);
    }
    const left = output(this.value(leftNode), describe(leftNode));
    const right = output(this.value(rightNode), describe(rightNode));
    const [a, b] = [plain(left), plain(right)];
    // Asked only where the result is text or a number (a comparison's boolean tells nothing new): a scan of both operands.
    const secret = (): boolean => holdsSecret(left) || holdsSecret(right);
    // A number or text made from a secret is a secret; a list's items (`[pw] * 2`) keep their own secrecy.
    const made = (result: Value): Value => (!Array.isArray(result) && secret() ? fromSecret(result) : result);
    switch (op) {
      case '~':
        return secret() ? derivedSecret(text(a) + text(b)) : text(a) + text(b);
      case '+':
        if (typeof a === 'string' && typeof b === 'string') return secret() ? derivedSecret(a + b) : a + b;
        // The items of two lists keep their own secrecy.
        if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
        return made(arithmetic(op, a, b));
      case '-':
      case '*':
      case '/':
      case '%':
        return made(arithmetic(op, a, b));
      case '==':
        return sameValue(a, b);
      case '!=':
        return !sameValue(a, b);
      case '<':
      case '>':
      case '<=':
      case '>=':
        return compared(op, a, b);
      case 'in':
        return typeof b === 'string' ? b.includes(text(a)) : Array.isArray(b) ? b.some((x) => sameValue(plain(x), a)) : b !== null && typeof b === 'object' && Object.hasOwn(b, String(a));
      default:
        throw new JinjaError(`Jinja2 operator ${op} is not supported`);
    }
  }
}
