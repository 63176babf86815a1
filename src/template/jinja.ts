/**
 * The subset of Jinja2 that Ansible inventories commonly use in variables:
 * `{{ expression }}` with variables, attribute and index access (`a.b`,
 * `a['b']`, `hostvars[inventory_hostname]`), literals, `~` and `+`,
 * comparisons, `and`/`or`/`not`, `x if c else y`, `is defined`, and the
 * filters of jinja-filters.ts. Anything else (statements `{% %}`, function calls, other
 * filters) fails with a message naming it, e.g. "Jinja2 filter X is not
 * supported". Pure: variables come from `lookup`. Values behave as Python's:
 * integers are exact at any size (one beyond a JavaScript number's exact
 * range, from a variable or a long literal, is a bigint while evaluating and
 * its digits as text in the result, as variables hold it), `'a' + 1` and
 * `'a' < 1` are errors, numbers sort by value. Text or a number computed from
 * a secret's value is a secret.
 */
import { JinjaError } from './jinja-error.js';
import { heldByVariables, numberMarkOf, type NumberMark } from './number-marks.js';
import { isFloat, pythonNumber } from './python-numbers.js';
import { FILTERS, PARAMETERS, SUPPORTED_FILTERS } from './jinja-filters.js';
import { describe, Parser, type Node } from './jinja-parser.js';
import { derivedSecret, filtered, fromSecret, holdsSecret, secretKey } from './jinja-secrecy.js';
import { arithmetic, compared, isInteger, isMapping, itemOf, negated, plain, pythonText, sameValue, text, truthy, UNDEFINED, type Value } from './python-values.js';

export { JinjaError } from './jinja-error.js';

/** Looks a variable up by name; `undefined` when it is not defined. */
export type Lookup = (name: string) => unknown;

// What only Handlebars reads inside `{{`: a block, its end or `else`, a partial, a comment, `{{{raw}}}`, `{{&raw}}`, `~` whitespace control, `@data`, `../parent`, `this`.
const HANDLEBARS_ONLY = /^(?:[#/^>!{&~@]|\s*(?:\.\.\/|this\b|else\b))/;
const HELPER_CALL = /^\s*([A-Za-z_][\w-]*)\s+\S/;

/**
 * Whether an inventory value reads as Jinja2, as Ansible reads every one: yes unless it uses Handlebars syntax that
 * is no Jinja2 expression: a block (`{{#if}}`), a helper call (`{{addresses "app"}}`, where `isHelper` knows the
 * helper's name), a partial, a comment or a triple-stash. Text whose `{{ }}` is neither (`{{ a b }}`) is Jinja2, so
 * its error is Jinja2's.
 */
export function isJinja(text: string, isHelper: (name: string) => boolean): boolean {
  // Statements are Jinja2's alone: renderJinja says they are not supported.
  if (text.includes('{%')) return true;
  if (!text.includes('{{')) return false;
  let at = 0;
  for (let open = text.indexOf('{{'); open >= 0; open = text.indexOf('{{', at)) {
    const parser = new Parser(text, open + 2);
    try {
      parser.expression();
      parser.expectClose();
      at = parser.position;
      continue;
    } catch (err) {
      if (!(err instanceof JinjaError)) throw err;
    }
    const inside = text.slice(open + 2);
    const call = HELPER_CALL.exec(inside);
    if (HANDLEBARS_ONLY.test(inside) || (call && isHelper(call[1]!))) return false;
    at = open + 2;
  }
  return true;
}

/**
 * Renders a template string. A string that is exactly one `{{ expression }}`
 * keeps the expression's own type (a list stays a list, as in Ansible); text
 * that holds a Secret's value becomes a Secret. `onNumbers` learns where the
 * result holds numbers that variables cannot hold as Python does (see number-marks.ts).
 */
export function renderJinja(text: string, lookup: Lookup, onNumbers?: (mark: NumberMark) => void): Value {
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
    // Variables hold it as they hold values (an integer beyond 2^53 as digits, 2.0 as 2): where such numbers are, so a template using it computes with them.
    const mark = numberMarkOf(value);
    if (mark !== undefined) onNumbers?.(mark);
    return heldByVariables(value);
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

function output(value: Value, what: string): Value {
  if (value === UNDEFINED) throw new JinjaError(`'${what}' is not defined`);
  return value;
}

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
        return filtered(node.name, target, args, filter(target, args));
      }
      case 'test': {
        const target = this.value(node.target);
        const tests: Record<string, () => boolean> = {
          defined: () => target !== UNDEFINED,
          undefined: () => target === UNDEFINED,
          none: () => target === null,
          string: () => typeof plain(target) === 'string',
          // Python's bool is a number too, as Jinja2's test says.
          number: () => pythonNumber(plain(target)) !== undefined,
          integer: () => isInteger(plain(target)),
          float: () => isFloat(plain(target)),
        };
        const test = tests[node.name];
        if (!test) throw new JinjaError(`Jinja2 test ${node.name} is not supported (supported: ${Object.keys(tests).join(', ')})`);
        return test() !== node.negated;
      }
      case 'unary': {
        const operand = this.value(node.operand);
        if (node.op === 'not') return !truthy(operand);
        const result = negated(plain(output(operand, describe(node.operand))));
        return holdsSecret(operand) ? fromSecret(result) : result;
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
      case '//':
      case '%':
      case '**':
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
        return typeof b === 'string' ? b.includes(text(a)) : Array.isArray(b) ? b.some((x) => sameValue(plain(x), a)) : isMapping(b) && Object.hasOwn(b, String(a));
      default:
        throw new JinjaError(`Jinja2 operator ${op} is not supported`);
    }
  }
}
