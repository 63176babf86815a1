import { Secret, shorten } from '../secrets.js';

const MAX_SHOWN = 40;

/** What a value is, for "got ..." in error messages: `string "ssh"`, `integer 70000`, `list`. Never shows a secret. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing (null)';
  if (value instanceof Secret) return 'a secret';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return `string ${truncate(JSON.stringify(value))}`;
    case 'number':
      return Number.isInteger(value) ? `integer ${value}` : `number ${value}`;
    case 'boolean':
      return `boolean ${value}`;
    case 'object':
      return 'a mapping';
    default:
      return typeof value;
  }
}

// A text holding a secret is masked before it is cut (a cut secret would no longer be recognised).
function truncate(text: string): string {
  const short = shorten(text, MAX_SHOWN - 1);
  return short.endsWith('…') ? `${short}"` : short;
}
