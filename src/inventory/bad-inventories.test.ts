import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserErrors } from '../errors.js';
import { loadInventory } from './load.js';
import { EXPORT_HINT } from './yaml-inventory.js';
import { fixtureDir, userErrorOf } from '../../test/fixtures/inventory/fixtures.js';

const dir = fixtureDir('bad');

/** Every file of test/fixtures/inventory/bad and the exact errors it gives, `line:col: message`, in file order. */
const CORPUS: [file: string, errors: string[]][] = [
  // YAML syntax and safety
  ['tab-indent.yaml', ['3:1: tab character in indentation: expected spaces']],
  ['bad-indent.yaml', ['5:1: bad indentation or structure: all mapping items must start at the same column (check the indentation of this line and the one above)']],
  ['unclosed-quote.yaml', ['3:13: quoted string not closed: expected a closing "']],
  ['duplicate-key.yaml', ["5:5: duplicate key 'web-01': expected each key once in a mapping (merge the two entries)"]],
  // yaml quotes the source it trips on; a message never repeats it (the file may hold a password)
  [
    'half-converted.yaml',
    [
      '3:1: bad indentation or structure: unexpected scalar at node end (check the indentation of this line and the one above)',
      '6:1: bad indentation or structure: unexpected scalar token in YAML stream (check the indentation of this line and the one above)',
      '7:3: bad indentation or structure: unexpected scalar token in YAML stream (check the indentation of this line and the one above)',
      '8:5: bad indentation or structure: unexpected scalar token in YAML stream (check the indentation of this line and the one above)',
    ],
  ],
  ['several-documents.yaml', ['4:1: more than one YAML document (---): expected a single document']],
  ['alias-bomb.yaml', ['4:12: aliases expand too much (a YAML alias bomb?): expected at most 100 alias expansions']],
  ['undefined-alias.yaml', ['3:13: alias *common has no anchor: expected &common defined before it']],
  ['recursive-alias.yaml', ['3:10: alias *root is inside its own anchor: expected a structure that does not contain itself']],
  ['vault-tag.yaml', ['3:25: all.vars.db_password: malformed !vault value: the encrypted data is cut short or damaged: expected a salt, an HMAC and a ciphertext']],
  // top level
  ['empty.yaml', ["1:1: the inventory is empty: expected a mapping of groups, such as 'all:' with hosts, children and vars"]],
  ['top-level-list.yaml', ["1:1: top level: expected a mapping of groups, such as 'all:' with hosts, children and vars, got a list"]],
  ['plugin-config.yaml', [`2:1: plugin: this is the configuration of the Ansible inventory plugin 'amazon.aws.aws_ec2', which provision does not run: expected a static inventory (${EXPORT_HINT})`]],
  ['top-level-misspelt.yaml', ["1:1: al: unknown top-level group: did you mean 'all'? (rename the group if it is meant)"]],
  // group structure
  ['unknown-group-key.yaml', ["2:3: all.chidren: unknown group key: expected hosts, children, vars or roles (did you mean 'children'?)"]],
  ['hosts-not-mapping.yaml', ['5:9: all.children.app.hosts: expected a mapping from host names to host variables, got a list']],
  ['host-vars-not-mapping.yaml', ['3:13: all.hosts.web-01: expected host variables (a mapping) or nothing, got string "203.0.113.11"']],
  ['vars-not-mapping.yaml', ['3:5: all.vars: expected a mapping of variables, got a list']],
  ['roles-not-list.yaml', ['4:14: all.children.app.roles: expected a list of role names, got string "firewall"']],
  ['group-includes-itself.yaml', ["7:13: all.children.app.children.web.children.app: group 'app' contains itself (app → web → app): expected groups that do not contain themselves"]],
  ['misplaced-vars.yaml', ["6:9: all.children.app.hosts.vars: invalid host name: 'vars' is a group key, not a host name: expected it one level up (check the indentation)"]],
  ['group-key-in-host.yaml', ["6:11: all.children.app.hosts.web-01.roles: 'roles' is a group key, not a variable: expected it directly under a group (check the indentation)"]],
  // connection variables
  ['port-string.yaml', ['7:17: all.children.app.hosts.web-01.port: expected an integer from 1 to 65535, got string "ssh"']],
  ['port-range.yaml', ['3:19: all.vars.ansible_port: expected an integer from 1 to 65535, got integer 70000']],
  ['become-not-boolean.yaml', ['5:17: all.children.app.vars.become: expected a boolean (true or false; yes/no and on/off are read as Ansible does), got string "maybe"']],
  [
    'address-not-host.yaml',
    [
      '4:24: all.hosts.web-01.address: expected a host name or IP address (letters, digits and . _ - : %, not starting with -), got string "192.0.2.1\\n* ssh-ed25519 AAAA"',
      '5:29: all.hosts.web-02.ansible_host: expected a host name or IP address (letters, digits and . _ - : %, not starting with -), got string "-oProxyCommand=x"',
      '6:24: all.hosts.web-03.address: expected a host name or IP address (letters, digits and . _ - : %, not starting with -), got string "web 03"',
    ],
  ],
  // brackets around IPv6, often advised: Ansible hands them to ssh, which cannot resolve them
  [
    'address-ipv6-brackets.yaml',
    [
      '3:29: all.hosts.web-01.ansible_host: expected the IPv6 address without brackets (2001:db8::10): Ansible passes it to ssh as written, and ssh cannot resolve it in brackets; set a port with ansible_port, got string "[2001:db8::10]"',
      '4:29: all.hosts.web-02.ansible_host: expected the IPv6 address without brackets (2001:db8::11): Ansible passes it to ssh as written, and ssh cannot resolve it in brackets; set a port with ansible_port, got string "[2001:db8::11]:2222"',
    ],
  ],
  ['key-file-not-string.yaml', ['4:29: all.hosts.web-01.ssh_private_key_file: expected a file path, got a list']],
  ['typo-connection-key.yaml', ["4:7: all.hosts.web-01.adress: 'adress' is not a connection variable: did you mean 'address'? (names this close to one are refused to catch typos; rename the variable if it is meant)"]],
  ['typo-swapped-letters.yaml', ["4:7: all.hosts.web-01.prot: 'prot' is not a connection variable: did you mean 'port'? (names this close to one are refused to catch typos; rename the variable if it is meant)"]],
  // secrets
  ['secret-bad-name.yaml', ['3:28: all.vars.db_password: expected { secret: ENV_NAME } naming an environment variable (letters, digits, _), got integer 42']],
  // all schema errors of a file at once
  [
    'several-errors.yaml',
    [
      '3:13: all.vars.become: expected a boolean (true or false; yes/no and on/off are read as Ansible does), got string "maybe"',
      '6:25: all.children.app.roles[1]: expected a role name (letters, digits, _ . -), got integer 42',
      "7:7: all.children.app.hots: unknown group key: expected hosts, children, vars or roles (did you mean 'hosts'?)",
      '11:17: all.children.app.hosts.web-01.port: expected an integer from 1 to 65535, got integer 0',
    ],
  ],
];

describe('bad inventories', () => {
  it.each(CORPUS)('%s', (file, expected) => {
    const inventory = path.join(dir, file);
    const error = userErrorOf(() => loadInventory(inventory, { env: {} }));
    expect(error.format().split('\n')).toEqual(expected.map((e) => `${inventory}:${e}`));
    expect(error instanceof UserErrors).toBe(expected.length > 1);
    expect(error.format()).not.toMatch(/\n\s+at /);
  });

  it('has a table entry for every file of the corpus', () => {
    expect(readdirSync(dir).sort()).toEqual(CORPUS.map(([file]) => file).sort());
  });
});
