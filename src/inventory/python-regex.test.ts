import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { pythonRegex } from './python-regex.js';

/** File names an ignore_pattern is searched in: ASCII, Unicode letters and digits, separators, a trailing newline. */
const NAMES = ['old_web', 'web.old', 'web.old\n', 'web.older', 'a]b', 'a-b', 'a~', 'été.yml', 'x٣y', 'a b', 'a\x1cb', 'A1', 'bell\x07', 'a.b.c', '_x', 'ü-ü', 'ab\nc', '😀.yml'];

/** Python patterns with their own syntax or meaning: each must find in NAMES exactly what Python's re.search finds. */
const PATTERNS = [
  String.raw`^old_`,
  String.raw`\.old\Z`,
  String.raw`\.old$`,
  String.raw`\Aold`,
  String.raw`\w+\.yml`,
  String.raw`^\w+$`,
  String.raw`\W`,
  String.raw`\d`,
  String.raw`\D\d`,
  String.raw`a\sb`,
  String.raw`\S\s\S`,
  String.raw`\bb`,
  String.raw`\Bb`,
  String.raw`[]a]`,
  String.raw`[^]a-z]`,
  String.raw`a\-b`,
  String.raw`a\~`,
  String.raw`[\w-]+\.yml$`,
  String.raw`\a`,
  String.raw`a.b`,
  String.raw`b.c`,
  String.raw`(?P<x>a)(?P=x)?`,
  String.raw`(?:old|web)\.`,
  String.raw`(?<=a)\.`,
  String.raw`\x41\u00e9`,
  String.raw`\U0001F600`,
  String.raw`^.\.yml$`,
];

const ORACLE = `
import json, re, sys
cases = json.load(sys.stdin)
print(json.dumps([[bool(re.search(p, n)) for n in cases['names']] for p in cases['patterns']]))
`;

describe('ignore_patterns: a Python regular expression finds in a name what Python finds (Python is the oracle)', () => {
  const oracle = JSON.parse(execFileSync('/usr/bin/python3', ['-c', ORACLE], { input: JSON.stringify({ names: NAMES, patterns: PATTERNS }), encoding: 'utf8' })) as boolean[][];
  it.each(PATTERNS.map((pattern, i) => [pattern, i] as const))('%s', (pattern, i) => {
    const regex = pythonRegex(pattern);
    expect(NAMES.map((name) => regex.test(name))).toEqual(oracle[i]);
  });
});

describe('a pattern with no exact JavaScript translation is refused, never read otherwise', () => {
  it.each([
    ['inline flags', String.raw`(?i)old`],
    ['a comment group', String.raw`(?#c)old`],
    ['a named character', String.raw`\N{BULLET}`],
    ['an octal escape', String.raw`\012`],
    ['an unknown escape', String.raw`\q`],
    ['\\W inside a class', String.raw`[\W]`],
    ['a trailing backslash', 'old\\'],
    ['a short \\U', String.raw`\U1F600`],
  ])('%s', (_, pattern) => {
    expect(() => pythonRegex(pattern)).toThrow();
  });
});
