import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { ResourceType } from '../resources/types.js';
import { heredoc, heredocBase64, insert, joinShell, lines, NulByteError, quote, sh, trusted, userText, variable, words, type Shell } from './quote.js';

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
    expect(String(quote(input))).toBe(expected);
  });

  it.each(["'; rm -rf / #", '$(touch /tmp/x)', '`id`', 'a\nb', '"q" \\ \'s\'', '*', '-n'])('round-trips %j through a real shell', (value) => {
    expect(echoed(`printf '%s' ${quote(value)}`)).toBe(value);
  });

  it.each([['/usr/l\0ib'], ['\0'], ['a\0']])('refuses a NUL byte (%j): a shell word would end there', (value) => {
    expect(() => quote(value)).toThrow(NulByteError);
    expect(() => sh`rm -rf -- ${value}`).toThrow(NulByteError);
    expect(() => userText(`echo ${value}`)).toThrow(NulByteError);
  });
});

describe('sh tag', () => {
  it('quotes values, expands lists into words and inserts built shell text as is', () => {
    expect(String(sh`apt-get install ${['a b', 'c']} ${insert(trusted('>/dev/null'))} ${"it's"}`)).toBe(`apt-get install 'a b' c >/dev/null 'it'\\''s'`);
  });

  it('quotes a Shell given as a plain string again rather than trusting it', () => {
    const built = sh`echo ${'a b'}`;
    expect(String(sh`x ${String(built)}`)).toBe(`x 'echo '\\''a b'\\'''`);
  });
});

describe('joiners', () => {
  it.each([
    ['lines leaves out false and undefined', lines('a', false, sh`b ${'c d'}`, undefined), "a\nb 'c d'"],
    ['joinShell with a separator', joinShell([trusted('true'), sh`echo ${'x y'}`], ' && '), "true && echo 'x y'"],
    ['words', words(['a b', 'c']), "'a b' c"],
    ['variable', variable('provision_path_3'), 'provision_path_3'],
  ])('%s', (_, built, expected) => {
    expect(String(built)).toBe(expected);
  });

  it.each(['a b', '1x', 'x;y', ''])('variable refuses %j', (name) => {
    expect(() => variable(name)).toThrow(/not a shell variable name/);
  });
});

/** Compile-time: a plain string is not shell text. tsc fails on an @ts-expect-error that is not an error. */
describe('the Shell type', () => {
  it('is not a plain string: joiners, trusted and resource scripts refuse computed strings', () => {
    const value: string = '$(touch /tmp/PWNED)';
    // @ts-expect-error a computed string is not a line of a script
    const joined = lines('echo ok', `echo ${value}`);
    // @ts-expect-error a computed string is not a Shell part
    joinShell([value], ' ');
    // @ts-expect-error trusted takes only a literal written in the source
    trusted(value);
    // @ts-expect-error a Shell put into sh must go through insert (else it would be quoted twice)
    sh`x ${sh`y`}`;
    const type: Pick<ResourceType<string, string>, 'apply'> = {
      // @ts-expect-error apply must return Shell, not a string built by hand
      apply: (desired: string) => `rm -rf ${desired}`,
    };
    const script: Shell = sh`rm -rf -- ${value}`;
    expect(String(joined)).toContain('echo ok');
    expect(typeof type.apply).toBe('function');
    expect(String(script)).toBe("rm -rf -- '$(touch /tmp/PWNED)'");
  });
});

describe('heredocBase64', () => {
  it.each([
    ['any bytes', `line 1\n$(id) 'q' "d" \\ \u00e9\n${'x'.repeat(200)}\n__PROVISION_EOF__\n`],
    ['a value holding a newline and the end marker cannot end the document early', '7.0\n__PROVISION_EOF__\ntouch /tmp/PWNED\n'],
  ])('carries %s through stdin', (_, content) => {
    expect(echoed(heredocBase64(content))).toBe(content);
  });
});

describe('heredoc', () => {
  it.each([
    ['shell syntax, quotes and backslashes, as they are', `$(id) \`id\` 'q' "d" \\ \\n $HOME \u00e9\n`],
    ['a line that is the end marker, and one that is its next choice', 'a\nPROVISION_TEXT\nPROVISION_TEXT_1\ntouch /tmp/PWNED\n'],
    ['no last line end (one is added)', 'SELECT 1;'],
  ])('carries %s through stdin, expanding nothing', (_, content) => {
    const script = heredoc(trusted('cat'), content);
    expect(echoed(script)).toBe(content.endsWith('\n') ? content : `${content}\n`);
  });

  it('refuses a NUL byte', () => {
    expect(() => heredoc(trusted('cat'), 'a\0b')).toThrow(NulByteError);
  });
});
