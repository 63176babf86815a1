import { describe, expect, it } from 'vitest';
import { closest, editDistance } from './suggest.js';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['', 'abc', 3],
    ['abc', '', 3],
    ['abc', 'abc', 0],
    ['kitten', 'sitting', 3],
    ['flaw', 'lawn', 2],
    ['intention', 'execution', 5],
    ['ansible_hots', 'ansible_host', 2],
    ['ansible_usr', 'ansible_user', 1],
    ['ab', 'ba', 2],
    ['Host', 'host', 1],
  ])('%j to %j is %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});

describe('closest', () => {
  it.each([
    ['ansible_usr', ['ansible_user', 'ansible_host'], 'ansible_user'],
    ['ANSIBLE_HOST', ['ansible_user', 'ansible_host'], 'ansible_host'],
    ['xyz', ['ansible_user', 'ansible_host'], undefined],
    ['tags', [], undefined],
  ])('%j among %j is %j', (name, known, expected) => {
    expect(closest(name, known)).toBe(expected);
  });
});
