import { describe, expect, it } from 'vitest';
import { display } from './display.js';

describe('display: what a host or an inventory sends cannot change how the terminal shows a line', () => {
  it.each([
    ['escape sequence (clear screen)', 'web\u001b[2J', 'web\\u001b[2J'],
    ['carriage return', 'ok\rfailed', 'ok\\u000dfailed'],
    ['8-bit CSI', 'a\u009b31m', 'a\\u009b31m'],
    ['right-to-left override', 'web-01\u202e: changed', 'web-01\\u202e: changed'],
    ['left-to-right override', '\u202dx', '\\u202dx'],
    ['right-to-left embedding and pop', '\u202bx\u202c', '\\u202bx\\u202c'],
    ['right-to-left isolate', 'x\u2067y\u2069', 'x\\u2067y\\u2069'],
    ['first strong isolate', '\u2068x', '\\u2068x'],
    ['left-to-right isolate', '\u2066x', '\\u2066x'],
    ['right-to-left mark', 'x\u200f', 'x\\u200f'],
    ['left-to-right mark', 'x\u200e', 'x\\u200e'],
    ['Arabic letter mark', 'x\u061c', 'x\\u061c'],
  ])('%s', (_, text, shown) => {
    expect(display(text)).toBe(shown);
  });

  it.each([
    ['newline and tab', 'a\n\tb'],
    ['Hebrew and Arabic letters', 'שלום مرحبا'],
    ['accents and emoji', 'café ✓ 🚀'],
  ])('leaves %s as they are', (_, text) => {
    expect(display(text)).toBe(text);
  });
});
