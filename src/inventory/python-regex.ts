/**
 * A Python regular expression (re, str patterns, no flags) as a JavaScript RegExp that finds the same matches, for
 * ansible.cfg's ignore_patterns. Python's own syntax is translated (\A, \Z, (?P<name>), Unicode \w \d \s, `.` and `$`
 * as Python reads them); what has no exact translation (inline flags, \N{...}, octal escapes) throws, so a pattern is
 * never read otherwise than Python would. The pattern is read in JavaScript's Unicode mode, which refuses any escape it
 * does not know (outside it, `\a` would be a plain `a`).
 */

const WORD = String.raw`\p{L}\p{N}_`;
// str.isspace() in Python: JavaScript's \s and the four information separators.
const SPACE = String.raw`\s\x1c-\x1f`;

/** Python's escapes that mean something else, or nothing, in JavaScript: outside a character class, then inside one. */
const OUTSIDE: Record<string, string> = {
  A: '^',
  Z: '$',
  a: String.raw`\x07`,
  w: `[${WORD}]`,
  W: `[^${WORD}]`,
  d: String.raw`\p{Nd}`,
  D: String.raw`\P{Nd}`,
  s: `[${SPACE}]`,
  S: `[^${SPACE}]`,
  b: `(?:(?<=[${WORD}])(?![${WORD}])|(?<![${WORD}])(?=[${WORD}]))`,
  B: `(?:(?<=[${WORD}])(?=[${WORD}])|(?<![${WORD}])(?![${WORD}]))`,
};
const INSIDE: Record<string, string> = { a: String.raw`\x07`, b: String.raw`\x08`, w: WORD, d: String.raw`\p{Nd}`, D: String.raw`\P{Nd}`, s: SPACE };
// Escapes that mean the same in both (hex, \u, control characters); \1-\9 are back references outside a class.
const SAME = new Set(['f', 'n', 'r', 't', 'v', 'x', 'u']);
// Characters that need their backslash in a JavaScript Unicode-mode pattern (and `-` inside a class).
const SYNTAX = new Set([...'^$\\.*+?()[]{}|/']);

/** `pattern` (Python) as a JavaScript RegExp; throws an Error when it cannot be read exactly as Python reads it. */
export function pythonRegex(pattern: string): RegExp {
  return new RegExp(translated(pattern), 'u');
}

function translated(pattern: string): string {
  let out = '';
  let inClass = false;
  let classStart = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    const atClassStart: boolean = classStart;
    classStart = false;
    if (char === '\\') {
      out += escape(pattern, i + 1, inClass);
      i += pattern[i + 1] === 'U' ? 9 : 1;
    } else if (inClass) {
      if (char === ']' && !atClassStart) inClass = false;
      // Python reads a ] first in a class as itself; JavaScript's [] would be an empty class.
      out += char === ']' && atClassStart ? String.raw`\]` : char;
      classStart = atClassStart && char === '^';
    } else if (char === '[') {
      inClass = true;
      classStart = true;
      out += char;
    } else if (char === '(' && pattern[i + 1] === '?') {
      const group = groupStart(pattern, i);
      out += group.text;
      i += group.length - 1;
    } else if (char === '.') {
      out += String.raw`[^\n]`;
    } else if (char === '$') {
      // Python's $ matches at the end and before a newline that ends the text.
      out += String.raw`(?=\n?$)`;
    } else {
      out += char;
    }
  }
  return out;
}

/** The escape whose letter is at `at`, in JavaScript's words. */
function escape(pattern: string, at: number, inClass: boolean): string {
  const letter = pattern[at];
  if (letter === undefined) throw new Error('a pattern ending in a backslash');
  const table = inClass ? INSIDE : OUTSIDE;
  if (table[letter] !== undefined) return table[letter];
  if (SAME.has(letter)) return `\\${letter}`;
  if (letter === 'U') return `\\u{${hex(pattern.slice(at + 1, at + 9))}}`;
  if (letter === '0' && !/[0-7]/.test(pattern[at + 1] ?? '')) return String.raw`\x00`;
  if (/[1-9]/.test(letter) && !inClass && !/[0-9]/.test(pattern[at + 1] ?? '')) return `\\${letter}`;
  if (/[A-Za-z0-9]/.test(letter)) throw new Error(`\\${letter} has no exact JavaScript translation`);
  return SYNTAX.has(letter) || (inClass && letter === '-') ? `\\${letter}` : letter;
}

function hex(digits: string): string {
  if (!/^[0-9a-fA-F]{8}$/.test(digits)) throw new Error('\\U needs eight hex digits');
  return digits;
}

/** A group's opening `(?...` at `at`: Python's named groups and references translated, lookarounds and (?: as they are. */
function groupStart(pattern: string, at: number): { text: string; length: number } {
  const rest = pattern.slice(at);
  const named = /^\(\?P<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
  if (named) return { text: `(?<${named[1]}>`, length: named[0].length };
  const reference = /^\(\?P=([A-Za-z_][A-Za-z0-9_]*)\)/.exec(rest);
  if (reference) return { text: `\\k<${reference[1]}>`, length: reference[0].length };
  const plain = /^\(\?(?::|=|!|<=|<!)/.exec(rest);
  if (plain) return { text: plain[0], length: plain[0].length };
  throw new Error('inline flags, comments and conditional groups have no exact JavaScript translation');
}
