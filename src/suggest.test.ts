import { describe, expect, it } from 'vitest';
import { closest, editDistance, withinEditDistance } from './suggest.js';

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

describe('withinEditDistance', () => {
  // Pairs around the bound: it says what editDistance(a, b) <= max says.
  it.each([
    ['', '', 0],
    ['', 'ab', 1],
    ['port', 'port', 0],
    ['prot', 'port', 1],
    ['prot', 'port', 2],
    ['adress', 'address', 1],
    ['Port', 'port', 0],
    ['ansible_ssh_usr', 'ansible_ssh_user', 1],
    ['ansible_sh_usr', 'ansible_ssh_user', 1],
    ['ansible_sh_usr', 'ansible_ssh_user', 2],
    ['become_pass', 'become_password', 2],
    ['kitten', 'sitting', 2],
    ['kitten', 'sitting', 3],
    ['abcdef', 'fedcba', 2],
    ['xyzxyzxyzq', 'ansible_port', 2],
  ])('%j and %j within %d', (a, b, max) => expect(withinEditDistance(a, b, max)).toBe(editDistance(a, b) <= max));
});
