/**
 * provision reads ansible.cfg and the ANSIBLE_* environment as Ansible does:
 * for every case below (files in a fresh directory tree, a current directory,
 * an environment), ansible-core's own ConfigManager (Debian's ansible-core,
 * through test/fixtures/ansible-config/oracle.py, one process for all cases)
 * and readAnsibleConfig must find the same file and the same connection
 * settings, or both refuse. ansible-core must be installed: without it this
 * test fails, it never skips.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { readAnsibleConfig, type AnsibleConfig } from '../../src/inventory/ansible-config.js';

const ORACLE = fileURLToPath(new URL('../fixtures/ansible-config/oracle.py', import.meta.url));

interface Case {
  /** Files to write, relative to the case's root (`home/` is $HOME): text (UTF-8) or bytes. */
  files: Record<string, string | Buffer>;
  /** The current directory, relative to the root (default `project`). */
  cwd?: string;
  /** ANSIBLE_* variables; `ROOT` in a value is the case's root. */
  env?: Record<string, string>;
  /** Directories (relative to the root) made world-writable. */
  worldWritable?: string[];
}

const FULL = `[defaults]
inventory = hosts.ini, more/hosts.yml
remote_user = deploy ; the deploy user
private_key_file = keys/deploy_key
host_key_checking = False
remote_port = 2222
timeout = 30
forks = 7
vault_password_file = ~/vault.txt
transport = ssh
[ssh_connection]
ssh_args = -C -o ControlMaster=auto -o ProxyJump=bastion
ssh_common_args = -o ServerAliveInterval=5
ssh_extra_args = -o Compression=no
[privilege_escalation]
become = True
become_user = app
become_method = sudo
`;

const CASES: Record<string, Case> = {
  "the operator's ansible.cfg in the current directory: every connection setting": { files: { 'project/ansible.cfg': FULL } },
  'ANSIBLE_CONFIG names a file elsewhere (relative paths in it are read against its directory)': { files: { 'conf/site.cfg': FULL, 'project/ansible.cfg': '[defaults]\nremote_user = other\n' }, env: { ANSIBLE_CONFIG: 'ROOT/conf/site.cfg' } },
  'ANSIBLE_CONFIG names a directory, relative to the current one': { files: { 'project/conf/ansible.cfg': '[defaults]\nremote_user = from_dir\n' }, env: { ANSIBLE_CONFIG: 'conf' } },
  'ANSIBLE_CONFIG names no file: the next place is read': { files: { 'project/ansible.cfg': '[defaults]\nremote_user = here\n' }, env: { ANSIBLE_CONFIG: 'ROOT/missing.cfg' } },
  './ansible.cfg before ~/.ansible.cfg': { files: { 'project/ansible.cfg': '[defaults]\nremote_user = here\n', 'home/.ansible.cfg': '[defaults]\nremote_user = home\nforks = 3\n' } },
  '~/.ansible.cfg when the current directory has none': { files: { 'home/.ansible.cfg': '[defaults]\nremote_user = home\nprivate_key_file = ../keys/k\n' } },
  'a world-writable current directory: its ansible.cfg is skipped, with a warning': { files: { 'project/ansible.cfg': '[defaults]\nremote_user = planted\n', 'home/.ansible.cfg': '[defaults]\nremote_user = home\n' }, worldWritable: ['project'] },
  'a world-writable current directory and no other file: none is read, with a warning': { files: { 'project/ansible.cfg': '[defaults]\nremote_user = planted\n' }, worldWritable: ['project'] },
  'a world-writable current directory named by ANSIBLE_CONFIG: read, no warning': { files: { 'project/ansible.cfg': '[defaults]\nremote_user = named\n' }, worldWritable: ['project'], env: { ANSIBLE_CONFIG: 'ROOT/project/ansible.cfg' } },
  'the environment beats the file; an environment path is read against the current directory': {
    files: { 'project/ansible.cfg': FULL },
    env: { ANSIBLE_REMOTE_USER: 'envuser', ANSIBLE_PRIVATE_KEY_FILE: 'envkeys/k', ANSIBLE_INVENTORY: 'a.ini,b.ini', ANSIBLE_BECOME: 'no', ANSIBLE_REMOTE_PORT: '2200', ANSIBLE_SSH_ARGS: '-o ProxyJump=other' },
  },
  'no file at all: the environment alone': { files: {}, env: { ANSIBLE_REMOTE_USER: 'envuser', ANSIBLE_HOST_KEY_CHECKING: 'false', ANSIBLE_TIMEOUT: '5' } },
  'of two names of one setting, the later wins (file and environment)': {
    files: { 'project/ansible.cfg': '[defaults]\nhost_key_checking = True\n[ssh_connection]\nhost_key_checking = False\n' },
    env: { ANSIBLE_HOST_KEY_CHECKING: 'false', ANSIBLE_SSH_HOST_KEY_CHECKING: 'true' },
  },
  'host_key_checking in [paramiko_connection] is not read for ssh hosts': { files: { 'project/ansible.cfg': '[defaults]\nremote_user = x\n[paramiko_connection]\nhost_key_checking = False\n' } },
  'bytes that are not UTF-8 in a comment (Ansible decodes with surrogateescape): read': { files: { 'project/ansible.cfg': Buffer.concat([Buffer.from('[defaults]\n# caf'), Buffer.from([0xe9]), Buffer.from(' au lait\nremote_user = deploy\n')]) } },
  'refused by both: a UTF-8 byte order mark before the first section header': { files: { 'project/ansible.cfg': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[defaults]\nremote_user = deploy\n')]) } },
  'an empty environment variable shadows the file: the default (a boolean: false)': { files: { 'project/ansible.cfg': '[defaults]\nforks = 9\nremote_user = file\n[privilege_escalation]\nbecome = True\n' }, env: { ANSIBLE_FORKS: '', ANSIBLE_REMOTE_USER: '', ANSIBLE_BECOME: '' } },
  'an empty text in the file: the default': { files: { 'project/ansible.cfg': '[defaults]\nremote_user =\n[ssh_connection]\nssh_args =\n' } },
  'refused by both: an empty number in the file': { files: { 'project/ansible.cfg': '[defaults]\nforks =\n' } },
  '[DEFAULT] fills in every section': { files: { 'project/ansible.cfg': '[DEFAULT]\nbecome_user = www\n[defaults]\nforks = 4\n[privilege_escalation]\nbecome = yes\n' } },
  'quoted strings are unquoted, paths expand $VAR, ~ and {{CWD}}': {
    files: { 'project/ansible.cfg': '[defaults]\nremote_user = "deploy"\nprivate_key_file = $KEYS/id\ninventory = {{CWD}}/inv, ~/inv2\n[privilege_escalation]\nbecome_user = \'app\'\nbecome = on\n' },
    env: { KEYS: 'ROOT/keys' },
  },
  'Python int(): spaces and _ between digits': { files: { 'project/ansible.cfg': '[defaults]\nforks = 1_0\nremote_port =  22 \n' } },
  'transport = local, become_method = su (read; refused when a host is reached)': { files: { 'project/ansible.cfg': '[defaults]\ntransport = local\n[privilege_escalation]\nbecome_method = su\n' } },
  'refused by both: ANSIBLE_CONFIG names a file that is not .cfg or .ini': { files: { 'conf/ansible.conf': '[defaults]\nforks = 3\n' }, env: { ANSIBLE_CONFIG: 'ROOT/conf/ansible.conf' } },
  'refused by both: a duplicate key': { files: { 'project/ansible.cfg': '[defaults]\nforks = 1\nforks = 2\n' } },
  'refused by both: a number that is none': { files: { 'project/ansible.cfg': '[defaults]\nforks = many\n' } },
  'refused by both: a setting before any section': { files: { 'project/ansible.cfg': 'remote_user = x\n' } },
};

interface OracleResult {
  file?: string | null;
  warnings?: string[];
  values?: Record<string, unknown>;
  error?: string;
}

/** Writes a case's files under a fresh root; returns the root. */
function materialise(c: Case): string {
  const root = mkdtempSync(path.join(tmpdir(), 'provision-cfg-'));
  for (const dir of ['home', 'project']) mkdirSync(path.join(root, dir), { recursive: true });
  for (const [file, text] of Object.entries(c.files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  for (const dir of c.worldWritable ?? []) chmodSync(path.join(root, dir), 0o777);
  return root;
}

/** readAnsibleConfig's result in the oracle's shape (Ansible's setting names; host_key_checking only when it is off). */
function provisionReads(config: AnsibleConfig): OracleResult {
  const names: Record<string, string> = { user: 'DEFAULT_REMOTE_USER', ssh_private_key_file: 'DEFAULT_PRIVATE_KEY_FILE', port: 'DEFAULT_REMOTE_PORT', connection: 'DEFAULT_TRANSPORT', become: 'DEFAULT_BECOME', become_user: 'DEFAULT_BECOME_USER', become_method: 'DEFAULT_BECOME_METHOD', ssh_args: 'ssh:ssh_args', ssh_common_args: 'ssh:ssh_common_args', ssh_extra_args: 'ssh:ssh_extra_args' };
  const values: Record<string, unknown> = Object.fromEntries(config.hostDefaults.map((v) => [names[v.name]!, v.value]));
  if (config.forks !== undefined) values['DEFAULT_FORKS'] = config.forks;
  if (config.timeoutSeconds !== undefined) values['DEFAULT_TIMEOUT'] = config.timeoutSeconds;
  if (config.inventories !== undefined) values['DEFAULT_HOST_LIST'] = config.inventories;
  if (config.vaultPasswordFile !== undefined) values['DEFAULT_VAULT_PASSWORD_FILE'] = config.vaultPasswordFile.file;
  if (config.acceptNewHostKeys) values['ssh:host_key_checking'] = false;
  return { file: config.file ?? null, warnings: config.warnings.length, values } as unknown as OracleResult;
}

describe('ansible.cfg and ANSIBLE_* are read as ansible-core reads them (differential)', () => {
  const names = Object.keys(CASES);
  const roots = names.map((name) => materialise(CASES[name]!));
  afterAll(() => {
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });
  const places = names.map((name, i) => {
    const c = CASES[name]!;
    const root = roots[i]!;
    const env = { HOME: path.join(root, 'home'), ...Object.fromEntries(Object.entries(c.env ?? {}).map(([k, v]) => [k, v.replaceAll('ROOT', root)])) };
    return { env, cwd: path.join(root, c.cwd ?? 'project'), home: path.join(root, 'home'), systemFile: path.join(root, 'etc/ansible.cfg') };
  });
  const oracle = JSON.parse(execFileSync('/usr/bin/python3', [ORACLE], { input: JSON.stringify(places.map((p) => ({ cwd: p.cwd, env: p.env }))), encoding: 'utf8' })) as OracleResult[];

  it.each(names.map((name, i) => [name, i] as const))('%s', (_name, i) => {
    const expected = oracle[i]!;
    let got: OracleResult;
    try {
      got = provisionReads(readAnsibleConfig(places[i]!));
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      got = { error: err.format() };
    }
    if (expected.error !== undefined) {
      expect(got.error, `Ansible refuses it: ${expected.error}`).toBeDefined();
      return;
    }
    // An empty text (remote_user =, ANSIBLE_REMOTE_USER=) is no value where Ansible uses it (ssh gets no -o User): provision has none.
    const values = Object.fromEntries(Object.entries(expected.values!).filter(([, v]) => v !== ''));
    // host_key_checking = True is the default behaviour: provision records only that it is off.
    if (values['ssh:host_key_checking'] === true) delete values['ssh:host_key_checking'];
    expect(got).toEqual({ file: expected.file, warnings: expected.warnings!.length, values });
  });
});
