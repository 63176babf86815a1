import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { heredocBase64, quote, raw, sh } from './quote.js';

const echoed = (script: string): string => execFileSync('sh', ['-c', script]).toString();

describe('quote', () => {
  it.each([
    ['plain', 'nginx', 'nginx'],
    ['path', '/etc/nginx/nginx.conf', '/etc/nginx/nginx.conf'],
    ['number', 644, '644'],
    ['space', 'a b', "'a b'"],
    ['empty', '', "''"],
    ['single quote', "it's", `'it'\\''s'`],
    ['injection', "'; rm -rf / #", `''\\''; rm -rf / #'`],
    ['dollar', '$(id)', "'$(id)'"],
  ])('%s', (_, input, expected) => {
    expect(quote(input)).toBe(expected);
  });

  it.each(["'; rm -rf / #", '$(touch /tmp/x)', '`id`', 'a\nb', '"q" \\ \'s\'', '*', '-n'])('round-trips %j through a real shell', (value) => {
    expect(echoed(`printf '%s' ${quote(value)}`)).toBe(value);
  });
});

describe('sh tag', () => {
  it('quotes values, expands lists into words and keeps raw text', () => {
    expect(sh`apt-get install ${['a b', 'c']} ${raw('>/dev/null')} ${"it's"}`).toBe(`apt-get install 'a b' c >/dev/null 'it'\\''s'`);
  });
});

describe('heredocBase64', () => {
  it('carries any bytes through stdin', () => {
    const content = `line 1\n$(id) 'q' "d" \\ \u00e9\n${'x'.repeat(200)}\n__PROVISION_EOF__\n`;
    expect(echoed(heredocBase64(content))).toBe(content);
  });
});
