/**
 * Where a host has a connection variable under two of Ansible's names (`ansible_user` and `ansible_ssh_user`, in any
 * scopes), provision connects as Ansible does: ansible-core's own `ansible` is run (one process per set of -e values,
 * every host at a closed loopback port, so each ssh fails at once) with -vvv, and the address, port, user and key
 * file on each host's ssh command line must be provision's. What it shows: the `ansible_ssh_` name wins whatever the
 * scopes (host variables, group variables, even -e), since Ansible's ssh plugin takes the last of its names that is
 * set; the same name follows the usual precedence. ansible-core must be installed: without it this test fails, it
 * never skips.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInventory, parseExtraVars } from '../../src/inventory/index.js';

const root = mkdtempSync(path.join(tmpdir(), 'provision-connection-names-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// Each host has key files of its own (its own and its group's): the key on an ssh command line tells the host apart.
const HOSTS = `[weak]
host_weak ansible_user=admin ansible_host=127.0.0.2 ansible_port=1 ansible_private_key_file=host_weak.key
[weak:vars]
ansible_ssh_user=ubuntu
ansible_ssh_host=127.0.0.3
ansible_ssh_port=9
ansible_ssh_private_key_file=host_weak-group.key

[strong]
host_strong ansible_ssh_user=admin ansible_ssh_host=127.0.0.2 ansible_ssh_port=1 ansible_ssh_private_key_file=host_strong.key
[strong:vars]
ansible_ssh_user=ubuntu
ansible_ssh_host=127.0.0.3
ansible_ssh_port=9
ansible_ssh_private_key_file=host_strong-group.key

[same]
same_name ansible_user=admin ansible_host=127.0.0.2 ansible_port=1 ansible_private_key_file=same_name.key
[same:vars]
ansible_user=other
ansible_host=127.0.0.4
ansible_port=8
ansible_private_key_file=same_name-group.key

[both]
both_names ansible_user=other ansible_ssh_user=admin ansible_ssh_host=127.0.0.5 ansible_host=127.0.0.2 ansible_port=3 ansible_ssh_port=1 ansible_ssh_private_key_file=both_names.key ansible_private_key_file=both_names-group.key

[templated]
templated ansible_ssh_host=127.0.0.{{ansible_port}} ansible_port=7 ansible_ssh_port=1 ansible_ssh_user=admin ansible_private_key_file=other.key ansible_ssh_private_key_file=templated.key

[own]
own_names user=admin address=127.0.0.2 port=1 ssh_private_key_file=own_names-host.key
[own:vars]
ansible_user=ubuntu
ansible_host=127.0.0.6
ansible_port=9
ansible_private_key_file=own_names.key
`;
const HOST_COUNT = 6;

interface Used {
  address: string;
  port: number;
  user: string;
  key: string;
}

/** What ansible's ssh command line uses, by host (named by its key file, `HOST.key` or `HOST-group.key`). */
function ansibleUses(inventory: string, extra: string[]): Promise<Record<string, Used>> {
  return new Promise((resolve, reject) => {
    const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ANSIBLE_'))), HOME: root };
    const child = spawn('/usr/bin/ansible', ['-i', inventory, 'all', '-m', 'ping', '-vvv', '-f', String(HOST_COUNT), ...extra.flatMap((e) => ['-e', e])], { cwd: root, env });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const lines = [...out.matchAll(/SSH: EXEC ssh .* -o Port=(\d+) -o 'IdentityFile="([^"]+)"'.* -o 'User="(\w+)"'.* (\S+) '\/bin\/sh/g)];
      const used = lines.map((m): [string, Used] => [m[2]!.replace(/(-group)?\.key$/, ''), { port: Number(m[1]), key: m[2]!, user: m[3]!, address: m[4]! }]);
      if (used.length !== HOST_COUNT) reject(new Error(`expected an ssh command line for each of ${HOST_COUNT} hosts in ansible's output:\n${out}`));
      else resolve(Object.fromEntries(used));
    });
  });
}

const RUNS: [extra: string[], expected: Record<string, Partial<Used>>][] = [
  // The group's ansible_ssh_ names beat the host's plain ones; the host's beat its group's; the same name: the host wins.
  // Both names on one host line: Ansible takes both, and the ansible_ssh_ one wins whichever is written first.
  // provision's own names (user=, address=) are plain variables to Ansible: the group's Ansible names win.
  [
    [],
    {
      host_weak: { user: 'ubuntu', port: 9 },
      host_strong: { user: 'admin', port: 1 },
      same_name: { user: 'admin', port: 1 },
      both_names: { user: 'admin', port: 1, address: '127.0.0.5', key: 'both_names.key' },
      own_names: { user: 'ubuntu', port: 9, address: '127.0.0.6', key: 'own_names.key' },
      // The address a template makes of the weaker port name: that name's own value, not the port used.
      templated: { address: '127.0.0.7', port: 1 },
    },
  ],
  // -e ansible_user loses to an ansible_ssh_user set anywhere, and beats the same name.
  [['ansible_user=cli', 'ansible_port=8'], { host_weak: { user: 'ubuntu', port: 9 }, host_strong: { user: 'admin', port: 1 }, same_name: { user: 'cli', port: 8 }, both_names: { user: 'admin', port: 1 }, own_names: { user: 'cli', port: 8 }, templated: { address: '127.0.0.8', port: 1 } }],
];

describe("a connection variable under two of Ansible's names, as ansible-core connects (differential)", () => {
  const inventory = path.join(root, 'hosts');
  let used: Record<string, Used>[] = [];
  const cwd = process.cwd();
  beforeAll(async () => {
    writeFileSync(inventory, HOSTS);
    // Relative key files are read against the current directory, as ssh opens them where Ansible runs.
    process.chdir(root);
    used = await Promise.all(RUNS.map(([extra]) => ansibleUses(inventory, extra)));
  }, 60_000);
  afterAll(() => process.chdir(cwd));

  it.each(RUNS.map(([extra, expected], i) => [extra, expected, i] as const))('-e %j', (extra, expected, i) => {
    const hosts = loadInventory(inventory, { env: {}, extraVars: parseExtraVars([...extra]) }).hosts;
    const provision = Object.fromEntries(hosts.map(({ name, connection: c }) => [name, { address: c.address, port: c.port, user: c.user, key: path.basename(c.privateKeyFile!) }]));
    expect(provision).toEqual(used[i]);
    expect(provision).toMatchObject(expected);
  });
});
