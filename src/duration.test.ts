import { describe, expect, it } from 'vitest';
import { formatDuration } from './duration.js';

const DAY = 86_400_000;

describe('formatDuration', () => {
  it.each([
    [0, '0 s'],
    [59_000, '59 s'],
    [60_000, '1 min'],
    [3_600_000, '1 h'],
    [DAY, '1 day'],
    [2 * DAY + 5, '2 days'],
    [-5, '0 s'],
  ])('%d ms → %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
