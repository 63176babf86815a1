/**
 * Where a host has a connection setting under two of Ansible's names (`ansible_host` and `ansible_ssh_host`, in one scope
 * or in several), the strongest decides the connection, but each variable keeps its own value in templates, as in
 * Ansible: `{{ ansible_host }}` renders the ansible_host value even where ansible_ssh_host is the address used.
 * ansible-core's own `ansible` renders one template for every host (one process: debug, which contacts no host), over
 * INI and YAML inventories, host lines, group vars, host_vars/ and group_vars/ files and -e. ansible-core must be
 * installed: without it this test fails, it never skips.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInventory, parseExtraVars } from '../../src/inventory/index.js';
import { variablesOf } from '../../src/roles/plan.js';
import { hostContext } from '../../src/roles/render.js';

const run = promisify(execFile);
const root = mkdtempSync(path.join(tmpdir(), 'provision-connection-values-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// Each name, weakest first within a setting: every host sets all of them somewhere (-e sets ansible_become_user).
const NAMES = ['ansible_host', 'ansible_ssh_host', 'ansible_port', 'ansible_ssh_port', 'ansible_user', 'ansible_ssh_user', 'ansible_become_user', 'ansible_sudo_user'];
const PROBE = NAMES.map((name) => `{{ ${name} }}`).join(' ');
const EXTRA = [JSON.stringify({ probe: PROBE, ansible_become_user: 'cli' })];

const FILES: Record<string, string> = {
  // The weaker names written first or last on one line; the stronger ones in the group, the weaker on the host.
  'ini/hosts': `[line]
ini_line ansible_host=10.0.0.1 ansible_ssh_host=10.0.0.2 ansible_ssh_port=2202 ansible_port=2201 ansible_user=u1 ansible_ssh_user=u2 ansible_sudo_user=s2
[g_ini_group]
ini_group ansible_host=10.0.1.1 ansible_port=2211 ansible_user=u1
[g_ini_group:vars]
ansible_host=10.0.1.8
ansible_ssh_host=10.0.1.2
ansible_ssh_port=2212
ansible_ssh_user=u2
ansible_sudo_user=s2
[g_ini_files]
ini_files
`,
  'ini/host_vars/ini_files.yml': 'ansible_ssh_host: 10.0.2.2\nansible_host: 10.0.2.1\nansible_port: 2221\nansible_user: u1\n',
  'ini/group_vars/g_ini_files.yml': 'ansible_ssh_port: 2222\nansible_port: 2229\nansible_ssh_user: u2\nansible_user: u9\nansible_sudo_user: s2\nansible_ssh_host: 10.0.2.9\n',
  'yaml/hosts.yml': `all:
  children:
    g_yaml_map:
      hosts:
        yaml_map: { ansible_ssh_host: 10.0.3.2, ansible_host: 10.0.3.1, ansible_port: 2231, ansible_ssh_port: 2232, ansible_ssh_user: u2, ansible_user: u1, ansible_sudo_user: s2 }
    g_yaml_group:
      vars: { ansible_ssh_host: 10.0.4.2, ansible_host: 10.0.4.9, ansible_ssh_port: 2242, ansible_ssh_user: u2, ansible_sudo_user: s2 }
      hosts:
        yaml_group: { ansible_host: 10.0.4.1, ansible_port: 2241, ansible_user: u1 }
    g_yaml_files:
      hosts:
        yaml_files:
`,
  'yaml/host_vars/yaml_files.yml': 'ansible_host: 10.0.5.1\nansible_ssh_host: 10.0.5.2\nansible_port: 2251\nansible_ssh_port: 2252\n',
  'yaml/group_vars/g_yaml_files.yml': 'ansible_ssh_user: u2\nansible_user: u1\nansible_sudo_user: s2\nansible_host: 10.0.5.9\n',
};
const SOURCES = ['ini/hosts', 'yaml/hosts.yml'];

/** What ansible renders for PROBE, by host. */
async function ansibleProbes(): Promise<Record<string, string>> {
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ANSIBLE_'))), HOME: root, ANSIBLE_LOAD_CALLBACK_PLUGINS: '1', ANSIBLE_STDOUT_CALLBACK: 'json' };
  const { stdout } = await run('ansible', [...SOURCES.flatMap((s) => ['-i', s]), 'all', '-m', 'debug', '-a', 'var=probe', ...EXTRA.flatMap((e) => ['-e', e])], { cwd: root, env });
  const hosts = (JSON.parse(stdout) as { plays: Array<{ tasks: Array<{ hosts: Record<string, { probe: string }> }> }> }).plays[0]!.tasks[0]!.hosts;
  return Object.fromEntries(Object.entries(hosts).map(([name, result]) => [name, result.probe]));
}

describe("each of a connection setting's names keeps its own value in templates, as in Ansible (differential)", () => {
  let ansible: Record<string, string> = {};
  const cwd = process.cwd();
  beforeAll(async () => {
    for (const [file, text] of Object.entries(FILES)) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), text);
    }
    process.chdir(root);
    ansible = await ansibleProbes();
  }, 60_000);
  afterAll(() => process.chdir(cwd));

  it('renders what ansible renders, and connects with the strongest name', () => {
    const inventory = loadInventory(SOURCES, { env: {}, extraVars: parseExtraVars(EXTRA) });
    expect(Object.keys(ansible).sort()).toEqual(inventory.hosts.map((h) => h.name).sort());
    const probes = Object.fromEntries(inventory.hosts.map((h) => [h.name, hostContext(variablesOf(h, []), { inventory_hostname: h.name }, h.name).probe]));
    expect(probes).toEqual(ansible);
    // Every setting has two values on each host: the connection takes the stronger name's, as ansible's ssh plugin does.
    const strongest = (probe: string) => {
      const [, address, , port, , user, , becomeUser] = probe.split(' ');
      return { address, port: Number(port), user, becomeUser };
    };
    const connections = Object.fromEntries(inventory.hosts.map(({ name, connection: c }) => [name, { address: c.address, port: c.port, user: c.user, becomeUser: c.becomeUser }]));
    expect(connections).toEqual(Object.fromEntries(Object.entries(ansible).map(([name, probe]) => [name, strongest(probe)])));
  });
});
