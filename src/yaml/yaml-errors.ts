import type { YAMLError } from 'yaml';

/** What is wrong with a `!!float` value PyYAML cannot read (the value itself is not shown: a file may hold secrets). */
export const FLOAT_PROBLEM = 'a !!float value that is no number: expected digits, with a dot, an exponent or : (base 60), or .inf or .nan';

// Codes whose cause is nearly always indentation, so the message says where to look.
const INDENTATION_CODES = new Set(['BLOCK_AS_IMPLICIT_KEY', 'MULTILINE_IMPLICIT_KEY', 'UNEXPECTED_TOKEN']);

/** A yaml parse error or warning as `<what is wrong>: <what was expected>`, in words a user can act on. */
export function describeYamlError(error: YAMLError, text: string): string {
  // yaml turns its own stack overflow on absurd nesting into an error like any other.
  if (/call stack/i.test(error.message)) return 'structure nested too deeply: expected fewer levels of nesting';
  switch (error.code) {
    case 'TAB_AS_INDENT':
      return 'tab character in indentation: expected spaces';
    case 'DUPLICATE_KEY': {
      const key = keyAt(text, error.pos[0]);
      return `duplicate key${key ? ` '${key}'` : ''}: expected each key once in a mapping (merge the two entries)`;
    }
    case 'MULTIPLE_DOCS':
      return 'more than one YAML document (---): expected a single document';
    case 'BAD_INDENT': {
      const closing = /end with an? ([\]}])/.exec(error.message)?.[1];
      if (closing) return `${closing === ']' ? 'list [' : 'mapping {'} not closed: expected a closing ${closing}`;
      return badIndentation(error.message);
    }
    case 'MISSING_CHAR':
      if (error.message.includes('quote')) return `quoted string not closed: expected a closing ${/'quote/.test(error.message) ? "'" : '"'}`;
      return syntaxError(error.message);
    case 'TAG_RESOLVE_FAILED':
      if (error.message.includes(FLOAT_PROBLEM)) return FLOAT_PROBLEM;
      return `unsupported tag ${text.slice(error.pos[0], error.pos[1])}: expected a plain value (write a secret as { secret: ENV_NAME })`;
    default:
      return INDENTATION_CODES.has(error.code) ? badIndentation(error.message) : syntaxError(error.message);
  }
}

function badIndentation(message: string): string {
  return `bad indentation or structure: ${readable(message)} (check the indentation of this line and the one above)`;
}

function syntaxError(message: string): string {
  return `YAML syntax error: ${readable(message)}`;
}

/**
 * yaml's message without its API advice, without the source text it may quote
 * (`…token in YAML stream: "password=…"`: the file may hold secrets; the
 * position says where), and with a lower-case start, to follow "…:".
 */
function readable(message: string): string {
  const sentence = message.split(';')[0]!.replace(/:\s*".*$/s, '').trim();
  return sentence.charAt(0).toLowerCase() + sentence.slice(1);
}

/** The mapping key written at `offset` (quotes removed), for naming a duplicate key. */
function keyAt(text: string, offset: number): string | undefined {
  const lineEnd = text.indexOf('\n', offset);
  const rest = text.slice(offset, lineEnd < 0 ? undefined : lineEnd);
  const match = /^("(?:[^"\\]|\\.)*"|'[^']*'|[^:#{}[\],]*?)\s*:(?:\s|$)/.exec(rest);
  const key = match?.[1]?.trim();
  if (!key) return undefined;
  return /^["']/.test(key) ? key.slice(1, -1) : key;
}
