/** The parser of the Jinja2 subset: `{{ expression }}` into a tree of Nodes. Pure. */
import { shorten } from '../secrets.js';
import { JinjaError } from './jinja-error.js';
import { numberLiteral } from './python-numbers.js';
import type { Value } from './python-values.js';

export type Node =
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
export function describe(node: Node): string {
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

const TOKEN = /\s*(?:(\d(?:_?\d)*(?:\.\d(?:_?\d)*)?(?:[eE][-+]?\d(?:_?\d)*)?)|('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|([A-Za-z_][A-Za-z0-9_]*)|(==|!=|<=|>=|\/\/|\*\*|\}\}|[-+*/%~|.,:()[\]{}<>=]))/y;

const OPENING = new Set(['(', '[', '{']);
const CLOSING = new Set([')', ']', '}']);

/** The deepest nesting of expressions a template may have: far more than any template needs, far less than overflows the stack. */
const MAX_DEPTH = 200;

const tooDeep = (): JinjaError => new JinjaError(`Jinja2 expression nested too deeply: expected at most ${MAX_DEPTH} levels of brackets, operators and filters inside one another`);

/** How many nodes deep the tree of `root` is, walked without recursion. */
function treeDepth(root: Node): number {
  let deepest = 0;
  const stack: Array<[Node, number]> = [[root, 1]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [node, depth] = item;
    deepest = Math.max(deepest, depth);
    for (const child of Object.values(node).flat(2)) if (isNode(child)) stack.push([child, depth + 1]);
  }
  return deepest;
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && 'kind' in value;
}

export class Parser {
  #at: number;
  /** How many brackets are open: inside one, `}}` is two closing braces, as Jinja2's lexer reads it (`{'a': {'b': 1}}`). */
  #open = 0;
  /** How deep the expression being read stands inside others (see deeper). */
  #depth = 0;
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
      // Masked before it is cut: a cut secret would no longer be recognised.
      throw new JinjaError(`Jinja2 syntax near '${shorten(rest, 12)}' is not supported`);
    }
    const type = m[1] !== undefined ? 'number' : m[2] !== undefined ? 'string' : m[3] !== undefined ? 'name' : 'op';
    const token = m[1] ?? m[2] ?? m[3] ?? m[4]!;
    if (token === '}}' && this.#open > 0) this.#peeked = { type, text: '}', end: TOKEN.lastIndex - 1 };
    else this.#peeked = { type, text: token, end: TOKEN.lastIndex };
    return this.#peeked;
  }

  private next() {
    const token = this.peek();
    this.#at = token.end;
    this.#peeked = undefined;
    if (token.type === 'op') this.#open += OPENING.has(token.text) ? 1 : CLOSING.has(token.text) ? -1 : 0;
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
    return this.deeper(() => this.conditional());
  }

  /** What `read` parses one level deeper: past MAX_DEPTH (brackets, `not`, `-`, expressions inside others) the template is refused, never overflowing the stack. */
  private deeper<T extends Node>(read: () => T): T {
    if (++this.#depth > MAX_DEPTH) throw tooDeep();
    const node = read();
    // A chain (`1 + 1 + ...`, `x | f | f ...`) is read in a loop but makes a tree as deep as it is long, which rendering walks.
    if (--this.#depth === 0 && treeDepth(node) > MAX_DEPTH) throw tooDeep();
    return node;
  }

  private conditional(): Node {
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
    if (this.accept('not')) return { kind: 'unary', op: 'not', operand: this.deeper(() => this.not()) };
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
    let left = this.power();
    for (;;) {
      const token = this.peek();
      if (token.type !== 'op' || !['*', '/', '//', '%'].includes(token.text)) return left;
      this.next();
      left = { kind: 'binary', op: token.text, left, right: this.power() };
    }
  }

  /** `**` as Jinja2 reads it: after a unary minus (`-2 ** 2` is 4), from the left (`2 ** 3 ** 2` is 64). */
  private power(): Node {
    let left = this.unary();
    while (this.accept('**')) left = { kind: 'binary', op: '**', left, right: this.unary() };
    return left;
  }

  /** As Jinja2 reads it: filters and tests after a minus take the negated value (`-2.5 | abs` is 2.5). */
  private unary(withFilters = true): Node {
    const node: Node = this.accept('-') ? { kind: 'unary', op: '-', operand: this.deeper(() => this.unary(false)) } : this.postfix();
    return withFilters ? this.filtered(node) : node;
  }

  private filtered(operand: Node): Node {
    let node = operand;
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
    if (token.type === 'number') return { kind: 'literal', value: numberLiteral(token.text) };
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
