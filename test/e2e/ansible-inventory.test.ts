import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LAB_ADDRESSES, LAB_KNOWN_HOSTS, LAB_SSH_KEY, labRun } from '../lab/lab.js';
import { provision, report } from './cli.js';

/** A fresh directory for one test's inventory, roles and vault password. */
function workDir(): string {
  return mkdtempSync(join(tmpdir(), 'provision-ansible-e2e-'));
}

/** `ansible-vault encrypt_string` of a value, as a YAML `!vault` block indented for a host entry. */
function vaulted(value: string, passwordFile: string): string {
  const out = execFileSync('ansible-vault', ['encrypt_string', '--vault-password-file', passwordFile, value], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const lines = out.trim().split('\n').slice(1).map((l) => `          ${l.trim()}`);
  return `!vault |\n${lines.join('\n')}`;
}

describe('Ansible connection variables on the lab', () => {
  it('a local host runs a role on the control node, Jinja2 rendered, behind the same interface', async () => {
    const dir = workDir();
    const out = join(dir, 'out');
    mkdirSync(join(dir, 'roles', 'hello'), { recursive: true });
    writeFileSync(
      join(dir, 'roles', 'hello', 'role.yaml'),
      `resources:\n  - directory: { path: "${out}", mode: "0750" }\n  - file: { path: "${out}/greeting", content: "{{greeting}}\\n", mode: "0640" }\n`,
    );
    // INI as Ansible users write it; the unused variables hold Jinja2 provision does not render and a secret that is not set.
    writeFileSync(
      join(dir, 'hosts'),
      `[control]\nlocalhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n\n[control:vars]\nprovision_roles = ['hello']\nname = provision\ngreeting = hello {{ name | upper }} from {{ inventory_hostname }}\nunused = {{ lookup('pipe', 'id') | frobnicate }}\n`,
    );
    const apply = await provision(['apply', '-i', join(dir, 'hosts'), '--roles-path', join(dir, 'roles'), '--json'], { env: {} });
    const result = report(apply);
    expect(result.hosts.localhost, apply.stderr).toMatchObject({ failed: 0, unreachable: false });
    expect(readFileSync(join(out, 'greeting'), 'utf8')).toBe('hello PROVISION from localhost\n');
    const again = report(await provision(['apply', '-i', join(dir, 'hosts'), '--roles-path', join(dir, 'roles'), '--json']));
    expect(again.hosts.localhost).toMatchObject({ changed: 0, failed: 0 });
  });

  it('goes through a jump host (ProxyJump) with the same host key checks, reading only the variables it uses', async () => {
    const dir = workDir();
    const inventory = join(dir, 'inventory.yml');
    const jump = `root@${LAB_ADDRESSES['lb-01']}`;
    writeFileSync(
      inventory,
      [
        'app:',
        '  hosts:',
        '    web-01:',
        `      ansible_host: ${LAB_ADDRESSES['web-01']}`,
        `      ansible_ssh_common_args: "-o ProxyJump=${jump} -o StrictHostKeyChecking=no"`,
        'all:',
        '  vars:',
        `    ansible_ssh_private_key_file: ${LAB_SSH_KEY}`,
        `    ssh_known_hosts_file: ${LAB_KNOWN_HOSTS}`,
        '    not_needed_secret: { secret: PROVISION_E2E_NEVER_SET }',
        '    not_needed_jinja: "{{ groups[\'app\'] | map(attribute=\'x\') | list }}"',
      ].join('\n'),
    );
    const run = await provision(['exec', inventory, '--', 'echo "$SSH_CONNECTION"; hostname']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    // web-01 sees the connection come from lb-01, the jump host.
    expect(run.stdout).toMatch(new RegExp(`web-01 \\| ok\\n${LAB_ADDRESSES['lb-01'].replace(/\./g, '\\.')} \\d+ `));
    expect(run.stdout).toContain('\nweb-01\n');

    // The jump host's key is checked too: a wrong pin for lb-01 stops the run before web-01 is reached.
    const pins = join(dir, 'known_hosts');
    const lines = readFileSync(LAB_KNOWN_HOSTS, 'utf8').split('\n').filter((l) => l.trim() !== '');
    const [host, type] = lines.find((l) => l.startsWith(`${LAB_ADDRESSES['lb-01']} `))!.split(' ');
    const other = lines.find((l) => l.startsWith(`${LAB_ADDRESSES['web-02']} `))!.split(' ')[2];
    writeFileSync(pins, [...lines.filter((l) => !l.startsWith(`${LAB_ADDRESSES['lb-01']} `)), `${host} ${type} ${other}`].join('\n') + '\n');
    writeFileSync(inventory, readFileSync(inventory, 'utf8').replace(LAB_KNOWN_HOSTS, pins));
    const refused = await provision(['exec', inventory, '--', 'hostname']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(`jump host ${LAB_ADDRESSES['lb-01']}: HOST KEY CHANGED`);
  });

  describe('become with a password and to another user', () => {
    const password = 'Ops-Sudo-Pa55-e2e';
    beforeAll(async () => {
      // A login whose sudo asks for its password, as on most real hosts.
      await labRun(
        'web-02',
        `id ops >/dev/null 2>&1 || useradd --create-home --shell /bin/sh ops; echo 'ops:${password}' | chpasswd; ` +
          `printf 'ops ALL=(ALL:ALL) ALL\\n' > /etc/sudoers.d/ops; chmod 0440 /etc/sudoers.d/ops; ` +
          `mkdir -p ~ops/.ssh; cp /root/.ssh/authorized_keys ~ops/.ssh/; chown -R ops: ~ops/.ssh; chmod 700 ~ops/.ssh`,
      );
    });

    function inventoryFor(dir: string, sudoPassword: string, becomeUser?: string): { inventory: string; passwordFile: string } {
      const passwordFile = join(dir, 'vault-pass');
      writeFileSync(passwordFile, 'e2e-vault-password\n', { mode: 0o600 });
      const inventory = join(dir, 'inventory.yml');
      writeFileSync(
        inventory,
        [
          'all:',
          '  hosts:',
          '    web-02:',
          `      ansible_host: ${LAB_ADDRESSES['web-02']}`,
          '      ansible_user: ops',
          '      ansible_become: yes',
          ...(becomeUser ? [`      ansible_become_user: ${becomeUser}`] : []),
          `      ansible_become_password: ${vaulted(sudoPassword, passwordFile)}`,
          `      ansible_ssh_private_key_file: ${LAB_SSH_KEY}`,
          `      ssh_known_hosts_file: ${LAB_KNOWN_HOSTS}`,
        ].join('\n'),
      );
      return { inventory, passwordFile };
    }

    it('sudo gets the vaulted password on stdin, never on a command line, and runs the script as root or the user named', async () => {
      const dir = workDir();
      const { inventory, passwordFile } = inventoryFor(dir, password);
      const run = await provision(['exec', inventory, '--vault-password-file', passwordFile, '--', 'id -un; ps -eo args']);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toContain('web-02 | ok\nroot\n');
      expect(run.stdout).not.toContain(password);
      const asDeploy = inventoryFor(workDir(), password, 'deploy');
      const deploy = await provision(['exec', asDeploy.inventory, '--vault-password-file', asDeploy.passwordFile, '--', 'id -un']);
      expect(deploy.stdout).toContain('web-02 | ok\ndeploy\n');
    });

    it('ansible.cfg alone says which inventory, who logs in, with which key, through which jump host', async () => {
      const dir = workDir();
      const jump = `root@${LAB_ADDRESSES['lb-01']}`;
      writeFileSync(join(dir, 'ansible.cfg'), `[defaults]\ninventory = hosts\nremote_user = ops\nprivate_key_file = ${LAB_SSH_KEY}\n[ssh_connection]\nssh_args = -C -o ControlMaster=auto -o ProxyJump=${jump}\n`);
      writeFileSync(join(dir, 'hosts'), `web-02 ansible_host=${LAB_ADDRESSES['web-02']} ssh_known_hosts_file=${LAB_KNOWN_HOSTS}\n`);
      const run = await provision(['exec', '--', 'id -un; echo "$SSH_CONNECTION"'], { env: { ANSIBLE_CONFIG: join(dir, 'ansible.cfg') } });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      // Logged in as remote_user, coming from lb-01 (the jump host of ssh_args).
      expect(run.stdout).toMatch(new RegExp(`web-02 \\| ok\\nops\\n${LAB_ADDRESSES['lb-01'].replace(/\./g, '\\.')} \\d+ `));
    });

    it('a used vaulted password without the vault password fails at its line, before any connection', async () => {
      const dir = workDir();
      const { inventory } = inventoryFor(dir, password);
      const run = await provision(['exec', inventory, '--', 'id -un']);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(new RegExp(`${inventory.replace(/[.]/g, '\\.')}:7:\\d+: all\\.hosts\\.web-02\\.ansible_become_password: the value is vault-encrypted and no vault password was given: pass --vault-password-file`));
    });

    it('a wrong become password is reported as such', async () => {
      const dir = workDir();
      const { inventory, passwordFile } = inventoryFor(dir, 'not-the-password');
      const run = await provision(['exec', inventory, '--vault-password-file', passwordFile, '--', 'id -un']);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('sudo did not accept become_password');
      expect(run.stdout).not.toContain('not-the-password');
    });
  });
});
