import type { YAMLError } from 'yaml';

// Codes whose cause is nearly always indentation, so the message says where to look.
const INDENTATION_CODES = new Set(['BAD_INDENT', 'BLOCK_AS_IMPLICIT_KEY', 'MULTILINE_IMPLICIT_KEY', 'UNEXPECTED_TOKEN']);

/** A yaml parse error or warning as `<what is wrong>: <what was expected>`, in words a user can act on. */
export function describeYamlError(error: YAMLError, text: string): string {
  switch (error.code) {
    case 'TAB_AS_INDENT':
      return 'tab character in indentation: expected spaces';
    case 'DUPLICATE_KEY': {
      const key = keyAt(text, error.pos[0]);
      return `duplicate key${key ? ` '${key}'` : ''}: expected each key once in a mapping (merge the two entries)`;
    }
    case 'MULTIPLE_DOCS':
      return 'more than one YAML document (---): expected a single document';
    case 'TAG_RESOLVE_FAILED':
      return `unsupported tag ${text.slice(error.pos[0], error.pos[1])}: expected a plain value (write a secret as { secret: ENV_NAME })`;
    default: {
      const what = INDENTATION_CODES.has(error.code) ? 'bad indentation or structure' : 'YAML syntax error';
      const hint = INDENTATION_CODES.has(error.code) ? ' (check the indentation of this line and the one above)' : '';
      return `${what}: ${readable(error.message)}${hint}`;
    }
  }
}

/** yaml's message without its API advice and with a lower-case start, to follow "…:". */
function readable(message: string): string {
  const sentence = message.split(';')[0]!.trim();
  return sentence.charAt(0).toLowerCase() + sentence.slice(1);
}

/** The mapping key written at `offset` (quotes removed), for naming a duplicate key. */
function keyAt(text: string, offset: number): string | undefined {
  const rest = text.slice(offset, text.indexOf('\n', offset) >>> 0);
  const match = /^("(?:[^"\\]|\\.)*"|'[^']*'|[^:#{}[\],]*?)\s*:(?:\s|$)/.exec(rest);
  const key = match?.[1]?.trim();
  if (!key) return undefined;
  return /^["']/.test(key) ? key.slice(1, -1) : key;
}
