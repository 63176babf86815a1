import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { UserError } from '../errors.js';
import { MASK, redact, Secret } from '../secrets.js';
import { ageKey, envWith, scratchDir, writeSops } from '../../test/support/sops.js';
import { loadInventory } from './load.js';
import { DeferredValue } from './deferred.js';
import { loadInventoryWithSecrets, shownPath, SopsSecrets } from './sops-secrets.js';
import type { Inventory } from './types.js';
import { extraVarsOf } from '../../test/fixtures/inventory/fixtures.js';

// Counts imports of the SOPS code and decryptions, passing through to the real module.
const sopsModule = vi.hoisted(() => ({ imported: 0, opened: [] as string[] }));
vi.mock('../sops/index.js', async (importOriginal) => {
  sopsModule.imported++;
  const real = await importOriginal<typeof import('../sops/index.js')>();
  return {
    ...real,
    openSopsValues: async (file: string, env: Record<string, string | undefined>) => {
      sopsModule.opened.push(file);
      return real.openSopsValues(file, env);
    },
  };
});

const SECRETS = `db:
  password: db-pa55-0001
  user: app-user
api:
  tokens: [tok-0002, tok-0003]
dotted.key: dot-0004
numbers: { port: 3306, ratio: 0.25, on: true }
empty: ""
`;

let dir: string;
let env: Record<string, string | undefined>;
let recipient: string;

beforeAll(async () => {
  dir = scratchDir();
  const key = await ageKey(dir);
  recipient = key.recipient;
  env = envWith(dir, { SOPS_AGE_KEY_FILE: key.file });
  await writeSops(dir, 'secrets.sops.yaml', SECRETS, [recipient]);
});

function inventoryFile(vars: string, name = 'inventory.yaml'): string {
  const file = join(dir, name);
  writeFileSync(file, `all:\n  vars:\n${vars}  hosts:\n    h1: { address: 192.0.2.1 }\n`);
  return file;
}

async function problems(file: string, environment = env, extraVars: Record<string, unknown> = {}): Promise<string[]> {
  try {
    await loadInventoryWithSecrets(file, { env: environment, extraVars: extraVarsOf(extraVars) });
  } catch (err) {
    if (err instanceof UserError) return err.format().split('\n');
    throw err;
  }
  throw new Error('loaded without a problem');
}

const varsOf = (inventory: Inventory): Record<string, unknown> => inventory.hosts[0]!.vars;

describe('secrets from a SOPS file', () => {
  it('are Secret values, read by dotted key, list index, or a list of keys (for keys holding dots), masked everywhere', async () => {
    const file = inventoryFile(
      [
        '    db_password: { secret: { sops: secrets.sops.yaml, key: db.password } }',
        '    second_token: { secret: { sops: secrets.sops.yaml, key: api.tokens.1 } }',
        '    dotted: { secret: { sops: ./secrets.sops.yaml, key: [dotted.key] } }',
        '    port: 22',
        '    db_port: { secret: { sops: secrets.sops.yaml, key: numbers.port } }',
        '    ratio: { secret: { sops: secrets.sops.yaml, key: [numbers, ratio] } }',
        '    flag: { secret: { sops: secrets.sops.yaml, key: numbers.on } }',
        '',
      ].join('\n'),
    );
    const vars = varsOf(await loadInventoryWithSecrets(file, { env }));
    const revealed = Object.fromEntries(['db_password', 'second_token', 'dotted', 'db_port', 'ratio', 'flag'].map((k) => [k, (vars[k] as Secret).reveal()]));
    expect(revealed).toEqual({ db_password: 'db-pa55-0001', second_token: 'tok-0003', dotted: 'dot-0004', db_port: '3306', ratio: '0.25', flag: 'true' });
    expect(vars['db_password']).toBeInstanceOf(Secret);
    expect(JSON.stringify(vars)).not.toContain('db-pa55-0001');
    expect(JSON.stringify(vars['db_password'])).toBe(JSON.stringify(MASK));
    expect(redact('connect with db-pa55-0001')).toBe(`connect with ${MASK}`);
  });

  it('a file named many times is decrypted once; -e values name files relative to the current directory', async () => {
    const file = inventoryFile(['    a: { secret: { sops: secrets.sops.yaml, key: db.password } }', '    b: { secret: { sops: secrets.sops.yaml, key: db.user } }', ''].join('\n'), 'twice.yaml');
    const before = sopsModule.opened.length;
    const extra = { token: { secret: { sops: relative(process.cwd(), join(dir, 'secrets.sops.yaml')), key: 'api.tokens.0' } } };
    const vars = varsOf(await loadInventoryWithSecrets(file, { env, extraVars: extraVarsOf(extra) }));
    expect(sopsModule.opened.length - before).toBe(1);
    expect((vars['token'] as Secret).reveal()).toBe('tok-0002');
    expect((vars['b'] as Secret).reveal()).toBe('app-user');
  });

  it('tells which identity decrypted the files, with the environment that finds it again', async () => {
    const sops = new SopsSecrets(env);
    await loadInventoryWithSecrets(inventoryFile('    a: { secret: { sops: secrets.sops.yaml, key: db.user } }\n', 'which.yaml'), { env, sops });
    expect(sops.identities()).toEqual([{ label: `SOPS_AGE_KEY_FILE=${env['SOPS_AGE_KEY_FILE']}`, cronEnv: { SOPS_AGE_KEY_FILE: env['SOPS_AGE_KEY_FILE'] } }]);
  });

  it('the synchronous loader never reads nothing for a SOPS reference: using its value fails', () => {
    const file = inventoryFile('    a: { secret: { sops: secrets.sops.yaml, key: db.user } }\n', 'sync.yaml');
    // Values are read when used (an unused one may stay unread, as in Ansible); this one cannot be.
    const value = loadInventory(file, { env }).hosts[0]!.vars.a as DeferredValue;
    expect(() => value.resolve()).toThrow(/SOPS secrets are not read here: load the inventory with loadInventoryWithSecrets/);
  });
});

describe('mistakes in SOPS references, before any host is contacted, at their place', () => {
  it.each([
    ['a key that is not there', '    a: { secret: { sops: secrets.sops.yaml, key: db.pasword } }\n', [/inventory\.yaml:3:50: all\.vars\.a: key db\.pasword is not in secrets\.sops\.yaml: db has password, user \(did you mean 'db\.password'\?\)/]],
    ['a key under a value', '    a: { secret: { sops: secrets.sops.yaml, key: db.password.x } }\n', [/3:50: all\.vars\.a: key db\.password\.x is not in secrets\.sops\.yaml: db\.password has no keys/]],
    ['a list index out of range', '    a: { secret: { sops: secrets.sops.yaml, key: api.tokens.2 } }\n', [/all\.vars\.a: key api\.tokens\.2 is not in secrets\.sops\.yaml: api\.tokens has 0, 1/]],
    ['a mapping', '    a: { secret: { sops: secrets.sops.yaml, key: db } }\n', [/all\.vars\.a: key db in secrets\.sops\.yaml is a mapping: expected a single value/]],
    ['an empty value', '    a: { secret: { sops: secrets.sops.yaml, key: empty } }\n', [/all\.vars\.a: key empty in secrets\.sops\.yaml is empty/]],
    ['a missing file', '    a: { secret: { sops: missing.sops.yaml, key: db } }\n', [/inventory\.yaml:3:26: missing\.sops\.yaml: SOPS file '\S*missing\.sops\.yaml' not found \(read for \S+inventory\.yaml:3:18\)/]],
    ['a misspelt field', '    a: { secret: { file: secrets.sops.yaml, key: db } }\n', [/3:26: all\.vars\.a: unknown field 'file' \(did you mean 'sops'\?\)/]],
    ['a key that is not a path', '    a: { secret: { sops: secrets.sops.yaml, key: 3 } }\n', [/3:50: all\.vars\.a: key: expected a key path such as db\.password \(or a list of keys\), got integer 3/]],
    ['no file', '    a: { secret: { key: db.user } }\n', [/all\.vars\.a: sops: expected the path of a SOPS file/]],
  ])('%s', async (_what, vars, expected) => {
    const lines = await problems(inventoryFile(vars));
    expect(lines).toHaveLength(expected.length);
    expected.forEach((pattern, i) => expect(lines[i]).toMatch(pattern));
  });

  it('a file that cannot be decrypted is one problem, at the SOPS file, however many references it has', async () => {
    const other = await ageKey(scratchDir(), 'other');
    const file = inventoryFile(['    a: { secret: { sops: secrets.sops.yaml, key: db.password } }', '    b: { secret: { sops: secrets.sops.yaml, key: db.user } }', ''].join('\n'), 'stranger.yaml');
    const lines = await problems(file, envWith(dir, { SOPS_AGE_KEY_FILE: other.file }));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`secrets\\.sops\\.yaml:\\d+:\\d+: cannot decrypt: the file is encrypted for ${recipient}, and none of your identities is one of them: ${other.recipient} .*\\(read for \\S+stranger\\.yaml:3:18\\)$`));
  });

  it('a tampered file is refused with its MAC mismatch', async () => {
    const text = readFileSync(join(dir, 'secrets.sops.yaml'), 'utf8');
    const tokens = /tokens:\n\s+- (ENC\[[^\]]+\])\n\s+- (ENC\[[^\]]+\])/.exec(text)!;
    writeFileSync(join(dir, 'tampered.sops.yaml'), text.replace(tokens[1]!, 'TMP').replace(tokens[2]!, tokens[1]!).replace('TMP', tokens[2]!));
    const lines = await problems(inventoryFile('    a: { secret: { sops: tampered.sops.yaml, key: db.user } }\n', 'tampered.yaml'));
    expect(lines).toEqual([expect.stringMatching(/tampered\.sops\.yaml:\d+:\d+: MAC mismatch: .* \(read for \S+tampered\.yaml:3:18\)$/)]);
  });
});

describe('paths in messages', () => {
  it.each([
    ['/home/op/site/secrets.sops.yaml', '/home/op/site', 'secrets.sops.yaml'],
    ['/home/op/site/secrets.sops.yaml', '/home/op', 'site/secrets.sops.yaml'],
    ['/home/op/site/secrets.sops.yaml', '/srv', '/home/op/site/secrets.sops.yaml'],
    // cron may run a job from /: "home/op/..." would read as below some other directory.
    ['/home/op/site/secrets.sops.yaml', '/', '/home/op/site/secrets.sops.yaml'],
  ])('%s from %s: %s', (file, cwd, shown) => {
    expect(shownPath(file, cwd)).toBe(shown);
  });
});
