/**
 * The connection timeout of each host is the one Ansible's ssh connection uses: ansible-core's own
 * `ansible` is run (one process, every host at a closed loopback port, so each ssh fails at once)
 * with -vvv, and the ConnectTimeout on each host's ssh command line must be the timeout provision
 * gives that host. What it shows: a host's ansible_ssh_timeout beats its ansible_timeout whatever
 * their scopes, both beat ansible.cfg; [defaults] timeout is the run's; [ssh_connection] timeout and
 * ANSIBLE_SSH_TIMEOUT, though documented, are not used (the play's timeout beats them). ansible-core
 * must be installed: without it this test fails, it never skips.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readAnsibleConfig } from '../../src/inventory/ansible-config.js';
import { loadInventory } from '../../src/inventory/index.js';

const root = mkdtempSync(path.join(tmpdir(), 'provision-timeout-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const CFG = '[defaults]\ntimeout = 11\n[ssh_connection]\ntimeout = 22\n';
// Each host logs in as its own name, which tells its ssh command line apart in Ansible's output.
const HOSTS = `[all]
plain ansible_user=plain
own ansible_user=own ansible_timeout=55
both ansible_user=both ansible_timeout=55
ssh_only ansible_user=ssh_only ansible_ssh_timeout=44
[g]
both
[g:vars]
ansible_ssh_timeout=66
[all:vars]
ansible_host=127.0.0.1
ansible_port=1
`;

describe('the connection timeout of each host, as ansible-core uses it (differential)', () => {
  it('ansible_ssh_timeout, else ansible_timeout, else [defaults] timeout; never [ssh_connection] timeout or ANSIBLE_SSH_TIMEOUT', () => {
    const project = path.join(root, 'project');
    const home = path.join(root, 'home');
    mkdirSync(project, { recursive: true });
    mkdirSync(home, { recursive: true });
    writeFileSync(path.join(project, 'ansible.cfg'), CFG);
    writeFileSync(path.join(project, 'hosts'), HOSTS);
    const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ANSIBLE_'))), HOME: home, ANSIBLE_SSH_TIMEOUT: '33' };
    const ansible = spawnSync('/usr/bin/ansible', ['-i', 'hosts', 'all', '-m', 'ping', '-vvv', '-f', '5'], { cwd: project, env, encoding: 'utf8', timeout: 60_000 });
    const used = Object.fromEntries([...ansible.stdout.matchAll(/SSH: EXEC ssh .*?User="(\w+)"' -o ConnectTimeout=(\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
    expect(Object.keys(used).sort(), ansible.stderr).toEqual(['both', 'own', 'plain', 'ssh_only']);

    const config = readAnsibleConfig({ env: { ANSIBLE_SSH_TIMEOUT: '33' }, cwd: project, home });
    const hosts = loadInventory(path.join(project, 'hosts'), { env: {}, hostDefaults: config.hostDefaults }).hosts;
    const provision = Object.fromEntries(hosts.map((h) => [h.connection.user!, h.connection.timeoutSeconds ?? config.timeoutSeconds ?? 10]));
    expect(provision).toEqual(used);
    expect(used).toEqual({ plain: 11, own: 55, both: 66, ssh_only: 44 });
  }, 60_000);
});
