import { describe, expect, it } from 'vitest';
import { editDistance, withinEditDistance } from './suggest.js';

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
