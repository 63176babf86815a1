import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { UserError } from '../errors.js';
import { openSops, plainText } from './document.js';
import { ageKey, envWith, scratchDir, sealText, writeSops } from '../../test/support/sops.js';
import type { EncryptionRule } from './tree.js';

const PLAIN = `# the database
db:
  password: s3cret-Pa55 # inline note
  port: 3306
  ratio: 1.5
  whole: 3.0
  enabled: true
  disabled: false
  empty: ""
  nothing: null
list:
  - first
  - 2
  # before the mapping item
  - name: nested
    values: [a, b]
api_unencrypted: visible
`;

const EXPECTED = {
  db: { password: 's3cret-Pa55', port: 3306, ratio: 1.5, whole: 3, enabled: true, disabled: false, empty: '', nothing: null },
  list: ['first', 2, { name: 'nested', values: ['a', 'b'] }],
  api_unencrypted: 'visible',
};

const PLAIN_JSON = JSON.stringify(EXPECTED, null, 2);

let dir: string;
let key: Awaited<ReturnType<typeof ageKey>>;
let env: Record<string, string | undefined>;

beforeAll(async () => {
  dir = scratchDir();
  key = await ageKey(dir);
  env = envWith(dir, { SOPS_AGE_KEY_FILE: key.file });
});

/** The decrypted values as plain JS numbers (bigints as numbers, for comparing). */
async function decrypted(file: string, environment = env): Promise<unknown> {
  const opened = await openSops(file, environment);
  opened.source.doc.delete('sops');
  return JSON.parse(JSON.stringify(opened.source.doc.toJS(), (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)));
}

/** The problem openSops reports, as file:line:col: message. */
async function problem(file: string, environment = env): Promise<string> {
  try {
    await openSops(file, environment);
  } catch (err) {
    if (err instanceof UserError) return err.format();
    throw err;
  }
  throw new Error(`${file} opened without a problem`);
}

describe('a SOPS file written by provision', () => {
  it.each([
    ['secrets.sops.yaml', PLAIN],
    ['secrets.sops.json', PLAIN_JSON],
  ])('%s decrypts to the values it was made from: nested keys, lists, int, float, bool, empty and null', async (name, plain) => {
    const file = await writeSops(dir, name, plain, [key.recipient]);
    expect(await decrypted(file)).toEqual(EXPECTED);
  });

  it('YAML: keys and the _unencrypted values stay readable, every other value is ENC[...] with its type; the metadata is sops\'', async () => {
    const text = await sealText('s.yaml', PLAIN, [key.recipient]);
    expect(text).not.toContain('s3cret');
    const doc = parse(text) as Record<string, any>;
    expect(doc['db'].password).toMatch(/^ENC\[AES256_GCM,data:.+,iv:.+,tag:.+,type:str\]$/);
    expect(doc['db'].port).toMatch(/type:int\]$/);
    expect(doc['db'].ratio).toMatch(/type:float\]$/);
    expect(doc['db'].whole).toMatch(/type:float\]$/);
    expect(doc['db'].enabled).toMatch(/type:bool\]$/);
    expect(doc['db'].empty).toBe('');
    expect(doc['db'].nothing).toBeNull();
    expect(doc['list'][1]).toMatch(/type:int\]$/);
    expect(doc['api_unencrypted']).toBe('visible');
    expect(text).toMatch(/^#ENC\[AES256_GCM,data:.+type:comment\]$/m);
    expect(Object.keys(doc['sops'])).toEqual(['age', 'lastmodified', 'mac', 'unencrypted_suffix', 'version']);
    expect(doc['sops'].age).toEqual([{ recipient: key.recipient, enc: expect.stringMatching(/^-----BEGIN AGE ENCRYPTED FILE-----\n[A-Za-z0-9+/=\n]+-----END AGE ENCRYPTED FILE-----\n$/) }]);
    expect(doc['sops'].lastmodified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(doc['sops'].mac).toMatch(/^ENC\[AES256_GCM,.+,type:str\]$/);
    expect(doc['sops'].unencrypted_suffix).toBe('_unencrypted');
    expect(doc['sops'].version).toBe('3.9.0');
  });

  it('JSON: the same document, tab-indented, floats keep their point', async () => {
    const text = await sealText('s.json', '{"a": {"b": 1.0, "c": 2, "d_unencrypted": 3.0}}', [key.recipient]);
    const doc = JSON.parse(text) as Record<string, any>;
    expect(text.split('\n')[1]).toMatch(/^\t"a": \{$/);
    expect(doc['a'].b).toMatch(/type:float\]$/);
    expect(doc['a'].c).toMatch(/type:int\]$/);
    expect(text).toContain('"d_unencrypted": 3.0');
    expect(Object.keys(doc['sops'])).toEqual(['age', 'lastmodified', 'mac', 'unencrypted_suffix', 'version']);
  });

  it('the plain text for an editor has the comments back and no metadata', async () => {
    const file = await writeSops(dir, 'comments.sops.yaml', PLAIN, [key.recipient]);
    const text = plainText(await openSops(file, env));
    expect(text).toContain('# the database');
    expect(text).toContain('password: s3cret-Pa55 # inline note');
    expect(text).toContain('# before the mapping item');
    expect(text).toContain('whole: 3.0');
    expect(text).not.toContain('sops');
  });

  it.each<[string, EncryptionRule, string[], string[]]>([
    ['encrypted_regex', { kind: 'encrypted_regex', value: '^(password|token)$' }, ['password', 'token'], ['user', 'host']],
    ['encrypted_suffix', { kind: 'encrypted_suffix', value: '_secret' }, ['password_secret'], ['user']],
    ['unencrypted_regex', { kind: 'unencrypted_regex', value: '^(user|host)$' }, ['password', 'token'], ['user', 'host']],
  ])('%s: only the values it selects are encrypted, and all of them are in the MAC', async (name, rule, encrypted, plain) => {
    const keys = [...encrypted, ...plain];
    const source = `app:\n${keys.map((k) => `  ${k}: value-of-${k}`).join('\n')}\n`;
    const text = await sealText(`${name}.yaml`, source, [key.recipient], rule);
    const doc = parse(text) as { app: Record<string, string>; sops: Record<string, string> };
    for (const k of encrypted) expect(doc.app[k]).toMatch(/^ENC\[/);
    for (const k of plain) expect(doc.app[k]).toBe(`value-of-${k}`);
    expect(doc.sops[rule.kind]).toBe(rule.value);
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, text);
    expect(await decrypted(file)).toEqual({ app: Object.fromEntries(keys.map((k) => [k, `value-of-${k}`])) });
    writeFileSync(file, text.replace(`value-of-${plain[0]}`, 'changed'));
    expect(await problem(file)).toMatch(/MAC mismatch/);
  });

  it('mac_only_encrypted: a plain value may change without breaking the MAC', async () => {
    const text = await sealText('maconly.yaml', 'a: secret\nb_unencrypted: plain\n', [key.recipient], undefined, true);
    expect(text).toContain('mac_only_encrypted: true');
    const file = join(dir, 'maconly.yaml');
    writeFileSync(file, text.replace('b_unencrypted: plain', 'b_unencrypted: other'));
    expect(await decrypted(file)).toEqual({ a: 'secret', b_unencrypted: 'other' });
  });

  it('several recipients: each one decrypts', async () => {
    const other = await ageKey(dir, 'other');
    const file = await writeSops(dir, 'two.sops.yaml', 'a: 1\n', [key.recipient, other.recipient]);
    expect(await decrypted(file, envWith(dir, { SOPS_AGE_KEY_FILE: other.file }))).toEqual({ a: 1 });
    expect(await decrypted(file, envWith(dir, { SOPS_AGE_KEY: key.identity }))).toEqual({ a: 1 });
  });
});

describe('a tampered SOPS file is refused at the place that shows it', () => {
  let text: string;
  const write = (name: string, content: string): string => {
    const file = join(dir, name);
    writeFileSync(file, content);
    return file;
  };

  beforeAll(async () => {
    text = await sealText('t.yaml', 'db:\n  password: one\n  user: two\nlist: [x, y]\n', [key.recipient]);
  });

  it('a changed value does not decrypt (its line)', async () => {
    const doc = parse(text) as { db: { password: string } };
    const changed = doc.db.password.replace(/data:([^,]+)/, (_m, d: string) => `data:${Buffer.from(Buffer.from(d, 'base64').map((b) => b ^ 1)).toString('base64')}`);
    const file = write('changed.yaml', text.replace(doc.db.password, changed));
    expect(await problem(file)).toMatch(/changed\.yaml:2:15: db\.password: the value does not decrypt with the file's data key at this key path/);
  });

  it('two values swapped between keys do not decrypt (the key path is authenticated)', async () => {
    const doc = parse(text) as { db: { password: string; user: string } };
    const file = write('swapped.yaml', text.replace(doc.db.password, 'TMP').replace(doc.db.user, doc.db.password).replace('TMP', doc.db.user));
    expect(await problem(file)).toMatch(/swapped\.yaml:2:15: db\.password: the value does not decrypt/);
  });

  it('list items swapped, a value removed, or a value copied from another file: MAC mismatch at the mac line', async () => {
    const doc = parse(text) as { list: string[]; db: { user: string } };
    const swapped = write('reordered.yaml', text.replace(doc.list[0]!, 'TMP').replace(doc.list[1]!, doc.list[0]!).replace('TMP', doc.list[1]!));
    expect(await problem(swapped)).toMatch(/reordered\.yaml:\d+:\d+: MAC mismatch: the values are not the ones the file was encrypted with/);
    const removed = write('removed.yaml', text.replace(/^ {4}user: .*\n/m, ''));
    expect(await problem(removed)).toMatch(/MAC mismatch/);
    const macLine = text.split('\n').findIndex((l) => l.includes('    mac: ')) + 1;
    expect(await problem(removed)).toContain(`removed.yaml:${macLine - 1}:10:`);
  });

  it('a changed lastmodified or mac does not authenticate', async () => {
    const lastModified = /lastmodified: "([^"]+)"/.exec(text)![1]!;
    const earlier = write('time.yaml', text.replace(lastModified, '2001-01-01T00:00:00Z'));
    expect(await problem(earlier)).toMatch(/sops\.mac does not decrypt with the file's data key/);
    const badTime = write('badtime.yaml', text.replace(lastModified, 'yesterday'));
    expect(await problem(badTime)).toMatch(/sops\.lastmodified: expected an RFC 3339 time/);
  });

  it('a damaged data key stanza is named', async () => {
    const file = write('stanza.yaml', text.replace(/(-----BEGIN AGE ENCRYPTED FILE-----\n\s+)YWdl/, '$1YWdm'));
    expect(await problem(file)).toMatch(/sops\.age\[0\] \(age1\w+\): its (age file does not decrypt|enc is not an armored age file)/);
  });
});

describe('who may decrypt', () => {
  let file: string;
  beforeAll(async () => {
    file = await writeSops(dir, 'for-key.sops.yaml', 'a: b\n', [key.recipient]);
  });

  it('no identity anywhere: says where it looked', async () => {
    const empty = scratchDir();
    const message = await problem(file, envWith(empty, { XDG_CONFIG_HOME: join(empty, 'config') }));
    expect(message).toContain('cannot decrypt: no age identity found; looked in SOPS_AGE_KEY_FILE (not set), SOPS_AGE_KEY (not set)');
    expect(message).toContain(`${join(empty, 'config', 'sops', 'age', 'keys.txt')} (no such file)`);
    expect(message).toContain(`${join(empty, '.ssh', 'id_ed25519')} (no such file)`);
    expect(message).toContain(`The file is encrypted for ${key.recipient}`);
    expect(message).toMatch(/^.*for-key\.sops\.yaml:\d+:\d+: /);
  });

  it('encrypted for others: names the file\'s recipients and yours', async () => {
    const stranger = await ageKey(scratchDir(), 'stranger');
    const message = await problem(file, envWith(dir, { SOPS_AGE_KEY_FILE: stranger.file }));
    expect(message).toContain(`cannot decrypt: the file is encrypted for ${key.recipient}, and none of your identities is one of them: ${stranger.recipient} (SOPS_AGE_KEY_FILE=${stranger.file})`);
  });

  it('finds the identity in the sops keys file under XDG_CONFIG_HOME, then ~/.config', async () => {
    const home = scratchDir();
    const config = join(home, 'elsewhere');
    mkdirSync(join(config, 'sops', 'age'), { recursive: true });
    writeFileSync(join(config, 'sops', 'age', 'keys.txt'), readFileSync(key.file));
    expect((await openSops(file, envWith(home, { XDG_CONFIG_HOME: config }))).identity.label).toBe(join(config, 'sops', 'age', 'keys.txt'));
    mkdirSync(join(home, '.config', 'sops', 'age'), { recursive: true });
    writeFileSync(join(home, '.config', 'sops', 'age', 'keys.txt'), readFileSync(key.file));
    const opened = await openSops(file, envWith(home));
    expect(opened.identity).toMatchObject({ label: join(home, '.config', 'sops', 'age', 'keys.txt'), cronEnv: { SOPS_AGE_KEY_FILE: join(home, '.config', 'sops', 'age', 'keys.txt') } });
  });

  it('a key file with a typo is reported without showing its text', async () => {
    const bad = join(dir, 'bad-keys.txt');
    writeFileSync(bad, 'AGE-SECRET-KEY-1NOTAKEY\nhunter2\n');
    const message = await problem(file, envWith(scratchDir(), { SOPS_AGE_KEY_FILE: bad }));
    expect(message).toContain('key 1 is not a valid age identity');
    expect(message).toContain('key 2 is not an age identity');
    expect(message).not.toContain('hunter2');
  });
});

describe('files that are not SOPS files', () => {
  it.each([
    ['plain.yaml', 'a: b\n', /plain\.yaml:1:1: not a SOPS file: it has no top-level "sops" key/],
    ['groups.yaml', 'a: b\nsops:\n  key_groups: [{ age: [] }]\n  lastmodified: "2024-01-01T00:00:00Z"\n  mac: x\n', /groups\.yaml:3:15: sops\.key_groups: files split into key groups \(Shamir/],
    ['two-rules.yaml', 'a: b\nsops:\n  encrypted_regex: x\n  unencrypted_suffix: y\n  lastmodified: z\n  mac: m\n', /only one of unencrypted_suffix, encrypted_suffix, unencrypted_regex, encrypted_regex may be set/],
    ['no-age.yaml', 'a: b\nsops:\n  pgp: [{ fp: X, enc: Y }]\n  lastmodified: z\n  mac: m\n', /cannot decrypt: the file has no age recipients \(only pgp keys, which provision does not use\)/],
    ['secrets.txt', 'a: b\n', /secrets\.txt: expected a \.yaml, \.yml or \.json file/],
  ])('%s', async (name, content, message) => {
    const file = join(dir, name);
    writeFileSync(file, content);
    expect(await problem(file)).toMatch(message);
  });
});
