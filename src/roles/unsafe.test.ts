import { describe, expect, it } from 'vitest';
import { loadInventory } from '../inventory/load.js';
import { tempFile } from '../../test/fixtures/inventory/fixtures.js';
import { variablesOf } from './plan.js';
import { hostContext, renderText } from './render.js';

// Ansible's `!unsafe` marks a value that is never templated; checked with ansible-core: `x: "{{ y }}"` with `y: !unsafe '{{ z }}'` gives `{{ z }}`.
const inventory = `all:
  hosts:
    web-01:
      z: zed
      y: !unsafe '{{ z }}'
      x: "{{ y }}"
      hb: !unsafe 'a {{z}} b'
      ref_hb: "{{ hb }}"
      plain: '{{ z }}'
      secret_like: !unsafe 'p{{a%b}}'
      ansible_become_password: !unsafe 'pw{{ z }}'
      items: [!unsafe '{{ z }}', '{{ z }}']
      styles: { kept: !unsafe '{{ z }}', rendered: '{{ z }}', deep: [{ kept: !unsafe 'p{{a%b}}' }] }
      unsafe_list: !unsafe ['{{ z }}', 3, ['{{ z }}']]
      unsafe_map: !unsafe { a: '{{ z }}', b: { c: '{{ z }}' } }
      ref_items: "{{ items }}"
`;

describe('!unsafe inventory values reach roles as written', () => {
  const host = loadInventory(tempFile(inventory), { env: {} }).hosts[0]!;
  const context = hostContext(variablesOf(host, []), {}, host.name);
  it.each([
    ['an !unsafe value (Jinja)', 'y', '{{ z }}'],
    ['a variable referring to one (as Ansible)', 'x', '{{ z }}'],
    ['an !unsafe value (Handlebars)', 'hb', 'a {{z}} b'],
    ['a variable referring to one', 'ref_hb', 'a {{z}} b'],
    ['text that is no template at all', 'secret_like', 'p{{a%b}}'],
    ['a plain value is still rendered', 'plain', 'zed'],
    ['an !unsafe item of a list, beside a rendered one', 'items', ['{{ z }}', 'zed']],
    ['!unsafe values in a mapping, at any depth', 'styles', { kept: '{{ z }}', rendered: 'zed', deep: [{ kept: 'p{{a%b}}' }] }],
    ['!unsafe on a whole list', 'unsafe_list', ['{{ z }}', 3, ['{{ z }}']]],
    ['!unsafe on a whole mapping', 'unsafe_map', { a: '{{ z }}', b: { c: '{{ z }}' } }],
    ['a variable referring to a list with an !unsafe item', 'ref_items', ['{{ z }}', 'zed']],

  ])('%s', (_, name, expected) => {
    expect(context[name]).toEqual(expected);
  });

  it('in a role template, the text is inserted, not rendered', () => {
    expect(renderText('v={{y}} w={{hb}}', context, { file: 'role.yaml', line: 1, col: 1 }, host.name)).toBe('v={{ z }} w=a {{z}} b');
  });

  it('at the inventory level too: a connection value is not rendered', () => {
    expect(host.connection.becomePassword?.reveal()).toBe('pw{{ z }}');
  });
});
