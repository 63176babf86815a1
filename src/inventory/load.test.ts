import { homedir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MASK, Secret } from '../secrets.js';
import { DeferredValue, resolveDeferred } from './deferred.js';
import { ansibleCorpusPath, extraVarsOf, fixtureDir, tempFile, userErrorOf } from '../../test/fixtures/inventory/fixtures.js';
import { loadInventory, type LoadOptions } from './load.js';
import { EXPORT_HINT } from './yaml-inventory.js';
import type { Inventory, InventoryHost } from './types.js';

const good = fixtureDir('good');
const SITE_ENV = { SUMO_ACCESS_ID: 'sumo-id-0001', SUMO_ACCESS_KEY: 'sumo-key-0002', DB_PASSWORD: 'db-pass-0003' };

function load(file: string, options: LoadOptions = {}): Inventory {
  return loadInventory(path.join(good, file), { env: SITE_ENV, ...options });
}

function host(inventory: Inventory, name: string): InventoryHost {
  const found = inventory.hosts.find((h) => h.name === name);
  if (!found) throw new Error(`no host ${name}`);
  return found;
}

describe('loadInventory: the site inventory', () => {
  const site = load('site.yaml');
  const siteDir = path.resolve(good);

  it('keeps the file as named and its absolute directory', () => {
    expect(site.file).toBe(path.join(good, 'site.yaml'));
    expect(site.dir).toBe(siteDir);
  });

  it('lists hosts in inventory order and maps every group to its hosts', () => {
    expect(site.hosts.map((h) => h.name)).toEqual(['lb-01', 'web-01', 'web-02']);
    expect(site.groups).toEqual({
      all: ['lb-01', 'web-01', 'web-02'],
      lb: ['lb-01'],
      app: ['web-01', 'web-02'],
      db_primary: ['web-01'],
      db_replica: ['web-02'],
      ungrouped: [],
    });
  });

  it.each([
    ['lb-01', { address: '203.0.113.10', user: 'deploy' }],
    ['web-01', { address: '203.0.113.11', user: 'deploy' }],
    // ansible_host, ansible_port and ansible_user are aliases; host vars beat all.vars
    ['web-02', { address: '203.0.113.12', port: 2222, user: 'admin' }],
  ])('resolves the connection of %s, key paths relative to the inventory', (name, expected) => {
    expect(host(site, name).connection).toEqual({
      type: 'ssh',
      ...expected,
      become: true,
      privateKeyFile: path.join(siteDir, 'keys/deploy_ed25519'),
      knownHostsFile: path.join(siteDir, 'known_hosts'),
    });
  });

  it('leaves an unset port to the transport, and shows roles the port it uses', () => {
    // ~/.ssh/config's Port for the address (looked up by the transport), else 22; the inventory's own value wins.
    const withConfig = load('site.yaml', { defaultPort: (address) => (address === '203.0.113.10' ? 2200 : undefined) });
    expect(host(withConfig, 'lb-01').connection.port).toBeUndefined();
    expect(host(withConfig, 'lb-01').vars.port).toBe(2200);
    expect(host(withConfig, 'web-01').vars.port).toBe(22);
    expect(host(withConfig, 'web-02').vars.port).toBe(2222);
  });

  it("keeps connection variables under their canonical names, and under Ansible's names only those written", () => {
    const vars = host(site, 'web-02').vars;
    expect(vars).toMatchObject({ address: '203.0.113.12', port: 2222, user: 'admin', become: true });
    expect(Object.keys(vars).filter((k) => k.startsWith('ansible_'))).toEqual(['ansible_host', 'ansible_port', 'ansible_user']);
  });

  it('orders groups all first, then parents before children', () => {
    expect(host(site, 'web-01').groups).toEqual(['all', 'app', 'db_primary']);
  });

  it('unites the roles of a host in precedence order, first mention kept with its position', () => {
    const roles = host(site, 'web-02').roles;
    expect(roles.map((r) => r.name)).toEqual(['firewall', 'sumologic', 'app', 'mysql']);
    const file = path.join(good, 'site.yaml');
    expect(roles[0]!.position).toEqual({ file, line: 21, col: 15 });
    expect(roles[3]!.position).toEqual({ file, line: 33, col: 19 });
    expect(host(site, 'lb-01').roles.map((r) => r.name)).toEqual(['firewall', 'sumologic', 'loadbalancer']);
  });

  it('reads secrets from the environment into Secret values that serialise masked', () => {
    const vars = host(site, 'web-01').vars;
    // Read when used (a role renders it), not before: an unused secret may be unset.
    expect(vars.mysql_password).toBeInstanceOf(DeferredValue);
    expect((vars.mysql_password as DeferredValue).resolve()).toBeInstanceOf(Secret);
    expect((vars.mysql_password as DeferredValue).resolve().reveal()).toBe('db-pass-0003');
    const json = JSON.stringify(site);
    expect(json).toContain(`"mysql_password":"${MASK}"`);
    for (const value of Object.values(SITE_ENV)) expect(json).not.toContain(value);
  });
});

describe('loadInventory: variable precedence', () => {
  it('goes all < parent group < child group < host, same depth in name order', () => {
    const inventory = load('precedence.yaml');
    const [h1, h2] = inventory.hosts;
    expect(h1!.groups).toEqual(['all', 'alpha', 'parent', 'zeta', 'child']);
    expect(h1!.vars).toMatchObject({ level: 'host', from_all: 'all', from_parent: 'parent', same_depth: 'zeta' });
    expect(h2!.vars).toMatchObject({ level: 'child' });
  });

  it('puts extra vars above everything, for every host', () => {
    const inventory = load('precedence.yaml', { extraVars: extraVarsOf({ level: 'extra' }) });
    expect(inventory.hosts.map((h) => h.vars.level)).toEqual(['extra', 'extra']);
  });

  it('records where the value that won is written, so a role can report a bad one there', () => {
    const file = path.join(good, 'precedence.yaml');
    const [h1, h2] = load('precedence.yaml').hosts;
    expect(h1!.varOrigins!.level).toMatchObject({ path: 'all.children.parent.children.child.hosts.h1.level', position: { file, line: 17, col: 26 } });
    expect(h2!.varOrigins!.level).toMatchObject({ path: 'all.children.parent.children.child.vars.level', position: { file, line: 15, col: 26 } });
    expect(h2!.varOrigins!.from_all).toMatchObject({ path: 'all.vars.from_all', position: { file, line: 4, col: 33 } });
    expect(load('precedence.yaml', { extraVars: extraVarsOf({ level: 'extra' }) }).hosts[0]!.varOrigins!.level).toMatchObject({ path: '-e level' });
  });

  it('reads extra connection variables from command-line strings, paths relative to the current directory', () => {
    const extraVars = { ansible_port: '2200', become: 'false', ansible_user: 'root', ssh_private_key_file: 'id_test' };
    const web02 = host(load('site.yaml', { extraVars: extraVarsOf(extraVars) }), 'web-02');
    expect(web02.connection).toMatchObject({ port: 2200, become: false, user: 'root', privateKeyFile: path.resolve('id_test') });
  });

  it('reads { secret: NAME } in extra vars, at any depth, when used (as an inventory value)', () => {
    const extraVars = { api: { token: { secret: 'API_TOKEN' } } };
    const vars = host(load('site.yaml', { extraVars: extraVarsOf(extraVars), env: { ...SITE_ENV, API_TOKEN: 'tok-0004' } }), 'lb-01').vars;
    expect((resolveDeferred((vars.api as { token: unknown }).token) as Secret).reveal()).toBe('tok-0004');
    const unset = host(load('site.yaml', { extraVars: extraVarsOf({ token: { secret: 'NOT_SET_HERE' } }) }), 'lb-01').vars;
    expect(userErrorOf(() => resolveDeferred(unset.token)).format()).toBe('-e:1:20: -e token: environment variable NOT_SET_HERE is unset or empty: expected it to hold the secret');
  });
});

describe('loadInventory: merging', () => {
  const inventory = load('merge.yaml');

  it('merges a group and a host named in several places, later entries winning', () => {
    expect(host(inventory, 'w1').vars).toMatchObject({ a: 1, b: 2, shared: 'second', x: 3, y: 2 });
    expect(host(inventory, 'w2').vars).toMatchObject({ a: 1, b: 2, shared: 'second' });
    expect(inventory.groups).toEqual({ all: ['solo', 'w1', 'w2'], ungrouped: ['solo'], web: ['w1', 'w2'], monitoring: ['w1', 'w2'] });
  });

  it('ranks a group by its deepest position and orders roles by that', () => {
    expect(host(inventory, 'w1').groups).toEqual(['all', 'monitoring', 'web']);
    expect(host(inventory, 'w1').roles.map((r) => r.name)).toEqual(['sumologic', 'nginx', 'app']);
    expect(host(inventory, 'solo')).toMatchObject({ groups: ['all', 'ungrouped'], roles: [], connection: { type: 'ssh', address: 'solo', become: false } });
  });

  it('follows YAML anchors and aliases', () => {
    const anchors = load('anchors.yaml');
    expect(anchors.hosts.map((h) => h.connection)).toEqual([
      { type: 'ssh', address: 'w1', user: 'ops', become: true },
      { type: 'ssh', address: 'w2', user: 'ops', become: true },
    ]);
    expect(anchors.hosts[1]!.vars.firewall_allow).toEqual([80, 443]);
  });
});

describe('loadInventory: edge cases', () => {
  it.each([
    ['a missing file', () => loadInventory('nope/inventory.yaml'), "inventory 'nope/inventory.yaml' not found"],
    ['a bad extra var', () => load('site.yaml', { extraVars: extraVarsOf({ port: 'ssh' }) }), '-e port: expected an integer from 1 to 65535, got string "ssh"'],
    [
      'a typo in an extra var',
      () => load('site.yaml', { extraVars: extraVarsOf({ usr: 'root' }) }),
      "-e usr: 'usr' is not a connection variable: did you mean 'user'? (names this close to one are refused to catch typos; rename the variable if it is meant)",
    ],
  ])('reports %s', (_what, run, message) => {
    expect(userErrorOf(run).format()).toBe(message);
  });

  it('never shows a secret that is used where it does not fit', () => {
    const file = tempFile('all:\n  hosts:\n    h:\n      user: { secret: LOGIN }\n');
    const error = userErrorOf(() => loadInventory(file, { env: { LOGIN: 'very-secret-login' } }).hosts[0]!.connection);
    expect(error.format()).toBe(`${file}:4:13: all.hosts.h.user: expected a non-empty string, got a secret (host h)`);
  });

  it('treats an empty environment variable as unset', () => {
    const file = tempFile('all:\n  vars: { token: { secret: EMPTY } }\n  hosts: { h: }\n');
    const token = loadInventory(file, { env: { EMPTY: '' } }).hosts[0]!.vars.token as DeferredValue;
    expect(userErrorOf(() => token.resolve()).format()).toBe(`${file}:2:28: all.vars.token: environment variable EMPTY is unset or empty: expected it to hold the secret`);
  });

  it('keeps a mapping with other keys besides secret as a plain mapping', () => {
    const file = tempFile('all:\n  vars: { backup: { secret: X, keep: 3 } }\n  hosts: { h: }\n');
    expect(loadInventory(file, { env: {} }).hosts[0]!.vars.backup).toEqual({ secret: 'X', keep: 3 });
  });

  it('lets variables that merely extend a connection variable name through', () => {
    const file = tempFile('all:\n  hosts:\n    h: { ports: [80], user_home: /home/u, become_user: postgres, host: h.example }\n');
    expect(loadInventory(file).hosts[0]!.vars).toMatchObject({ ports: [80], user_home: '/home/u', become_user: 'postgres', host: 'h.example' });
  });

  it('expands ~ in key paths to the home directory', () => {
    const file = tempFile('all:\n  hosts:\n    h: { ssh_private_key_file: ~/.ssh/id_ed25519 }\n');
    expect(loadInventory(file).hosts[0]!.connection.privateKeyFile).toBe(path.join(homedir(), '.ssh/id_ed25519'));
  });

  it('keeps a __proto__ key as a plain variable', () => {
    const file = tempFile('all:\n  hosts:\n    h: { __proto__: { polluted: true } }\n');
    const vars = loadInventory(file).hosts[0]!.vars;
    expect(Object.getPrototypeOf(vars)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('loads an inventory without hosts', () => {
    expect(loadInventory(tempFile('all:\n')).hosts).toEqual([]);
  });
});

describe('loadInventory: what Ansible accepts and provision only refuses when the host is reached', () => {
  // test/fixtures/ansible/ini-control-node: compared with ansible-inventory in test/unit/ansible-inventory.test.ts.
  const file = ansibleCorpusPath('ini-control-node/hosts');
  const inventory = loadInventory(file, { env: {} });

  it.each([
    ['localhost', { type: 'local' }],
    ['edge', { type: 'ssh', address: '203.0.113.7' }],
    ['fe80::1%eth0', { type: 'local' }],
    ['2001:db8::10', { type: 'ssh', port: 2222 }],
  ])('%s: the connection Ansible names is provision’s (ansible.builtin., ansible.legacy. prefixes too)', (name, expected) => {
    expect(host(inventory, name).connection).toMatchObject(expected);
  });

  it.each([
    ['builder', '7:28: builder.hosts.builder.ansible_connection: expected a connection type provision has: ssh (also paramiko and smart) or local, got string "lxd" (host builder)'],
    ['registry', '10:29: containers.hosts.registry.ansible_connection: expected a connection type provision has: ssh (also paramiko and smart) or local, got string "community.docker.docker" (host registry)'],
  ])('%s: another connection plugin loads, and fails at its line only when the host is reached', (name, message) => {
    expect(userErrorOf(() => host(inventory, name).connection).format()).toBe(`${file}:${message}`);
  });
});

describe('loadInventory: a directory with an inventory plugin configuration', () => {

  it('skips it, as Ansible does, and says so', () => {
    const inventory = loadInventory(ansibleCorpusPath('infra-dir'), { env: {} });
    expect(inventory.warnings).toEqual([
      `${ansibleCorpusPath('infra-dir/zz-groups.config')}: skipped, as Ansible skips it: the configuration of the Ansible inventory plugin 'constructed', not an inventory`,
    ]);
  });

  it('refuses it when it is named as the inventory itself', () => {
    const file = ansibleCorpusPath('infra-dir/zz-groups.config');
    expect(userErrorOf(() => loadInventory(file, { env: {} })).format()).toBe(
      `${file}:3:1: plugin: this is the configuration of the Ansible inventory plugin 'constructed', which provision does not run: expected a static inventory (${EXPORT_HINT})`,
    );
  });

  it('refuses an inventory script, saying how to export a static inventory without writing vaulted values into it', () => {
    const file = tempFile('#!/usr/bin/env python3\nprint("{}")\n', 'inventory.py');
    expect(userErrorOf(() => loadInventory(file, { env: {} })).format()).toBe(
      `inventory '${file}' is a script (it starts with #!): provision reads static inventories (YAML or INI), it does not run inventory scripts: ${EXPORT_HINT}`,
    );
    expect(EXPORT_HINT).toContain('where no group_vars/ or host_vars/ are beside FILE');
  });
});

describe('loadInventory: the playbook directory', () => {
  const dir = path.resolve(ansibleCorpusPath('playbook-dir'));
  const hosts = path.join(dir, 'inventories/prod/hosts');

  it('notes that its group_vars/ and host_vars/ apply, naming it', () => {
    const inventory = loadInventory(hosts, { env: {}, playbookDir: dir });
    expect(inventory.notes).toEqual([`group_vars/ and host_vars/ of the current directory (${dir}) apply too, as Ansible's playbook directory's: above the inventory's own`]);
  });

  it('says nothing when it has none, or when it is the inventory\'s own directory', () => {
    expect(loadInventory(hosts, { env: {}, playbookDir: path.join(dir, 'inventories') }).notes).toBeUndefined();
    expect(loadInventory(hosts, { env: {}, playbookDir: path.join(dir, 'inventories/prod') }).notes).toBeUndefined();
  });
});
