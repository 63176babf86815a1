/**
 * -e values as Ansible reads them: each form given to provision and to ansible-inventory (`--host` with the same
 * `-e`), whose printed variables must be the same text. ansible-core must be installed (.ci/run installs it):
 * without it this test fails, it never skips.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempFile, userErrorOf } from '../../test/fixtures/inventory/fixtures.js';
import { inventoryHost } from './ansible-output.js';
import { parseExtraVars } from './extra-vars.js';
import { loadInventory } from './load.js';
import { resolveDeferred } from './deferred.js';
import { Secret } from '../secrets.js';
import { VAULT_PASSWORD_HINT, VaultKeyring } from '../vault/passwords.js';
import { encryptVault } from '../vault/vault.js';
import { variablesOf } from '../roles/plan.js';
import { hostContext } from '../roles/render.js';

const EXPECTED = 'expected key=value pairs, a YAML or JSON mapping in { }, or @file.yaml';
const HOSTS = tempFile('web01\n', 'hosts');
const run = promisify(execFile);

const varsFile = tempFile(
  [
    '# PyYAML reads these as Ansible does: YAML 1.1 scalars, timestamps, integers of any size',
    'mode: 0644',
    'enabled: yes',
    'minutes: 1:20',
    'plain_exponent: 1e3',
    'leading_zero: 09',
    'when: 2024-1-5 1:02:03',
    'when_utc: 2024-01-05 01:02:03.5Z',
    'day: 2024-01-05',
    'shmmax: 18446744073709551615',
    'nested: [18446744073709551616, {x: -18446744073709551617, at: 2001-02-03T04:05:06}]',
    'ratio: 2.0',
    '',
  ].join('\n'),
  'vars.yml',
);

const FORMS: [string, string[]][] = [
  ['key=value words (text values), quotes, later values winning', ['a=1 b=two  c= port=22 flag=yes url=http://x/?a=b', `msg="hello \\"world\\"" path='/a b' b=three`]],
  ['escapes in key=value words, decoded as Ansible does', ['a=x\\ny b="p\\tq" c=it\\x27s d=1=2 e=\\u00e9 g=\\\\ h="" i=" sp " j={{x}} k=\\U0001F600']],
  ['inline JSON and YAML in braces', ['{"port": 2222, "list": [1, 2], "big": 18446744073709551615}', '{mode: 0644, enabled: on, t: 2024-1-5 1:02:03, huge: [18446744073709551615]}', '{}']],
  ['a vars file, and key=value over it', [`@${varsFile}`, 'shmmax=1']],
  ['connection variables, under the names as written', ['ansible_user=root ansible_port=2200 ansible_ssh_private_key_file=id_test']],
];

/** What ansible-inventory --host prints for web01 with these -e values. */
async function ansible(values: string[]): Promise<string> {
  const { stdout } = await run('ansible-inventory', ['-i', HOSTS, '--host', 'web01', ...values.flatMap((v) => ['-e', v])], {
    env: { ...process.env, ANSIBLE_INVENTORY_UNPARSED_WARNING: 'false', ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_NOCOLOR: '1' },
  });
  return stdout.trimEnd();
}

describe('-e values are what Ansible reads (against ansible-inventory)', () => {
  const printed = new Map<string, string>();
  beforeAll(async () => {
    const texts = await Promise.all(FORMS.map(([, values]) => ansible(values)));
    FORMS.forEach(([what], i) => printed.set(what, texts[i]!));
  }, 60_000);

  it.each(FORMS)('%s', (what, values) => {
    const inventory = loadInventory(HOSTS, { env: {}, extraVars: parseExtraVars(values) });
    expect(inventoryHost(inventory, 'web01')).toBe(printed.get(what));
  });

  it('templates get a timestamp as Python writes a datetime, and integers of any size exactly', () => {
    const host = loadInventory(HOSTS, { env: {}, extraVars: parseExtraVars([`@${varsFile}`, '{"next": "{{ shmmax + 1 }}", "inner": "{{ nested[1].x - 1 }}", "t": "{{ when }}"}']) }).hosts[0]!;
    expect(host.vars).toMatchObject({ when: '2024-01-05 01:02:03', when_utc: '2024-01-05 01:02:03.500000+00:00', day: '2024-01-05', shmmax: '18446744073709551615' });
    const context = hostContext(variablesOf(host, []), {}, 'web01');
    expect([context.next, context.inner, context.t]).toEqual(['18446744073709551616', '-18446744073709551618', '2024-01-05 01:02:03']);
  });
});

describe('-e values that are no variables', () => {
  it.each([
    [['a=1 b'], `-e value 1, word 2: not key=value: ${EXPECTED} (quote values that hold spaces; YAML needs { } around it)`],
    [['a=1', 'x=a"b'], `-e value 2, word 1: not key=value: ${EXPECTED} (quote values that hold spaces; YAML needs { } around it)`],
    // Ansible reads it as key=value words: `k: v` has no `=`, so it is no variable (_raw_params) there.
    [['port: 2222'], `-e value 1, word 1: not key=value: ${EXPECTED} (quote values that hold spaces; YAML needs { } around it)`],
    [['   '], `-e value 1 is empty: ${EXPECTED}`],
    [['hunter2'], `-e value 1, word 1: not key=value: ${EXPECTED} (quote values that hold spaces; YAML needs { } around it)`],
    [['[1, 2]'], `-e value 1: ${EXPECTED}, got a list`],
    [['./vars.yml'], '-e value 1: a file name needs @ before it: expected -e @./vars.yml'],
    [['@nope/vars.yaml'], "extra vars file 'nope/vars.yaml' not found"],
    [['{a: [}'], '-e:1:6: list [ not closed: expected a closing ]'],
  ])('rejects %j', (values, message) => {
    expect(userErrorOf(() => parseExtraVars(values)).format()).toBe(message);
  });

  it('reports a YAML error in a vars file at its position', () => {
    const file = tempFile('a: 1\na: 2\n', 'dup.yaml');
    expect(userErrorOf(() => parseExtraVars([`@${file}`])).format()).toBe(`${file}:2:1: duplicate key 'a': expected each key once in a mapping (merge the two entries)`);
  });

  it('rejects a vars file that is not a mapping', () => {
    const file = tempFile('- a\n', 'list.yaml');
    expect(userErrorOf(() => parseExtraVars([`@${file}`])).format()).toBe(`extra vars file '${file}': ${EXPECTED}, got a list`);
  });

  // A dotenv file given to -e @ by mistake, the environment (-e @/proc/self/environ): what it is, never its text.
  it.each([
    ['prod.env', 'DB_PASSWORD=hunter2-Very-Secret\nAPI_KEY=abcdef123456\n', 'a string of 2 lines'],
    ['environ', 'HOME=/root\0DB_PASSWORD=hunter2-Very-Secret\0', 'a string of 1 line'],
    ['port', '2222\n', 'a number of 1 line'],
  ])('says what the vars file %s is without quoting it', (name, content, shape) => {
    const file = tempFile(content, name);
    const message = userErrorOf(() => parseExtraVars([`@${file}`])).format();
    expect(message).toBe(`extra vars file '${file}': ${EXPECTED}, got ${shape} (not shown: it may hold secrets)`);
  });

  it('reports an invalid timestamp in a vars file where it is written, as Ansible fails on it', () => {
    const file = tempFile('ok: 1\nwhen: 2024-02-30 10:00:00\n', 'bad-time.yaml');
    expect(userErrorOf(() => loadInventory(HOSTS, { env: {}, extraVars: parseExtraVars([`@${file}`]) })).format()).toMatch(new RegExp(`^${file}:2:7: -e when: a YAML timestamp that is no valid date and time`));
  });

  it('reads { secret: NAME } when used, as an inventory value', () => {
    const host = loadInventory(HOSTS, { env: { TOKEN: 'tok-0001' }, extraVars: parseExtraVars(['{"api": {"token": {"secret": "TOKEN"}}}']) }).hosts[0]!;
    expect(String(resolveDeferred((host.vars.api as { token: unknown }).token))).toBe('tok-0001');
  });

  it('decrypts a vault-encrypted file with the run\'s vault passwords: its text values are secrets, as a vars file\'s', () => {
    const file = tempFile(encryptVault(Buffer.from('motd: vaulted-extra-secret\nport: 25\n'), Buffer.from('pw'), 'prod'), 'vaulted.yml');
    const keyring = new VaultKeyring([{ id: 'prod', password: Buffer.from('pw'), source: 'test' }]);
    const host = loadInventory(HOSTS, { env: {}, extraVars: parseExtraVars([`@${file}`], keyring) }).hosts[0]!;
    expect(resolveDeferred(host.vars.motd)).toBeInstanceOf(Secret);
    expect(String(resolveDeferred(host.vars.motd))).toBe('vaulted-extra-secret');
    expect(host.vars.port).toBe(25);
    expect(userErrorOf(() => parseExtraVars([`@${file}`])).format()).toBe(`extra vars file '${file}': it is vault-encrypted (vault id 'prod') and no vault password was given: ${VAULT_PASSWORD_HINT}`);
  });
});
