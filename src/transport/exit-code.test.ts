import { describe, expect, it } from 'vitest';
import { exitCodeOf } from './exit-code.js';

describe('exitCodeOf', () => {
  it.each([
    ['an exit code', 0, null, 0],
    ['a failing exit code', 3, null, 3],
    ['SIGKILL', null, 'SIGKILL', 137],
    ['SIGTERM', null, 'SIGTERM', 143],
    ['SIGHUP', null, 'SIGHUP', 129],
    ['an unknown signal: no code', null, 'SIGNOPE', null],
    ['neither: no code', null, null, null],
  ] as const)('%s', (_, code, signal, expected) => {
    expect(exitCodeOf(code, signal)).toBe(expected);
  });
});
