/**
 * ansible.cfg through the whole CLI, in a directory of its own: `inventory =`
 * names the inventory when none is given, its connection settings reach the
 * hosts (transport = local runs on the control node), and a setting provision
 * cannot follow stops a command that reaches hosts, at its file:line.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';

// The CLI bundled from the current sources (test/support/cli-bundle.ts).
const CLI = inject('provisionCli');
const root = mkdtempSync(join(tmpdir(), 'provision-ansible-cfg-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A project directory holding `files`; returns a runner of `provision ARGS` there (HOME inside it, no ANSIBLE_* from outside). */
function project(name: string, files: Record<string, string>) {
  const dir = join(root, name);
  mkdirSync(join(dir, 'home'), { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ANSIBLE_')));
  return { dir, run: (args: string[], extra: Record<string, string> = {}) => spawnSync(process.execPath, [CLI, ...args], { cwd: dir, env: { ...env, HOME: join(dir, 'home'), ...extra }, encoding: 'utf8', timeout: 60_000 }) };
}

const HOSTS = '[web]\nme\n[web:vars]\nsite=demo\n';

describe('ansible.cfg through the CLI', () => {
  it('inventory = names the inventory when none is given: the same listing as naming it', () => {
    const { run } = project('listing', { 'ansible.cfg': '[defaults]\ninventory = inventory/hosts\nask_pass = True\n', 'inventory/hosts': HOSTS });
    const fromConfig = run(['inventory', '--list']);
    const named = run(['inventory', 'inventory/hosts', '--list']);
    expect(fromConfig.status, fromConfig.stderr).toBe(0);
    expect(fromConfig.stdout).toBe(named.stdout);
    expect(JSON.parse(fromConfig.stdout).web).toEqual({ hosts: ['me'] });
  });

  it('transport = local in ansible.cfg: exec runs on the control node, as Ansible would', () => {
    const { run } = project('local', { 'ansible.cfg': '[defaults]\ninventory = hosts\ntransport = local\n', hosts: HOSTS });
    const r = run(['exec', '--', 'echo', 'from-the-control-node']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('me | ok\nfrom-the-control-node\n');
  });

  it('a command that contacts hosts names the file and the connection settings it applied (never their values); renew --quiet, renew --print-cron and inventory do not', () => {
    const { dir, run } = project('noted', { 'ansible.cfg': '[defaults]\ninventory = hosts\nremote_user = secret-looking-user\ntransport = local\nhost_key_checking = False\nforks = 3\n', hosts: HOSTS });
    const r = run(['exec', '--', 'true']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe(`note: ${dir}/ansible.cfg sets how hosts are reached: remote_user, transport, host_key_checking (read as Ansible reads it)\n`);
    const quiet = run(['renew', '--quiet']);
    expect([quiet.status, quiet.stderr]).toEqual([0, '']);
    expect(run(['renew']).stderr).toContain('note: ');
    // It only prints a cron line: no host is contacted.
    const cron = run(['renew', '--print-cron']);
    expect(cron.status, cron.stderr).toBe(0);
    expect(cron.stderr).not.toContain('sets how hosts are reached');
    const listed = run(['inventory', '--list']);
    expect([listed.status, listed.stderr]).toEqual([0, '']);
  });

  it("[ssh_connection] timeout, which Ansible's ssh connection does not use, is said to be unused by a command that contacts hosts", () => {
    const { dir, run } = project('ssh-timeout', { 'ansible.cfg': '[defaults]\ninventory = hosts\ntransport = local\n[ssh_connection]\ntimeout = 30\n', hosts: HOSTS });
    const r = run(['exec', '--', 'true']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`note: ${dir}/ansible.cfg:5: [ssh_connection] timeout is not used by Ansible's ssh connection, nor by provision: the timeout is [defaults] timeout`);
    expect(run(['inventory', '--list']).stderr).toBe('');
  });

  it('settings from the environment alone: no note (the shell set them)', () => {
    const { run } = project('env-only', { 'ansible.cfg': '[defaults]\ninventory = hosts\n', hosts: HOSTS });
    const r = run(['exec', '--', 'true'], { ANSIBLE_TRANSPORT: 'local' });
    expect([r.status, r.stderr]).toEqual([0, '']);
  });

  it('a setting provision cannot follow stops a command that reaches hosts, at its line, before any host', () => {
    const { dir, run } = project('refused', { 'ansible.cfg': '[defaults]\ninventory = hosts\n\n[privilege_escalation]\nbecome_ask_pass = True\n', hosts: HOSTS });
    const r = run(['exec', '--', 'echo', 'never']);
    expect(r.stderr).toBe(`error: ${dir}/ansible.cfg:5:1: [privilege_escalation] become_ask_pass = true: not followed by provision: provision never prompts: give sudo's password as the variable ansible_become_password (a vault value or { secret: ENV_NAME })\n`);
    expect([r.status, r.stdout]).toEqual([2, '']);
  });

  it('renew --print-cron says which ANSIBLE_* settings of this shell the cron job would not have', () => {
    const { run } = project('cron', { 'ansible.cfg': '[defaults]\ninventory = hosts\n', hosts: HOSTS });
    const r = run(['renew', '--print-cron'], { ANSIBLE_REMOTE_USER: 'deploy', ANSIBLE_BECOME: 'yes' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('note: run by cron, the line would not have ANSIBLE_BECOME, ANSIBLE_REMOTE_USER, set here (provision reads them as Ansible does): put these settings in ansible.cfg, or before the command in the line\n');
    expect(run(['renew', '--print-cron']).stderr).not.toContain('ANSIBLE_');
  });

  it('renew --print-cron names every inventory source of ansible.cfg, so cron renews the same hosts', () => {
    const { dir, run } = project('cron-sources', { 'ansible.cfg': '[defaults]\ninventory = hosts, more.ini\n', hosts: HOSTS, 'more.ini': '[db]\nother\n' });
    const r = run(['renew', '--print-cron']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(` renew --quiet ${dir}/hosts -i ${dir}/more\\.ini\n$`));
  });

  it('an ansible.cfg in a world-writable directory is not read, with a warning (as Ansible does)', () => {
    const { dir, run } = project('world-writable', { 'ansible.cfg': '[defaults]\ninventory = hosts\n', hosts: HOSTS });
    chmodSync(dir, 0o777);
    const r = run(['inventory', '--list']);
    expect(r.stderr).toContain(`warning: Ansible is being run in a world writable directory (${dir}), ignoring it as an ansible.cfg source`);
    expect(r.stderr).toContain('error: inventory takes an inventory (a file or directory, or -i SOURCE, repeatable; or inventory = in ansible.cfg or ANSIBLE_INVENTORY)');
    expect(r.status).toBe(2);
  });
});
