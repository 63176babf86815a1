import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { UserError } from '../errors.js';
import { openSops } from '../sops/document.js';
import { ageKey, envWith, scratchDir, writeSops } from '../../test/support/sops.js';
import type { SecretsOptions } from './args.js';
import { secretsCommand } from './secrets.js';

const PLAIN = 'db:\n  password: first-pa55\n  user: app\ntokens:\n  - tok-1\n  - tok-2\n';

let dir: string;
let key: Awaited<ReturnType<typeof ageKey>>;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = scratchDir();
  key = await ageKey(dir);
  env = envWith(dir, { SOPS_AGE_KEY_FILE: key.file, PATH: process.env.PATH });
});

async function run(options: Partial<SecretsOptions> & Pick<SecretsOptions, 'action' | 'file'>, environment: NodeJS.ProcessEnv = env): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await secretsCommand({ recipients: [], macOnlyEncrypted: false, ...options }, { out: (t) => (out += t), err: (t) => (err += t), env: environment });
  return { code, out, err };
}

async function values(file: string, environment = env): Promise<unknown> {
  const opened = await openSops(file, environment);
  opened.source.doc.delete('sops');
  return opened.source.doc.toJS();
}

/** An editor: a script that records what it was given (content, file and directory modes) and runs `change` on the file. */
function editor(name: string, change: string): { command: string; seen: () => string } {
  const log = join(dir, `${name}.seen`);
  const script = join(dir, `${name}.sh`);
  writeFileSync(script, `#!/bin/sh\n{ cat "$1"; stat -c '%a' "$1" "$(dirname "$1")"; echo "$1"; } >'${log}'\n${change}\n`, { mode: 0o755 });
  return { command: script, seen: () => readFileSync(log, 'utf8') };
}

const encValues = (text: string): Record<string, string> => {
  const doc = parse(text) as { db: Record<string, string>; tokens: string[] };
  return { ...doc.db, t0: doc.tokens[0]!, t1: doc.tokens[1]! };
};

describe('secrets encrypt', () => {
  it('prints the SOPS file for the recipients and leaves the plain file as it was', async () => {
    const plain = join(dir, 'plain.yaml');
    writeFileSync(plain, PLAIN);
    const { code, out } = await run({ action: 'encrypt', file: plain, recipients: [key.recipient] });
    expect(code).toBe(0);
    expect(out).not.toContain('first-pa55');
    expect(out).toMatch(/^ {4}password: ENC\[AES256_GCM,/m);
    expect(readFileSync(plain, 'utf8')).toBe(PLAIN);
    const file = join(dir, 'out.sops.yaml');
    writeFileSync(file, out);
    expect(await values(file)).toEqual(parse(PLAIN));
  });

  it('without --age uses SOPS_AGE_RECIPIENTS, as sops does', async () => {
    const plain = join(dir, 'plain2.yaml');
    writeFileSync(plain, PLAIN);
    const { out } = await run({ action: 'encrypt', file: plain }, { ...env, SOPS_AGE_RECIPIENTS: key.recipient });
    expect((parse(out) as { sops: { age: Array<{ recipient: string }> } }).sops.age.map((a) => a.recipient)).toEqual([key.recipient]);
  });

  it.each([
    ['no recipients', {}, /no recipients: expected --age RECIPIENT/],
    ['a recipient that is not one', { recipients: ['age1notarealkey'] }, /--age: "age1notarealkey" is not a valid age recipient/],
    ['a private key by mistake', { recipients: ['AGE-SECRET-KEY-1ABC'] }, /is not an age recipient \(expected age1… as age-keygen prints/],
    ['a bad regular expression', { recipients: [], rule: { kind: 'encrypted_regex' as const, value: '(' } }, /--encrypted-regex: not a regular expression/],
  ])('refuses %s', async (_what, options, message) => {
    const plain = join(dir, 'plain3.yaml');
    writeFileSync(plain, PLAIN);
    await expect(run({ action: 'encrypt', file: plain, ...options })).rejects.toThrow(message);
  });

  it('refuses a file that is already a SOPS file', async () => {
    const file = await writeSops(dir, 'already.sops.yaml', PLAIN, [key.recipient]);
    await expect(run({ action: 'encrypt', file, recipients: [key.recipient] })).rejects.toThrow(/already\.sops\.yaml is already a SOPS file/);
  });
});

describe('secrets edit', () => {
  it('opens a private plain copy in the editor, saves the change, keeps the ciphertext of what did not change, and removes the copy', async () => {
    const file = await writeSops(dir, 'edit.sops.yaml', PLAIN, [key.recipient]);
    const before = readFileSync(file, 'utf8');
    const ed = editor('change', `sed -i 's/first-pa55/second-pa55/' "$1"`);
    const { code, err } = await run({ action: 'edit', file }, { ...env, EDITOR: ed.command });
    expect(code).toBe(0);
    expect(err).toContain('edit.sops.yaml: saved');
    const [content, fileMode, dirMode, path] = ((): [string, string, string, string] => {
      const lines = ed.seen().trimEnd().split('\n');
      return [lines.slice(0, -3).join('\n'), lines.at(-3)!, lines.at(-2)!, lines.at(-1)!];
    })();
    expect(content).toContain('password: first-pa55');
    expect(content).not.toContain('sops:');
    expect([fileMode, dirMode]).toEqual(['600', '700']);
    expect(existsSync(path)).toBe(false);
    const after = readFileSync(file, 'utf8');
    expect(after).not.toContain('second-pa55');
    expect(await values(file)).toEqual({ db: { password: 'second-pa55', user: 'app' }, tokens: ['tok-1', 'tok-2'] });
    const [old, now] = [encValues(before), encValues(after)];
    expect(now['password']).not.toBe(old['password']);
    expect({ user: now['user'], t0: now['t0'], t1: now['t1'] }).toEqual({ user: old['user'], t0: old['t0'], t1: old['t1'] });
    expect((parse(after) as { sops: unknown }).sops).toMatchObject({ age: (parse(before) as { sops: { age: unknown } }).sops.age });
  });

  it('with no change, the file stays byte for byte', async () => {
    const file = await writeSops(dir, 'same.sops.yaml', PLAIN, [key.recipient]);
    const before = readFileSync(file, 'utf8');
    const { err } = await run({ action: 'edit', file }, { ...env, EDITOR: editor('none', 'true').command });
    expect(err).toContain('no changes');
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it.each([
    ['the editor fails', 'exit 3', /the editor \(.*\) exited with 3: the file was not changed/],
    ['the edit is not YAML', `printf 'db: [unclosed\\n' >"$1"`, /edit\.sops\.yaml \(your edit\):2:1: list \[ not closed/],
    ['the edit adds a sops key', `printf 'sops: 1\\n' >>"$1"`, /is already a SOPS file/],
  ])('when %s, the file is not changed and the plain copy is removed', async (_what, change, message) => {
    const file = await writeSops(dir, 'edit.sops.yaml', PLAIN, [key.recipient]);
    const before = readFileSync(file, 'utf8');
    const ed = editor('fail', change);
    const error: unknown = await run({ action: 'edit', file }, { ...env, EDITOR: ed.command }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).format()).toMatch(message);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(existsSync(ed.seen().trimEnd().split('\n').at(-1)!)).toBe(false);
  });

  it('SOPS_EDITOR comes before EDITOR, as in sops', async () => {
    const file = await writeSops(dir, 'which.sops.yaml', PLAIN, [key.recipient]);
    const sopsEditor = editor('sops-editor', `sed -i 's/user: app/user: admin/' "$1"`);
    await run({ action: 'edit', file }, { ...env, SOPS_EDITOR: sopsEditor.command, EDITOR: '/bin/false' });
    expect(await values(file)).toMatchObject({ db: { user: 'admin' } });
  });
});

describe('secrets rotate', () => {
  it('a new data key for new recipients: every value is encrypted anew, the old key no longer opens it', async () => {
    const file = await writeSops(dir, 'rotate.sops.yaml', PLAIN, [key.recipient]);
    const before = readFileSync(file, 'utf8');
    const next = await ageKey(dir, 'next');
    const { code, err } = await run({ action: 'rotate', file, recipients: [next.recipient] });
    expect(code).toBe(0);
    expect(err).toContain(`rotate.sops.yaml: new data key, encrypted for ${next.recipient}`);
    const after = readFileSync(file, 'utf8');
    const [old, now] = [encValues(before), encValues(after)];
    for (const name of Object.keys(old)) expect(now[name]).not.toBe(old[name]);
    expect(await values(file, envWith(dir, { SOPS_AGE_KEY_FILE: next.file }))).toEqual(parse(PLAIN));
    await expect(openSops(file, env)).rejects.toThrow(/cannot decrypt: the file is encrypted for age1\w+, and none of your identities/);
    // A file name's terminal controls are shown escaped, never sent to the terminal.
    const retitling = await writeSops(dir, 'r\u001b]0;PWNED\u0007.sops.yaml', PLAIN, [key.recipient]);
    const named = await run({ action: 'rotate', file: retitling });
    expect(named.err).toContain('r\\u001b]0;PWNED\\u0007.sops.yaml: new data key');
    expect(named.err).not.toMatch(/[\u0007\u001b]/);
    const opened = await openSops(file, envWith(dir, { SOPS_AGE_KEY_FILE: next.file }));
    await run({ action: 'rotate', file }, envWith(dir, { SOPS_AGE_KEY_FILE: next.file }));
    const again = await openSops(file, envWith(dir, { SOPS_AGE_KEY_FILE: next.file }));
    expect(again.dataKey.equals(opened.dataKey)).toBe(false);
    expect(again.metadata.age.map((a) => a.recipient)).toEqual([next.recipient]);
  });

  it('refuses a file that other kinds of keys (pgp, kms) can also open: they would lose it', async () => {
    const file = await writeSops(dir, 'pgp.sops.yaml', PLAIN, [key.recipient]);
    writeFileSync(file, readFileSync(file, 'utf8').replace('\nsops:\n', '\nsops:\n    pgp:\n        - fp: ABCD\n          enc: x\n          created_at: "2024-01-01T00:00:00Z"\n'));
    await expect(run({ action: 'rotate', file })).rejects.toThrow(UserError);
    await expect(run({ action: 'rotate', file })).rejects.toThrow(/also encrypted for pgp keys, which provision cannot encrypt a new data key for/);
  });
});
