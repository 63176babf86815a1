import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory } from '../inventory/index.js';
import { userErrorOf } from '../../test/fixtures/inventory/fixtures.js';
import { VaultKeyring } from '../vault/passwords.js';
import { encryptVault } from '../vault/vault.js';
import { buildPlans } from './plan.js';
import { MASK, redact } from '../secrets.js';

/** An INI inventory with group_vars, and a role `motd` whose one file uses `{{motd}}`. */
function project(groupVars: string) {
  const dir = mkdtempSync(join(tmpdir(), 'provision-lazy-'));
  mkdirSync(join(dir, 'roles', 'motd'), { recursive: true });
  mkdirSync(join(dir, 'group_vars'));
  writeFileSync(join(dir, 'roles', 'motd', 'role.yaml'), 'resources:\n  - file: { path: /etc/motd, content: "{{motd}}" }\n');
  writeFileSync(join(dir, 'hosts'), "[web]\nweb-01 ansible_host=10.0.0.1\n\n[web:vars]\nprovision_roles = ['motd']\nsite = example.org\n");
  writeFileSync(join(dir, 'group_vars', 'web.yml'), groupVars);
  return { dir, vars: join(dir, 'group_vars', 'web.yml') };
}

function plan(dir: string, vault = new VaultKeyring([])) {
  const inventory = loadInventory(join(dir, 'hosts'), { env: {}, vault });
  return buildPlans(inventory, inventory.hosts, { rolesDirs: [join(dir, 'roles')], templateDirs: [], tags: [] })[0]!;
}

const content = (p: ReturnType<typeof plan>) => (p.resources[0]!.desired as { content: unknown }).content;

describe('only the variables a host uses are evaluated', () => {
  it('renders the used ones (a Jinja2 subset) and never looks at the unused ones', () => {
    const { dir } = project(
      [
        'motd: "Welcome to {{ site | upper }} ({{ inventory_hostname }}, {{ ansible_host }}), {{ missing | default(\'no extra\') }}"',
        'k8s_flags: "{{ taints | map(\'regex_replace\', \'^(.*)$\', \'--node-taint \\\\1\') | list }}"',
        'token: { secret: NEVER_SET }',
        `vaulted: !vault |\n  ${encryptVault(Buffer.from('x'), Buffer.from('pw')).trim().split('\n').join('\n  ')}`,
      ].join('\n'),
    );
    expect(content(plan(dir))).toBe('Welcome to EXAMPLE.ORG (web-01, 10.0.0.1), no extra');
  });

  it('an unsupported Jinja2 filter in a used variable fails at the file and line that hold it', () => {
    const { dir, vars } = project('other: 1\nmotd: "{{ site | regex_replace(\'a\', \'b\') }}"\n');
    expect(userErrorOf(() => plan(dir)).format()).toMatch(new RegExp(`^${vars}:2:7: motd: Jinja2 filter regex_replace is not supported \\(supported: .*\\) \\(rendering for host web-01\\)$`));
  });

  it('a used vaulted value without its password fails where it is written, saying what to pass', () => {
    const { dir, vars } = project(`motd: !vault |\n  ${encryptVault(Buffer.from('hello'), Buffer.from('pw'), 'prod').trim().split('\n').join('\n  ')}\n`);
    expect(userErrorOf(() => plan(dir)).format()).toBe(
      `${vars}:1:14: motd: the value is vault-encrypted (vault id 'prod') and no vault password was given: pass --vault-password-file FILE or --vault-id LABEL@FILE, or set ANSIBLE_VAULT_PASSWORD_FILE (or vault_password_file in ansible.cfg)`,
    );
    const opened = plan(dir, new VaultKeyring([{ id: 'prod', password: Buffer.from('pw'), source: 'test' }]));
    // Decrypted, it is a secret: deployed as is, masked in every output.
    expect(String(content(opened))).toBe('hello');
    expect(opened.resources[0]!.desired).toMatchObject({ sensitive: true });
  });

  it('a vaulted value or a value made from a secret that is too short to be masked is refused where it is written', () => {
    const keyring = new VaultKeyring([{ id: 'prod', password: Buffer.from('pw'), source: 'test' }]);
    const short = project(`motd: !vault |\n  ${encryptVault(Buffer.from('abc'), Buffer.from('pw'), 'prod').trim().split('\n').join('\n  ')}\n`);
    expect(userErrorOf(() => plan(short.dir, keyring)).format()).toBe(`${short.vars}:1:14: motd: the secret is only 3 characters long: secrets must have at least 4 characters, so that they can be masked in all output`);
    const derived = project(`pw: !vault |\n  ${encryptVault(Buffer.from('long-secret'), Buffer.from('pw'), 'prod').trim().split('\n').join('\n  ')}\nmotd: "{{ pw | replace('long-secret', 'ab') }}"\n`);
    expect(userErrorOf(() => plan(derived.dir, keyring)).format()).toMatch(/motd: this expression makes a secret of its own: the secret is only 2 characters long/);
  });

  it.each([
    ['a part of it', 'basename', 'Bravo-Charlie9'],
    ['the other part', 'dirname', 'Alpha'],
    ['reversed', 'reverse', '9eilrahC-ovarB/ahplA'],
    ['its characters, joined', "list | join('+')", undefined],
    ['one character of it', 'first', undefined],
    ['its characters sorted', 'sort | join', undefined],
  ])('text a filter makes from a secret (%s) is a secret too, or refused when too short to mask', (_, filter, made) => {
    const keyring = new VaultKeyring([{ id: 'prod', password: Buffer.from('pw'), source: 'test' }]);
    const { dir, vars } = project(`pw: !vault |\n  ${encryptVault(Buffer.from('Alpha/Bravo-Charlie9'), Buffer.from('pw'), 'prod').trim().split('\n').join('\n  ')}\nmotd: "{{ pw | ${filter} }}"\n`);
    if (made === undefined) {
      expect(userErrorOf(() => plan(dir, keyring)).format()).toMatch(new RegExp(`^${vars}:\\d+:\\d+: motd: this expression makes a secret of its own: the secret is only 1 character long`));
      return;
    }
    const opened = plan(dir, keyring);
    expect(String(content(opened))).toBe(made);
    expect(opened.resources[0]!.desired).toMatchObject({ sensitive: true });
  });

  it.each([
    ['int of it', 'pw | int', '48151623'],
    ['arithmetic on it', '(pw | int) * 2 + 1', '96303247'],
    ['in text', "'pin ' ~ (pw | int)", 'pin 48151623'],
  ])('a number computed from a secret (%s) is a secret too: masked in the plan', (_, expression, made) => {
    const keyring = new VaultKeyring([{ id: 'prod', password: Buffer.from('pw'), source: 'test' }]);
    const { dir } = project(`pw: !vault |\n  ${encryptVault(Buffer.from('48151623'), Buffer.from('pw'), 'prod').trim().split('\n').join('\n  ')}\nmotd: "{{ ${expression} }}"\n`);
    const opened = plan(dir, keyring);
    expect(String(content(opened))).toBe(made);
    expect(opened.resources[0]!.desired).toMatchObject({ sensitive: true });
    // What output shows of it: every form of the secret masked.
    expect(redact(`content: ${made}`)).toBe(`content: ${MASK}`);
  });

  it('every text value of a vault-encrypted vars file is a secret: masked, and refused when too short to mask', () => {
    const keyring = new VaultKeyring([{ id: 'prod', password: Buffer.from('pw'), source: 'test' }]);
    const whole = (text: string) => encryptVault(Buffer.from(text), Buffer.from('pw'), 'prod');
    const { dir } = project(whole('motd: "vaulted-file-secret"\nport: 25\n'));
    const opened = plan(dir, keyring);
    expect(String(content(opened))).toBe('vaulted-file-secret');
    expect(opened.resources[0]!.desired).toMatchObject({ sensitive: true });
    const short = project(whole('other: 1\nmotd: abc\n'));
    expect(userErrorOf(() => plan(short.dir, keyring)).format()).toMatch(/:2:7: motd: the secret is only 3 characters long: .* \(every text value of a vault-encrypted vars file is a secret\)$/);
  });
});
