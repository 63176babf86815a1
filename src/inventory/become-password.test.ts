/**
 * sudo's password (ansible_become_password) goes to the host as the first line of the session's stdin, the script
 * after it: a value that could end that line early, or that is shown in the message refusing it, is refused at its line.
 */
import { describe, expect, it } from 'vitest';
import { tempFile, userErrorOf } from '../../test/fixtures/inventory/fixtures.js';
import { clearSecretsForTests } from '../secrets.js';
import { loadInventory } from './load.js';

const connectionOf = (password: unknown, env: Record<string, string> = {}) => {
  clearSecretsForTests();
  const file = tempFile(['all:', '  hosts:', `    web-01: { ansible_become: true, ansible_become_password: ${JSON.stringify(password)} }`, ''].join('\n'));
  return loadInventory(file, { env }).hosts[0]!.connection;
};

describe('become_password', () => {
  it.each([
    ['a line break, after which the rest would be read by the root shell', 'q7zpass\ntouch /tmp/PWNED'],
    ['a carriage return, where sudo stops reading', 'q7zpass\rtouch'],
    ['a line break and more at the end', 'q7zpass\n\n'],
  ])('with %s is refused at its line, without showing it', (_, password) => {
    const message = userErrorOf(() => connectionOf(password)).format();
    expect(message).toContain('ansible_become_password: expected a password on one line (no line break, carriage return or NUL byte)');
    for (const part of ['q7zpass', 'touch']) expect(message).not.toContain(part);
  });

  it('from a secret source, the same', () => {
    const message = userErrorOf(() => connectionOf({ secret: 'BECOME_PW' }, { BECOME_PW: 'q7zpass\ntouch /tmp/PWNED' })).format();
    expect(message).toContain('expected a password on one line');
    for (const part of ['q7zpass', 'touch']) expect(message).not.toContain(part);
  });

  it('too short to be masked: refused, and not shown either', () => {
    const message = userErrorOf(() => connectionOf('q7z')).format();
    expect(message).toContain('expected a password of at least 4 characters');
    expect(message).not.toContain('q7z"');
    expect(userErrorOf(() => connectionOf({ secret: 'BECOME_PW' }, { BECOME_PW: 'q7z\n' })).format()).toContain('expected a password of at least 4 characters');
  });

  it('one line end at the end (echo pw | ansible-vault encrypt_string) is dropped, as sudo drops it under Ansible', () => {
    expect(connectionOf('q7zpass\n').becomePassword?.reveal()).toBe('q7zpass');
    expect(connectionOf({ secret: 'BECOME_PW' }, { BECOME_PW: 'q7zpass\r\n' }).becomePassword?.reveal()).toBe('q7zpass');
  });

  it('a one-line password is taken as is', () => {
    expect(connectionOf("p'w \"$x\" `id` \\ ü").becomePassword?.reveal()).toBe("p'w \"$x\" `id` \\ ü");
  });
});
