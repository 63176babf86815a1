/**
 * A number a template computes from a secret, stored in a variable, is still a number in a later template (as Ansible
 * holds it), and still a secret: masked in output, the real value where a template or the connection needs it.
 */
import { describe, expect, it } from 'vitest';
import { tempFile } from '../../test/fixtures/inventory/fixtures.js';
import { loadInventory } from '../inventory/load.js';
import { clearSecretsForTests, redact, Secret } from '../secrets.js';
import { variablesOf } from './plan.js';
import { hostContext } from './render.js';

const revealed = (value: unknown): string => {
  expect(value).toBeInstanceOf(Secret);
  return (value as Secret).reveal();
};

describe('a number computed from a secret and stored in a variable', () => {
  clearSecretsForTests();
  const lines = [
    'all:',
    '  vars:',
    '    pin: { secret: PIN }',
    '    derived: "{{ (pin | int) + 1 }}"',
    '    next: "{{ derived + 1 }}"',
    '    half: "{{ derived / 2 }}"',
    '    whole: "{{ half * 2 }}"',
    '    listed: "{{ [derived, 7] }}"',
    '    picked: "{{ listed[0] * 10 }}"',
    '  hosts:',
    '    h1: { address: 127.0.0.1, ansible_port: "{{ next }}" }',
    '',
  ];
  const host = loadInventory(tempFile(lines.join('\n')), { env: { PIN: '2220' } }).hosts[0]!;
  const context = hostContext(variablesOf(host, []), {}, 'h1');

  it.each([
    ['next', '2222'],
    ['half', '1110.5'],
    ['whole', '2221.0'],
    ['picked', '22210'],
  ])('%s computes with it as a number, and is a secret', (name, text) => {
    expect(revealed(context[name])).toBe(text);
  });

  it('is masked in output', () => {
    expect(JSON.stringify([context.next, context.half, context.listed])).toBe('["********","********",["********",7]]');
    expect(redact('port 2222')).toBe('port ********');
  });

  it('the connection takes it as the integer it is', () => {
    expect(host.connection.port).toBe(2222);
  });
});
