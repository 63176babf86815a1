/**
 * An integer setting computed from a secret (`ansible_port: "{{ p | int }}"`, p a secret) is a secret whose text is
 * the integer: a consumer that needs an integer takes it as that integer, and it stays masked in output.
 */
import { describe, expect, it } from 'vitest';
import { tempFile } from '../../test/fixtures/inventory/fixtures.js';
import { optionalInteger } from '../resources/shared/args.js';
import { packageType } from '../resources/package/index.js';
import type { ArgError } from '../resources/types.js';
import { clearSecretsForTests, redact, Secret } from '../secrets.js';
import { loadInventory } from './load.js';

const connectionOf = (hostVars: string, env: Record<string, string>) => {
  clearSecretsForTests();
  const file = tempFile(['all:', '  vars:', '    p: { secret: PORT_SECRET }', '  hosts:', `    h1: { address: 127.0.0.1, ${hostVars} }`, ''].join('\n'));
  return loadInventory(file, { env }).hosts[0]!.connection;
};

describe('an integer computed from a secret', () => {
  it.each([
    ['ansible_port', 'ansible_port: "{{ p | int }}"', { PORT_SECRET: '2222' }, 'port', 2222],
    ['ansible_port, computed', 'ansible_port: "{{ (p | int) + 1 }}"', { PORT_SECRET: '2221' }, 'port', 2222],
    ['ansible_port, the secret itself', 'ansible_port: "{{ p }}"', { PORT_SECRET: '2222' }, 'port', 2222],
    ['ansible_timeout', 'ansible_timeout: "{{ p | int }}"', { PORT_SECRET: '1234' }, 'timeoutSeconds', 1234],
  ])('%s is taken as the integer, still masked', (_, hostVars, env, field, expected) => {
    const connection = connectionOf(hostVars, env) as unknown as Record<string, unknown>;
    expect(connection[field]).toBe(expected);
    expect(redact(`port ${expected}`)).toBe('port ********');
  });

  it.each([
    ['not an integer', 'abcd'],
    ['with a zero in front', '02222'],
    ['out of range', '70000'],
  ])('ansible_port from a secret %s is refused without showing it', (_, value) => {
    let message = '';
    try {
      connectionOf('ansible_port: "{{ p }}"', { PORT_SECRET: value });
    } catch (err) {
      message = String(err);
    }
    expect(message).toContain('ansible_port: expected an integer from 1 to 65535, got a secret');
    expect(message).not.toContain(value);
  });

  it.each([
    ['a secret integer', new Secret('3600'), 3600],
    ['digits', '3600', 3600],
  ])('a resource integer argument takes %s', (_, value, expected) => {
    expect(optionalInteger({ renew_before_days: value }, 'renew_before_days')).toBe(expected);
  });

  it.each([
    ['a negative secret integer', () => optionalInteger({ uid: new Secret('-1234') }, 'uid'), "'uid' must be a non-negative integer, got a secret"],
    ['a secret that is no integer', () => optionalInteger({ uid: new Secret('abcd-x') }, 'uid'), "'uid' must be a non-negative integer, got a secret"],
    ['a secret lock_timeout over an hour', () => packageType.validate({ name: 'nginx', lock_timeout: new Secret('9999') }), "'lock_timeout' must be a whole number of seconds from 0 to 3600, got a secret"],
    ['a negative secret lock_timeout', () => packageType.validate({ name: 'nginx', lock_timeout: new Secret('-1234') }), "'lock_timeout' must be a whole number of seconds from 0 to 3600, got a secret"],
  ])('a resource integer argument refuses %s without showing it', (_, validate, message) => {
    let error: ArgError | undefined;
    try {
      validate();
    } catch (err) {
      error = err as ArgError;
    }
    expect(error?.message).toBe(message);
  });
});
