import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import type { AnsibleConfig } from '../inventory/ansible-config.js';
import { contactsHosts, parseCommandLine, reachesHosts } from './args.js';

describe('parseCommandLine', () => {
  it.each([
    [[], { kind: 'help' }],
    [['--help'], { kind: 'help' }],
    [['apply', '--help'], { kind: 'help', topic: 'apply' }],
    [['help', 'exec'], { kind: 'help', topic: 'exec' }],
    [['--version'], { kind: 'version' }],
  ])('%j', (argv, expected) => {
    expect(parseCommandLine(argv)).toEqual(expected);
  });

  it('parses apply with every option', () => {
    const c = parseCommandLine(['apply', 'inv.yaml', '--check', '--diff', '--limit', 'web-*', '--tags', 'a,b', '-t', 'c', '--forks', '5', '--json', '-e', 'x=1', '--detailed-exitcode', '--accept-new-host-keys', '--timeout', '3', '--roles-path', 'r']);
    expect(c).toEqual({
      kind: 'apply',
      options: { inventory: 'inv.yaml', inventories: ['inv.yaml'], vault: { passwordFiles: [], vaultIds: [] }, check: true, diff: true, fullDiff: false, limit: 'web-*', tags: ['a', 'b', 'c'], forks: 5, json: true, extraVars: ['x=1'], detailedExitcode: true, acceptNewHostKeys: true, timeoutSeconds: 3, rolesPaths: ['r'], filesPaths: [] },
    });
  });

  it('takes several inventory sources and vault passwords, as Ansible does', () => {
    expect(parseCommandLine(['apply', '-i', 'a.ini', '-i', 'group_dir', '--vault-id', 'prod@p.txt', '--vault-password-file', 'v.txt'])).toMatchObject({
      kind: 'apply',
      options: { inventory: 'a.ini', inventories: ['a.ini', 'group_dir'], vault: { passwordFiles: ['v.txt'], vaultIds: ['prod@p.txt'] } },
    });
  });

  it.each([
    [['inventory', 'inv', '--list'], { inventories: ['inv'], show: { kind: 'list' } }],
    [['inventory', '-i', 'a', '-i', 'b', '--graph', 'web'], { inventories: ['a', 'b'], show: { kind: 'graph', group: 'web' } }],
    [['inventory', 'inv', '--host', 'web-01'], { inventories: ['inv'], show: { kind: 'host', host: 'web-01' } }],
  ])('parses inventory %j', (argv, expected) => {
    expect(parseCommandLine(argv)).toMatchObject({ kind: 'inventory', options: expected });
  });

  it('reads vault encrypt-string values from stdin only', () => {
    expect(parseCommandLine(['vault', 'encrypt-string', '--name', 'db_password', '--vault-id', 'prod@p'])).toEqual({ kind: 'vault-encrypt-string', options: { name: 'db_password', vault: { passwordFiles: [], vaultIds: ['prod@p'] } } });
    expect(() => parseCommandLine(['vault', 'encrypt-string', 's3cret'])).toThrow(/standard input/);
  });

  it('plan is apply --check --diff', () => {
    expect(parseCommandLine(['plan', 'inv.yaml'])).toMatchObject({ kind: 'apply', options: { check: true, diff: true, forks: 50, timeoutSeconds: 10 } });
  });

  it('--serial: a number or a percentage', () => {
    expect(parseCommandLine(['apply', 'inv.yaml', '--serial', '100%'])).toMatchObject({ kind: 'apply', options: { serial: [{ percent: 100 }] } });
    expect(parseCommandLine(['plan', 'inv.yaml', '--serial', '2'])).toMatchObject({ kind: 'apply', options: { serial: [{ count: 2 }] } });
    expect(() => parseCommandLine(['apply', 'inv.yaml', '--serial', 'half'])).toThrow('--serial: expected a positive number of hosts, a percentage like "50%", or a list of those, got string "half"');
  });

  it('exec takes the command after --', () => {
    expect(parseCommandLine(['exec', 'inv.yaml', '-l', 'lb', '--', 'systemctl', 'is-active', 'nginx'])).toMatchObject({ kind: 'exec', options: { inventory: 'inv.yaml', limit: 'lb', command: 'systemctl is-active nginx' } });
  });

  it('parses renew', () => {
    expect(parseCommandLine(['renew', 'inv.yaml'])).toMatchObject({ kind: 'renew', options: { inventory: 'inv.yaml', force: false, dryRun: false, printCron: false, quiet: false } });
    expect(parseCommandLine(['renew', 'inv.yaml', '--force', '--dry-run', '--print-cron', '-q', '-l', 'lb'])).toMatchObject({
      kind: 'renew',
      options: { inventory: 'inv.yaml', limit: 'lb', force: true, dryRun: true, printCron: true, quiet: true },
    });
    expect(() => parseCommandLine(['renew'])).toThrow('renew takes one inventory (a file or directory; more with -i SOURCE; or inventory = in ansible.cfg or ANSIBLE_INVENTORY), got none (see provision renew --help)');
  });

  it('parses status', () => {
    expect(parseCommandLine(['status', 'inv.yaml'])).toEqual({
      kind: 'status',
      options: { inventory: 'inv.yaml', inventories: ['inv.yaml'], vault: { passwordFiles: [], vaultIds: [] }, limit: undefined, forks: 50, extraVars: [], acceptNewHostKeys: false, timeoutSeconds: 10, json: false, watch: false, intervalSeconds: 5, rolesPaths: [], filesPaths: [] },
    });
    expect(parseCommandLine(['status', '-i', 'hosts', '--json', '-w', '--interval', '2', '-l', 'lb', '--roles-path', 'r'])).toMatchObject({ kind: 'status', options: { inventories: ['hosts'], json: true, watch: true, intervalSeconds: 2, limit: 'lb', rolesPaths: ['r'] } });
    expect(() => parseCommandLine(['status', 'inv.yaml', '--interval', '2'])).toThrow('--interval goes with --watch');
  });

  it.each([
    [['secrets', 'encrypt', '--age', 'age1a,age1b', '--age', 'ssh-ed25519 AAAA key', 's.yaml'], { action: 'encrypt', file: 's.yaml', recipients: ['age1a', 'age1b', 'ssh-ed25519 AAAA key'], macOnlyEncrypted: false }],
    [['secrets', 'encrypt', '--encrypted-regex', '^(password|token)$', '--mac-only-encrypted', 's.json'], { action: 'encrypt', file: 's.json', recipients: [], rule: { kind: 'encrypted_regex', value: '^(password|token)$' }, macOnlyEncrypted: true }],
    [['secrets', 'edit', 's.yaml'], { action: 'edit', file: 's.yaml', recipients: [], macOnlyEncrypted: false }],
    [['secrets', 'rotate', 's.yaml', '--age', 'age1new'], { action: 'rotate', file: 's.yaml', recipients: ['age1new'], macOnlyEncrypted: false }],
  ])('parses %j', (argv, options) => {
    expect(parseCommandLine(argv)).toEqual({ kind: 'secrets', options });
  });

  it.each([
    [['secrets'], 'secrets expects encrypt, edit, rotate (see provision secrets --help)'],
    [['secrets', 'encrpyt', 'x.yaml'], "secrets expects encrypt, edit, rotate, got 'encrpyt'; did you mean 'encrypt'? (see provision secrets --help)"],
    [['secrets', 'edit'], 'secrets edit takes one file, got none (see provision secrets --help)'],
    [['secrets', 'edit', 'a.yaml', '--age', 'age1x'], '--age goes with secrets encrypt or rotate (edit keeps the recipients)'],
    [['secrets', 'rotate', 'a.yaml', '--encrypted-regex', 'x'], '--encrypted-regex goes with secrets encrypt (edit and rotate keep the file\'s rule)'],
    [['secrets', 'encrypt', 'a.yaml', '--encrypted-regex', 'x', '--unencrypted-suffix', 'y'], '--unencrypted-suffix and --encrypted-regex: give at most one (sops allows one rule per file)'],
    [['aply', 'x'], "unknown command 'aply'; did you mean 'apply'? (see provision --help)"],
    [['apply'], 'apply takes one inventory (a file or directory; more with -i SOURCE; or inventory = in ansible.cfg or ANSIBLE_INVENTORY), got none (see provision apply --help)'],
    [['apply', 'a.yaml', 'b.yaml'], 'apply takes one inventory (a file or directory; more with -i SOURCE), got a.yaml b.yaml (see provision apply --help)'],
    [['apply', 'a.yaml', '--forks', '0'], "--forks expects a positive whole number, got '0'"],
    [['apply', 'a.yaml', '--detailed-exitcode'], '--detailed-exitcode goes with --check (or plan)'],
    [['apply', 'a.yaml', '--chek'], "Unknown option '--chek' (see provision --help)"],
    [['apply', 'a.yaml', '--out', 'p.json'], '--out saves a plan: use it with plan (or apply --check)'],
    [['plan', 'a.yaml', '--plan', 'p.json'], '--plan applies a saved plan: use it with apply, without --check'],
    [['exec', 'a.yaml', 'uptime'], 'exec needs a command after --, e.g. provision exec inventory.yaml -- uptime'],
  ])('%j is a user error', (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(UserError);
    expect(() => parseCommandLine(argv)).toThrow(message);
  });

  it("parses a resource type's named action as INVENTORY HOST with --force and --no-edit", () => {
    expect(parseCommandLine(['switch', 'inv.yaml', 'db-2', '--force', '--no-edit'], ['switch'])).toMatchObject({ kind: 'action', name: 'switch', options: { inventory: 'inv.yaml', host: 'db-2', force: true, edit: false } });
    expect(parseCommandLine(['switch', '-i', 'inv.yaml', 'db-2'], ['switch'])).toMatchObject({ kind: 'action', name: 'switch', options: { inventories: ['inv.yaml'], host: 'db-2', force: false, edit: true } });
    expect(parseCommandLine(['switch', '--help'], ['switch'])).toEqual({ kind: 'help', topic: 'switch' });
    expect(() => parseCommandLine(['switch', 'inv.yaml'], ['switch'])).toThrow('switch takes an inventory file and a host, got inv.yaml (see provision switch --help)');
    expect(() => parseCommandLine(['swich', 'inv.yaml', 'db-2'], ['switch'])).toThrow("unknown command 'swich'; did you mean 'switch'? (see provision --help)");
    expect(() => parseCommandLine(['switch', 'inv.yaml', 'db-2'])).toThrow("unknown command 'switch'");
  });
});

describe('ansible.cfg gives the defaults; the command line beats them', () => {
  const config: AnsibleConfig = { warnings: [], hostDefaults: [], connectionFromFile: [], unused: [], refused: [], forks: 7, timeoutSeconds: 30, acceptNewHostKeys: true, inventories: ['/site/hosts.ini'] };

  it.each<[string[], Record<string, unknown>]>([
    [['apply'], { inventory: '/site/hosts.ini', inventories: ['/site/hosts.ini'], forks: 7, timeoutSeconds: 30, acceptNewHostKeys: true }],
    [['apply', 'other.yaml', '--forks', '3', '--timeout', '5'], { inventory: 'other.yaml', inventories: ['other.yaml'], forks: 3, timeoutSeconds: 5 }],
    [['plan', '-i', 'a.ini', '-i', 'b.ini'], { inventories: ['a.ini', 'b.ini'] }],
  ])('%j', (argv, options) => {
    expect(parseCommandLine(argv, [], config)).toMatchObject({ options: { ...options, ansibleConfig: config } });
  });

  it('without ansible.cfg, provision’s own defaults', () => {
    expect(parseCommandLine(['apply', 'a.yaml'])).toMatchObject({ options: { forks: 50, timeoutSeconds: 10, acceptNewHostKeys: false } });
  });

  it('inventory --list, --graph GROUP and a named action take the configured inventory', () => {
    expect(parseCommandLine(['inventory', '--list'], [], config)).toMatchObject({ options: { inventories: ['/site/hosts.ini'], show: { kind: 'list' } } });
    expect(parseCommandLine(['inventory', '--graph', 'web'], [], config)).toMatchObject({ options: { inventories: ['/site/hosts.ini'], show: { kind: 'graph', group: 'web' } } });
    expect(parseCommandLine(['inventory', 'x.ini', '--list'], [], config)).toMatchObject({ options: { inventories: ['x.ini'] } });
    expect(() => parseCommandLine(['inventory', 'package.json', '--graph'], [], config)).toThrow("inventory: 'package.json' is a file or directory, but ansible.cfg names the inventory, so --graph would read it as a group: write -i package.json");
    expect(parseCommandLine(['promote', 'db-2'], ['promote'], config)).toMatchObject({ kind: 'action', options: { inventory: '/site/hosts.ini', host: 'db-2' } });
  });

  it('the -i it suggests for a path is quoted for the shell', () => {
    const dir = mkdtempSync(join(tmpdir(), 'provision-args-'));
    const spaced = join(dir, 'my hosts.ini');
    writeFileSync(spaced, '');
    expect(() => parseCommandLine(['inventory', spaced, '--graph'], [], config)).toThrow(`write -i '${spaced}' to show it as the inventory`);
  });
});

describe('which commands reach hosts (ansible.cfg connection settings refused) and which contact them (the note on stderr)', () => {
  it.each<[string[], boolean, boolean]>([
    [['apply', 'i.yaml'], true, true],
    [['plan', 'i.yaml'], true, true],
    [['exec', 'i.yaml', '--', 'true'], true, true],
    [['promote', 'i.yaml', 'db-2'], true, true],
    [['renew', 'i.yaml'], true, true],
    [['renew', 'i.yaml', '--dry-run'], true, true],
    // It prints the line of a cron job that will reach them (so a setting provision cannot follow is refused now), contacting none.
    [['renew', 'i.yaml', '--print-cron'], true, false],
    [['status', 'i.yaml'], true, true],
    [['inventory', 'i.yaml', '--list'], false, false],
    [['vault', 'encrypt-string'], false, false],
    [['secrets', 'edit', 's.yaml'], false, false],
    [['help'], false, false],
    [['--version'], false, false],
  ])('%j', (argv, reaches, contacts) => {
    const command = parseCommandLine(argv, ['promote']);
    expect([reachesHosts(command), contactsHosts(command)]).toEqual([reaches, contacts]);
  });
});

describe('--out is checked when the command line is read, before any host is contacted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provision-out-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'file'), '');
  it.each([
    [dir, `--out '${dir}' is a directory: expected the name of the file to write, such as ${join(dir, 'plan.json')}`],
    [join(dir, 'missing', 'p.json'), `--out '${join(dir, 'missing', 'p.json')}': there is no directory '${join(dir, 'missing')}' to write it in`],
    [join(dir, 'file', 'p.json'), `--out '${join(dir, 'file', 'p.json')}': there is no directory '${join(dir, 'file')}' to write it in`],
    [`${join(dir, 'new')}/`, `--out '${join(dir, 'new')}/' names a directory: expected the name of the file to write, such as ${join(dir, 'new', 'plan.json')}`],
    ['', '--out needs the name of the file to write, such as plan.json'],
  ])('refuses %s', (out, message) => {
    expect(() => parseCommandLine(['plan', 'inv.yaml', '--out', out])).toThrow(new UserError(message));
  });

  it('takes a new or existing file in a directory', () => {
    for (const out of [join(dir, 'p.json'), join(dir, 'file')]) expect(parseCommandLine(['plan', 'inv.yaml', '--out', out])).toMatchObject({ options: { out } });
  });
});
