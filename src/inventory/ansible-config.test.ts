import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { extraVarsOf, tempFile, userErrorOf } from '../../test/fixtures/inventory/fixtures.js';
import { readAnsibleConfig, type AnsibleConfig } from './ansible-config.js';
import { inventoryList } from './ansible-output.js';
import { loadInventory } from './load.js';
import type { HostConnection } from './types.js';

/** The settings of an ansible.cfg holding `text`, read from its directory (no ANSIBLE_* set). */
function configOf(text: string, env: Record<string, string> = {}): AnsibleConfig {
  const file = tempFile(text, 'ansible.cfg');
  const dir = path.dirname(file);
  return readAnsibleConfig({ env, cwd: dir, home: path.join(dir, 'home'), systemFile: path.join(dir, 'none.cfg') });
}

/** Each host's connection when `inventory` (INI) is loaded under ansible.cfg `cfg`, with `-e` values. */
function connections(cfg: string, inventory: string, extraVars: Record<string, unknown> = {}): Record<string, HostConnection> {
  const config = configOf(cfg);
  const loaded = loadInventory(tempFile(inventory, 'hosts'), { env: {}, hostDefaults: config.hostDefaults, extraVars: extraVarsOf(extraVars) });
  return Object.fromEntries(loaded.hosts.map((h) => [h.name, h.connection]));
}

const CFG = `[defaults]
remote_user = deploy
private_key_file = /keys/deploy_key
remote_port = 2222
[ssh_connection]
ssh_args = -C -o ControlMaster=auto -o ProxyJump=bastion
[privilege_escalation]
become = True
become_user = app
`;

describe('ansible.cfg settings + inventory variables → connection (Ansible: the inventory beats the configuration)', () => {
  it.each<[string, string, Record<string, unknown>, Partial<HostConnection>]>([
    ['the configuration alone', 'h ansible_host=192.0.2.1', {}, { address: '192.0.2.1', user: 'deploy', privateKeyFile: '/keys/deploy_key', port: 2222, become: true, becomeUser: 'app', jump: 'bastion' }],
    [
      'host variables beat it',
      'h ansible_user=root ansible_port=22 ansible_ssh_private_key_file=/keys/other ansible_become=false ansible_become_user=www',
      {},
      { user: 'root', port: 22, privateKeyFile: '/keys/other', become: false, becomeUser: 'www' },
    ],
    ['group variables beat it', '[web]\nh\n[web:vars]\nansible_user=web_admin\nansible_port=2200', {}, { user: 'web_admin', port: 2200 }],
    ['-e beats it', 'h', { ansible_user: 'cli', ansible_become: 'false' }, { user: 'cli', become: false }],
    // ssh takes the first value of an option: ssh_args (ansible.cfg's) comes before ansible_ssh_common_args on Ansible's ssh command line.
    ['the jump host of ssh_args comes first on ssh’s command line', 'h ansible_ssh_common_args="-o ProxyJump=other"', {}, { jump: 'bastion' }],
    ['ansible_ssh_args (the variable) beats ssh_args (the setting)', 'h ansible_ssh_args="-o ProxyJump=other"', {}, { jump: 'other' }],
  ])('%s', (_name, inventory, extraVars, expected) => {
    expect(connections(CFG, inventory, extraVars)['h']).toMatchObject(expected);
  });

  it('transport = local runs every host on the control node, unless the inventory says ssh', () => {
    const hosts = connections('[defaults]\ntransport = local\n', 'a\nb ansible_connection=ssh');
    expect([hosts['a']!.type, hosts['b']!.type]).toEqual(['local', 'ssh']);
  });

  it('the port roles see (and the firewall keeps open) is remote_port', () => {
    const config = configOf('[defaults]\nremote_port = 2222\n');
    expect(loadInventory(tempFile('h', 'hosts'), { env: {}, hostDefaults: config.hostDefaults }).hosts[0]!.vars['port']).toBe(2222);
  });

  it('provision inventory --list prints the same with or without the configuration (ansible-inventory ignores it too)', () => {
    const file = tempFile('[web]\nh ansible_user=root\n[web:vars]\nx=1', 'hosts');
    const config = configOf(CFG);
    expect(inventoryList(loadInventory(file, { env: {}, hostDefaults: config.hostDefaults }))).toBe(inventoryList(loadInventory(file, { env: {} })));
  });
});

describe('a value provision cannot follow is refused where it is written', () => {
  it.each([
    ['[defaults]\nremote_port = 99999\n', '2:1: [defaults] remote_port: expected an integer from 1 to 65535, got integer 99999'],
    ['[privilege_escalation]\nbecome = Ture\n', '2:1: [privilege_escalation] become: expected a boolean (True or False; yes/no and on/off are read as Ansible does), got "Ture"'],
    ['[defaults]\nforks = 0\n', '2:1: [defaults] forks: expected a positive whole number, got 0'],
    ['[defaults]\n\nprivate_key_file =\n', '3:1: [defaults] private_key_file: expected a path, got ""'],
    ['[defaults]\nprivate_key_file = ~deploy/.ssh/id\n', '2:1: [defaults] private_key_file: expected a path without ~USER (write the full path), got "~deploy/.ssh/id"'],
  ])('%j', (cfg, message) => {
    const error = userErrorOf(() => loadInventory(tempFile('h', 'hosts'), { env: {}, hostDefaults: configOf(cfg).hostDefaults }));
    expect(error.format().replace(/^.*ansible\.cfg:/, '')).toBe(message);
  });

  // Python syntax with no exact JavaScript translation (python-regex.test.ts has the rest).
  it.each([String.raw`(?i)\.bak`, String.raw`\N{BULLET}`])('ignore_patterns = %s is refused at its line, never read otherwise', (pattern) => {
    const error = userErrorOf(() => configOf(`[inventory]\nignore_patterns = ${pattern}\n`));
    expect(error.format().replace(/^.*ansible\.cfg:/, '')).toBe(`2:1: [inventory] ignore_patterns: ${JSON.stringify(pattern)} is not a regular expression provision can read: expected a simpler pattern (such as ^old_ or \\.disabled$)`);
  });

  it('become_method = su fails when the host is reached, at its line', () => {
    const config = configOf('[privilege_escalation]\nbecome_method = su\n');
    const host = loadInventory(tempFile('h', 'hosts'), { env: {}, hostDefaults: config.hostDefaults }).hosts[0]!;
    expect(userErrorOf(() => host.connection).format()).toBe(`${config.file}:2:1: [privilege_escalation] become_method: expected sudo, the only become method provision has, got string "su" (host h)`);
  });

  it.each([
    ['[defaults]\nask_pass = True\n', 'connect', '[defaults] ask_pass = true: not followed by provision: SSH password login is not supported (provision never prompts): log in with a key (private_key_file, ~/.ssh/config or ssh-agent)'],
    ['[privilege_escalation]\nbecome_ask_pass = yes\n', 'connect', "[privilege_escalation] become_ask_pass = true: not followed by provision: provision never prompts: give sudo's password as the variable ansible_become_password (a vault value or { secret: ENV_NAME })"],
    ['[privilege_escalation]\nbecome_flags = -H -S -n -i\n', 'connect', '[privilege_escalation] become_flags = -H -S -n -i: not followed by provision: provision runs sudo with its own flags (-H -S -n and -u USER)'],
    ['[ssh_connection]\nssh_executable = /usr/local/bin/tsh-ssh\n', 'connect', '[ssh_connection] ssh_executable = /usr/local/bin/tsh-ssh: not followed by provision: provision connects with its own SSH client'],
    ['[defaults]\nhash_behaviour = merge\n', 'inventory', '[defaults] hash_behaviour = merge: not followed by provision: provision merges variables as Ansible does by default (replace)'],
  ])('%j', (cfg, when, message) => {
    const refused = configOf(cfg).refused;
    expect(refused.map((r) => [r.when, r.error.format().replace(/^.*ansible\.cfg:/, '')])).toEqual([[when, `2:1: ${message}`]]);
  });

  it('a password is refused without being shown', () => {
    const [refused] = configOf('[sudo_become_plugin]\npassword = hunter2-cfg\n', { ANSIBLE_SUDO_PASS: 'hunter2-env' }).refused;
    expect(refused!.error.format()).toBe("ANSIBLE_SUDO_PASS (a password): not followed by provision: give sudo's password as the variable ansible_become_password (a vault value or { secret: ENV_NAME })");
  });

  it('a private key given in the environment (ANSIBLE_PRIVATE_KEY, the key itself) is refused without being shown', () => {
    const [refused] = configOf('[defaults]\nforks = 2\n', { ANSIBLE_PRIVATE_KEY: '-----BEGIN OPENSSH PRIVATE KEY-----\nsecret-key-body' }).refused;
    expect([refused!.when, refused!.error.format()]).toEqual(['connect', 'ANSIBLE_PRIVATE_KEY (a private key): not followed by provision: provision logs in with key files and ssh-agent only: set private_key_file (or ANSIBLE_PRIVATE_KEY_FILE), or add the key to ssh-agent']);
  });

  it.each([
    ['[privilege_escalation]\nbecome_ask_pass = False\nbecome_flags = -H -S -n\n'],
    ['[defaults]\nhash_behaviour = replace\nask_pass = no\n[ssh_connection]\nssh_executable = ssh\n'],
    ['[defaults]\nstdout_callback = yaml\nretry_files_enabled = False\ngathering = smart\ncallbacks_enabled = profile_tasks\nroles_path = roles\n[ssh_connection]\npipelining = True\ncontrol_path = %(directory)s/%%h-%%r\n[callback_profile_tasks]\ntask_output_limit = 20\n'],
  ])('settings that change nothing provision does are not refused: %j', (cfg) => {
    expect(configOf(cfg).refused).toEqual([]);
  });
});

describe('relative key paths', () => {
  it("ansible_ssh_private_key_file is read from the current directory (ssh opens it from there); provision's ssh_private_key_file from the inventory's", () => {
    const file = tempFile('a ansible_ssh_private_key_file=keys/a\nb ansible_private_key_file=keys/b\nc ssh_private_key_file=keys/c\n', 'hosts');
    mkdirSync(path.join(path.dirname(file), 'keys'));
    writeFileSync(path.join(path.dirname(file), 'keys/c'), '');
    const keys = loadInventory(file, { env: {} }).hosts.map((h) => h.connection.privateKeyFile);
    expect(keys).toEqual([path.resolve('keys/a'), path.resolve('keys/b'), path.join(path.dirname(path.resolve(file)), 'keys/c')]);
  });

  it('private_key_file in ansible.cfg is read against the directory of ansible.cfg', () => {
    const config = configOf('[defaults]\nprivate_key_file = keys/deploy\n');
    expect(config.hostDefaults[0]!.value).toBe(path.join(path.dirname(config.file!), 'keys/deploy'));
  });
});

describe('bytes that are not UTF-8', () => {
  it('in a value provision reads: refused at its line (Ansible would pass the bytes on), by the commands the setting matters to', () => {
    const file = tempFile('', 'ansible.cfg');
    writeFileSync(file, Buffer.concat([Buffer.from('[defaults]\nforks = 3\nremote_user = d'), Buffer.from([0xe9]), Buffer.from('ploy\n[sudo_become_plugin]\npassword = s'), Buffer.from([0xe9]), Buffer.from('cret\n')]));
    const dir = path.dirname(file);
    const config = readAnsibleConfig({ env: {}, cwd: dir, home: path.join(dir, 'home'), systemFile: path.join(dir, 'none.cfg') });
    // Only commands that reach hosts are stopped: `provision inventory --list` reads on, as ansible-inventory does.
    expect(config.refused.map((r) => [r.when, r.error.format()])).toEqual([
      ['connect', `${file}:3:1: [defaults] remote_user: the value holds bytes that are not UTF-8: write it in UTF-8`],
      ['connect', `${file}:5:1: [sudo_become_plugin] password: the value holds bytes that are not UTF-8: write it in UTF-8`],
    ]);
    expect(config.forks).toBe(3);
    expect(config.hostDefaults).toEqual([]);
  });

  it('a U+FFFD written in UTF-8 is text like any other', () => {
    expect(configOf('[defaults]\nremote_user = d\uFFFDploy\n').hostDefaults.map((v) => v.value)).toEqual(['d\uFFFDploy']);
  });
});

describe('the environment as Ansible reads it', () => {
  it('quotes around a text are removed in the file only (ansible-core 2.16.x and later)', () => {
    const config = configOf('[defaults]\nremote_user = "deploy"\n[privilege_escalation]\nbecome_user = app\n', { ANSIBLE_BECOME_USER: "'app'" });
    expect(config.hostDefaults.map((v) => [v.name, v.value])).toEqual([['user', 'deploy'], ['become_user', "'app'"]]);
  });

  it('ANSIBLE_HOST_KEY_CHECKING set to nothing keeps host key checking on (Ansible would turn it off): never weakened by an empty variable', () => {
    expect(configOf('[defaults]\nhost_key_checking = False\n', { ANSIBLE_HOST_KEY_CHECKING: '' }).acceptNewHostKeys).toBeUndefined();
    expect(configOf('[defaults]\nhost_key_checking = False\n').acceptNewHostKeys).toBe(true);
  });
});

describe('the connection timeout', () => {
  it.each<[string, string, Record<string, unknown>, number | undefined]>([
    ['none set: the run decides (ansible.cfg, --timeout)', 'h', {}, undefined],
    ['ansible_timeout', 'h ansible_timeout=30', {}, 30],
    ['ansible_ssh_timeout wins over ansible_timeout whatever their scopes', '[web]\nh ansible_timeout=30\n[web:vars]\nansible_ssh_timeout=5', {}, 5],
    ['written as text (YAML "30", -e)', 'h', { ansible_timeout: '7' }, 7],
  ])('%s', (_name, inventory, extraVars, seconds) => {
    expect(connections('[defaults]\ntimeout = 11\n', inventory, extraVars)['h']!.timeoutSeconds).toBe(seconds);
  });

  it('a timeout that is no positive whole number is refused where it is written', () => {
    const file = tempFile('h ansible_ssh_timeout=0', 'hosts');
    expect(userErrorOf(() => loadInventory(file, { env: {} })).format()).toBe(`${file}:1:23: ungrouped.hosts.h.ansible_ssh_timeout: expected a positive whole number of seconds, got integer 0`);
  });

  it("[ssh_connection] timeout and ANSIBLE_SSH_TIMEOUT are said to be unused (Ansible's ssh connection takes [defaults] timeout over them)", () => {
    const config = configOf('[defaults]\ntimeout = 11\n[ssh_connection]\ntimeout = 22\n');
    expect([config.timeoutSeconds, config.unused]).toEqual([11, [`${config.file}:4: [ssh_connection] timeout is not used by Ansible's ssh connection, nor by provision: the timeout is [defaults] timeout (or ANSIBLE_TIMEOUT, --timeout, a host's ansible_timeout or ansible_ssh_timeout)`]]);
    expect(configOf('[defaults]\nforks = 2\n', { ANSIBLE_SSH_TIMEOUT: '33' }).unused).toEqual(["ANSIBLE_SSH_TIMEOUT is not used by Ansible's ssh connection, nor by provision: the timeout is [defaults] timeout (or ANSIBLE_TIMEOUT, --timeout, a host's ansible_timeout or ansible_ssh_timeout)"]);
    expect(configOf('[defaults]\ntimeout = 11\n').unused).toEqual([]);
  });
});

describe('the private key as text (ansible_private_key, ansible_ssh_private_key: ansible-core 2.19)', () => {
  const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=';

  it.each(['ansible_private_key', 'ansible_ssh_private_key'])('%s is refused when the host is reached, at its place, never shown', (name) => {
    const file = tempFile(`[web]\nh\n[web:vars]\n${name}="${KEY}"\n`, 'hosts');
    const host = loadInventory(file, { env: {} }).hosts[0]!;
    const message = userErrorOf(() => host.connection).format();
    expect(message.replace(/^(.*?:4):\d+:/, '$1:')).toBe(`${file}:4: web.vars.${name}: a private key given as text is not supported: expected a key file (ansible_ssh_private_key_file) or a key in ssh-agent (host h)`);
    expect(message).not.toContain('b3BlbnNzaC1');
  });

  it('provision inventory --list lists the host as ansible-inventory does, the key and its passphrase masked', () => {
    const file = tempFile(`h ansible_ssh_private_key="${KEY}" ansible_private_key_passphrase=correct-horse-battery\n`, 'hosts');
    const listed = inventoryList(loadInventory(file, { env: {} }));
    expect(listed).toContain('"ansible_ssh_private_key"');
    expect(listed).toContain('"ansible_private_key_passphrase"');
    expect(listed).not.toContain('b3BlbnNzaC1');
    expect(listed).not.toContain('correct-horse');
  });
});

describe("the ssh plugin's per-host program and smart card (as ansible.cfg's ssh_executable and pkcs11_provider)", () => {
  it.each([
    ['h ansible_ssh_executable=/opt/tsh/bin/ssh', 'ungrouped.hosts.h.ansible_ssh_executable: expected ssh: provision connects with its own SSH client, got string "/opt/tsh/bin/ssh" (host h)'],
    ['h ansible_ssh_pkcs11_provider=/usr/lib/opensc-pkcs11.so', 'ungrouped.hosts.h.ansible_ssh_pkcs11_provider: a PKCS#11 provider is not supported: load the token into ssh-agent, got string "/usr/lib/opensc-pkcs11.so" (host h)'],
  ])('%s is refused when the host is reached, at its place', (inventory, message) => {
    const host = loadInventory(tempFile(inventory, 'hosts'), { env: {} }).hosts[0]!;
    expect(userErrorOf(() => host.connection).format().replace(/^.*hosts:\d+:\d+: /, '')).toBe(message);
  });

  it('their defaults are followed', () => {
    const host = loadInventory(tempFile("h ansible_ssh_executable=ssh ansible_ssh_pkcs11_provider=''", 'hosts'), { env: {} }).hosts[0]!;
    expect(host.connection.address).toBe('h');
  });
});
