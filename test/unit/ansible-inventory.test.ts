/**
 * provision reads Ansible inventories as Ansible does: for every inventory of
 * the corpus (test/fixtures/ansible, written for these tests: INI and YAML,
 * vars folders in every shape, vault with ids, ranges, Jinja2 in unused
 * variables, local hosts), `provision inventory --list` must print what
 * `ansible-inventory --list` of Debian's ansible-core prints: the same hosts,
 * groups and variables, except that the text values of a vault-encrypted vars
 * file are secrets and print masked (ansible-inventory prints them decrypted). ansible-inventory must be installed (.ci/run installs
 * ansible-core): without it this test fails, it never skips.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { inventoryGraph, inventoryHost, inventoryList } from '../../src/inventory/ansible-output.js';
import { loadInventory } from '../../src/inventory/load.js';
import { readAnsibleConfig } from '../../src/inventory/ansible-config.js';
import { parseExtraVars } from '../../src/inventory/extra-vars.js';
import { MASK } from '../../src/secrets.js';
import { userErrorOf } from '../fixtures/inventory/fixtures.js';
import { readVaultPasswords } from '../../src/vault/passwords.js';
import { ansibleInventoryForks } from '../support/ansible-forks.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CORPUS = path.join(ROOT, 'test/fixtures/ansible');
// Each call as its own ansible-inventory process runs, in a fork of one that imported Ansible once.
const oracle = ansibleInventoryForks();
afterAll(() => oracle.close());

interface Case {
  /** -i sources, relative to `cwd`. */
  sources: string[];
  /** The directory both run in, relative to the corpus (default: the corpus): its group_vars/ and host_vars/ apply as a playbook's. */
  cwd?: string;
  /** Vault options, paths relative to the corpus. */
  vault?: { passwordFiles?: string[]; vaultIds?: string[] };
  /** Variables of a vault-encrypted vars file: ansible-inventory prints them decrypted, provision masked. */
  masked?: string[];
  /** An ansible.cfg both read (as ANSIBLE_CONFIG), relative to the corpus. */
  config?: string;
}

// `"name": "value"` in ansible-inventory's JSON text (a string value, as a vars file's text values are).
const printedString = (name: string): RegExp => new RegExp(`("${name}": )("(?:[^"\\\\]|\\\\.)*")`, 'g');

/** ansible-inventory's text with the `masked` variables as provision prints them. */
function maskText(text: string, masked: string[] = []): string {
  return masked.reduce((out, name) => out.replace(printedString(name), `$1"${MASK}"`), text);
}

/** The values ansible-inventory prints for the `masked` variables. */
function decrypted(text: string, masked: string[] = []): string[] {
  return masked.flatMap((name) => [...text.matchAll(printedString(name))].map((m) => m[2]!));
}

const CASES: Record<string, Case> = {
  'INI without extension: ranges with steps, Python-literal values, comments, children, local host': { sources: ['ini-site/hosts'] },
  'INI: a host named like its group, other connection plugins, IPv6 hosts, # inside a word': { sources: ['ini-control-node/hosts'] },
  'an INI inventory named .yml, read by the INI reader as Ansible does': { sources: ['ini-named-yml/hosts.yml'] },
  'YAML with top-level groups, ranges and ports, YAML 1.1 values, Jinja2 in unused variables': { sources: ['yaml-groups/inventory.yml'] },
  'group_vars/ and host_vars/ in every shape, ansible_group_priority': { sources: ['vars-folders/inventory.yaml'] },
  'a directory as the inventory (YAML and INI files, a subdirectory, ignored extensions)': { sources: ['directory'] },
  'a directory of INI files sharing groups, a plugin configuration Ansible skips, internal names in host_vars/': { sources: ['infra-dir'] },
  "a host list (-i 'a,b:2222,') beside an inventory file": { sources: ['control.example.org, bastion.example.org:2222,[2001:db8::7]:2200,', 'multi-source/a/hosts.ini'] },
  'several -i sources, each with its own group_vars/': { sources: ['multi-source/a/hosts.ini', 'multi-source/b/hosts.yml'] },
  'vault: inline values (1.1 and 1.2 with a vault id) and an encrypted vars file': {
    sources: ['vault/inventory.yml'],
    vault: { passwordFiles: ['vault/passwords/default.txt'], vaultIds: ['prod@vault/passwords/prod.txt'] },
    masked: ['smtp_user', 'vault_smtp_password'],
  },
  "ansible.cfg's ignore_extensions and ignore_patterns for a directory (mitogen's tests/ansible/hosts)": { sources: ['ignore-settings/hosts'], config: 'ignore-settings/ansible.cfg' },
  'values found by differential fuzzing (INI)': { sources: ['fuzzed/hosts'] },
  'values found by differential fuzzing (YAML: !!omap, !!pairs, !!float, 09, a Unicode host with a port)': { sources: ['fuzzed/inventory.yml'] },
  'group_vars/ and host_vars/ of the current directory (the playbook directory), above the inventory\'s': { cwd: 'playbook-dir', sources: ['inventories/prod/hosts'] },
  'constructs of public inventories that provision read otherwise (test/fixtures/ansible/real-world)': { sources: ['real-world'] },
  "provision's own format (roles:, { secret: ENV })": { sources: ['../../../inventory/lab.yaml'] },
  "provision's example inventory": { sources: ['../../../inventory/example.yaml'] },
};

function vaultArgs(vault: Case['vault'] = {}): string[] {
  return [...(vault.passwordFiles ?? []).flatMap((f) => ['--vault-password-file', f]), ...(vault.vaultIds ?? []).flatMap((id) => ['--vault-id', id])];
}

async function ansibleInventory(c: Case, mode: string[], env: Record<string, string> = {}): Promise<string> {
  return oracle.run([...c.sources.flatMap((s) => ['-i', s]), ...vaultArgs(c.vault), ...mode], {
    cwd: path.join(CORPUS, c.cwd ?? ''),
    env: { ...process.env, ANSIBLE_INVENTORY_UNPARSED_WARNING: 'false', ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_NOCOLOR: '1', ...configEnv(c), ...env },
  });
}

function configEnv(c: Case): Record<string, string> {
  return c.config === undefined ? {} : { ANSIBLE_CONFIG: path.join(CORPUS, c.config) };
}

function provisionInventory(c: Case) {
  const cwd = process.cwd();
  process.chdir(path.join(CORPUS, c.cwd ?? ''));
  try {
    const config = c.config === undefined ? undefined : readAnsibleConfig({ env: configEnv(c), cwd: process.cwd(), home: CORPUS });
    const ignore = config?.inventoryIgnore ? { inventoryIgnore: config.inventoryIgnore } : {};
    return loadInventory(c.sources, { env: {}, vault: readVaultPasswords({ passwordFiles: c.vault?.passwordFiles ?? [], vaultIds: c.vault?.vaultIds ?? [] }), ...ignore });
  } finally {
    process.chdir(cwd);
  }
}

describe('provision inventory --list prints what ansible-inventory --list prints', () => {
  it.each(Object.entries(CASES))('%s', async (_, c) => {
    const inventory = provisionInventory(c);
    const first = inventory.hosts[0]!.name;
    // Ansible's three answers (each a fork of the oracle's Python).
    const [list, graph, host] = await Promise.all([ansibleInventory(c, ['--list']), ansibleInventory(c, ['--graph']), ansibleInventory(c, ['--host', first])]);
    // The same text, not only the same data, so a user can diff the two: Python's floats (2.0, 1e+20, Infinity) included,
    // which a JavaScript round trip of Ansible's output would lose. Secrets excepted: provision masks what Ansible decrypts.
    expect(inventoryList(inventory)).toBe(maskText(list, c.masked).trimEnd());
    expect(inventoryGraph(inventory)).toBe(graph.trimEnd());
    expect(inventoryHost(inventory, first)).toBe(maskText(host, c.masked).trimEnd());
    // What ansible-inventory prints decrypted, provision never prints.
    for (const value of decrypted(list, c.masked)) expect(inventoryList(inventory)).not.toContain(value);
  });

  it('prints vaulted values as ansible-inventory does when no vault password is given', async () => {
    const c: Case = { sources: ['vault/inventory.yml'] };
    // The encrypted group_vars file needs its password even for ansible-inventory; the inline values do not.
    const inventory = provisionInventory({ sources: ['vault/inventory.yml'] });
    const db01 = JSON.parse(inventoryHost(inventory, 'db01')) as Record<string, unknown>;
    expect(db01.db_password).toEqual({ __ansible_vault: expect.stringMatching(/^\$ANSIBLE_VAULT;1\.1;AES256\n/) });
    await expect(ansibleInventory(c, ['--host', 'db01'])).rejects.toThrow(/vault/i);
    // ansible-inventory refuses; provision prints, and says which file's variables are missing (provision inventory warns).
    expect(inventory.lockedVarsFiles).toEqual([{ file: path.join(CORPUS, 'vault/group_vars/all/vault.yml'), problem: expect.stringMatching(/vault-encrypted \(vault id 'prod'\) and no vault password was given: pass --vault-password-file/) }]);
    expect(provisionInventory(CASES['vault: inline values (1.1 and 1.2 with a vault id) and an encrypted vars file']!).lockedVarsFiles).toEqual([]);
  });
});

describe('-e @FILE values are what Ansible reads from the file', () => {
  it('reads it as PyYAML reads it (YAML 1.1), integers beyond 2^53 to the digit', async () => {
    const c: Case = { sources: ['extra-vars/hosts'] };
    const file = 'extra-vars/vars.yml';
    const text = await ansibleInventory(c, ['--host', 'web01', '--extra-vars', `@${file}`]);
    const cwd = process.cwd();
    process.chdir(CORPUS);
    try {
      const web01 = loadInventory(c.sources, { env: {}, extraVars: parseExtraVars([`@${file}`]) }).hosts[0]!;
      const { shmmax, ...ansible } = JSON.parse(text) as Record<string, unknown>;
      expect(Object.keys(ansible)).toHaveLength(6);
      expect(web01.vars).toMatchObject(ansible);
      // JSON.parse would round it as provision once did: compare the digits Ansible prints.
      expect(shmmax).toBeDefined();
      expect(text).toContain(`"shmmax": ${String(web01.vars.shmmax)}\n`);
    } finally {
      process.chdir(cwd);
    }
  });
});

/**
 * Inventories Ansible reads into something it cannot use (ansible-inventory
 * fails on them) or where it loses hosts: provision refuses them at the value,
 * rather than give them a meaning. Found by differential fuzzing.
 */
/** What ansible-inventory does instead: fail, leave a host out of --list, or leave a variable out of a host's. */
type Instead = 'fails' | { loses: string } | { host: string; loses: string };

const REFUSED: [file: string, error: string, ansible: Instead][] = [
  ['set.ini', 'set.ini:2:11: ids: a Python set literal, which Ansible reads but cannot print as JSON', 'fails'],
  ['complex.ini', 'complex.ini:4:9: ratio: a Python complex number literal, which Ansible reads but cannot print as JSON', 'fails'],
  ['bytes-in-list.ini', 'bytes-in-list.ini:2:13: names: a Python bytes literal, which Ansible reads but cannot print as JSON', 'fails'],
  ['set.yml', 'set.yml:4:19: web.hosts.web01.tags: a YAML !!set, which Ansible reads as a Python set', 'fails'],
  ['binary.yml', 'binary.yml:4:22: web.hosts.web01.blob: a YAML !!binary value, which Ansible reads as bytes', 'fails'],
  ['plain-equals.yml', "plain-equals.yml:4:12: web.hosts.web01.sep: a plain = as a value, which YAML 1.1 reserves (Ansible's YAML reader fails on it): expected it quoted ('=')", 'fails'],
  ['plain-merge.yml', "plain-merge.yml:4:14: web.hosts.web01.merge: a plain << as a value, which YAML 1.1 reserves (Ansible's YAML reader fails on it): expected it quoted ('<<')", 'fails'],
  ['bad-timestamp.yml', "bad-timestamp.yml:4:14: web.hosts.web01.built: a YAML timestamp that is no valid date and time, which Ansible's YAML reader fails on", 'fails'],
  ['float-not-number.yml', 'float-not-number.yml:4:14: a !!float value that is no number', 'fails'],
  ['number-host.yml', "number-host.yml:5:5: web.hosts.1234: invalid host name: YAML reads it as an integer, which Ansible refuses as a host name: expected it quoted ('1234')", 'fails'],
  ['number-group.yml', "number-group.yml:4:5: all.children.2024: invalid group name: YAML reads it as an integer, which Ansible refuses as a group name: expected it quoted ('2024')", 'fails'],
  // Ansible takes the host for the pattern 'all': --list prints no host's variables.
  ['host-named-all.yml', "host-named-all.yml:3:5: g.hosts.all: invalid host name: 'all' is the group of every host: expected another host name", { loses: 'h1' }],
  ['bom.ini', "bom.ini:1:1: the file starts with a UTF-8 byte order mark (BOM), which Ansible's INI inventory reader takes for part of the first line (it then fails, or reads a host of another name): save the file as UTF-8 without a BOM (in vim: set nobomb, then write)", 'fails'],
  ['ungrouped-child.ini', "ungrouped-child.ini:3:1: web.children.ungrouped: group 'ungrouped' is a child of 'web' while hosts are written in it (lone01): Ansible then lists those hosts in no group at all", { loses: 'lone01' }],
  ['ungrouped-parent.yml', "ungrouped-parent.yml:5:5: ungrouped.children.web: group 'ungrouped' has child groups and hosts written in it that are in them too (h1): Ansible then drops 'ungrouped' and its variables from those hosts", { host: 'h1', loses: 'color' }],
];

describe('what ansible-inventory cannot use, provision refuses', () => {
  it.each(REFUSED)('%s', async (file, error, ansible) => {
    const c: Case = { sources: [`refused/${file}`] };
    if (ansible === 'fails') await expect(ansibleInventory(c, ['--list'], { ANSIBLE_INVENTORY_UNPARSED_FAILED: 'true' })).rejects.toThrow();
    else if ('host' in ansible) expect(JSON.parse(await ansibleInventory(c, ['--host', ansible.host]))).not.toHaveProperty(ansible.loses);
    else expect((JSON.parse(await ansibleInventory(c, ['--list'])) as { _meta: { hostvars: object } })._meta.hostvars).not.toHaveProperty(ansible.loses);
    expect(userErrorOf(() => provisionInventory(c)).format()).toContain(`refused/${error}`);
  });
});
