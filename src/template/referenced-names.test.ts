import { describe, expect, it } from 'vitest';
import { referencedNames } from './referenced-names.js';

describe('the variables a value may read', () => {
  it.each([
    ['{{ vault_x }}', ['vault_x']],
    ['{{ vault_x | b64decode | upper }}', ['vault_x']],
    ["{{ a.b ~ c['d'] ~ \"e\" }}", ['a', 'c']],
    ['{% if x is not defined %}{{ y|default(z) }}{% endif %}', ['if', 'x', 'y', 'z', 'endif']],
    ['{{lookup (lookup hostvars mysql_primary) "address"}}', ['lookup', 'hostvars', 'mysql_primary']],
    [['{{ l1 }}', { k: '{{ m1 }}' }, 42, null], ['l1', 'm1']],
    ['no template, or {{ \'a quoted name\' }}', []],
  ])('%j', (value, names) => {
    expect([...referencedNames(value)]).toEqual(names);
  });
});
