import { describe, expect, it } from 'vitest';
import { resolveTarget } from './ssh.js';
import { parseSshConfig, resolveSshConfig, sshConfigPort } from './ssh-config.js';

const CONFIG = `
# global
User globaluser
Host web-*
  HostName %h.internal
  Port 2222
  IdentityFile ~/.ssh/web_key
Host web-01
  User deploy
  Port 2200
Match host foo
  User ignored
Host *
  IdentityFile ~/.ssh/id_default
  UserKnownHostsFile ~/.ssh/known_hosts_fleet
`;

describe('resolveSshConfig', () => {
  it.each([
    ['first value wins, identity files accumulate', 'web-01', { hostName: 'web-01.internal', user: 'globaluser', port: 2222, identityFiles: ['/home/u/.ssh/web_key', '/home/u/.ssh/id_default'], knownHostsFile: '/home/u/.ssh/known_hosts_fleet' }],
    ['only the catch-all block', 'db-01', { hostName: undefined, user: 'globaluser', port: undefined, identityFiles: ['/home/u/.ssh/id_default'], knownHostsFile: '/home/u/.ssh/known_hosts_fleet' }],
  ])('%s', (_, alias, expected) => {
    expect(resolveSshConfig(parseSshConfig(CONFIG), alias, '/home/u')).toEqual(expected);
  });

  it('reads Key=value syntax and negated patterns', () => {
    const blocks = parseSshConfig('Host * !bastion\n  User=ops\nHost bastion\n  User=jump\n');
    expect(resolveSshConfig(blocks, 'bastion', '/h').user).toBe('jump');
    expect(resolveSshConfig(blocks, 'app', '/h').user).toBe('ops');
  });
});

describe('resolveTarget', () => {
  it('takes Port from ~/.ssh/config when the inventory sets none', () => {
    expect(resolveTarget({ name: 'web-01', address: 'web-01', become: false }, CONFIG, '/home/u').port).toBe(2222);
    expect(sshConfigPort('web-01', CONFIG)).toBe(2222);
    expect(sshConfigPort('db-01', CONFIG)).toBeUndefined();
  });

  it.each(['22x', '0', '70000', '-1', '2222 2223', '0x16'])('refuses Port %j in ~/.ssh/config (it would reach the connection and the firewall rule)', (port) => {
    expect(() => sshConfigPort('web-01', `Host web-*\n  Port ${port}\n`)).toThrow(/is not a port number: expected a whole number from 1 to 65535/);
  });

  it('lets inventory values win over ~/.ssh/config', () => {
    const target = resolveTarget({ name: 'web-01', address: 'web-01', port: 22, user: 'root', become: false, privateKeyFile: '/keys/k' }, CONFIG, '/home/u');
    expect(target).toMatchObject({ host: 'web-01.internal', port: 22, user: 'root', knownHostsFile: '/home/u/.ssh/known_hosts_fleet' });
    expect(target.keyFiles[0]).toBe('/keys/k');
    expect(target.keyFiles).toContain('/home/u/.ssh/web_key');
  });

  it('falls back to ~/.ssh/config and then defaults', () => {
    const target = resolveTarget({ name: 'x', address: 'web-02', become: false }, CONFIG, '/home/u');
    expect(target).toMatchObject({ host: 'web-02.internal', port: 2222, user: 'globaluser' });
    const bare = resolveTarget({ name: 'x', address: '10.0.0.5', become: false }, undefined, '/home/u');
    expect(bare).toMatchObject({ host: '10.0.0.5', port: 22, knownHostsFile: '/home/u/.ssh/known_hosts' });
    expect(bare.keyFiles).toEqual(['/home/u/.ssh/id_ed25519', '/home/u/.ssh/id_ecdsa', '/home/u/.ssh/id_rsa']);
  });
});
