/**
 * Interoperability with independent implementations: sops-age (a SOPS decoder
 * on npm, used only here) reads what provision writes, and Debian's age CLI
 * decrypts the data key stanzas provision writes and writes stanzas provision
 * reads. The age CLI must be installed (.ci/run installs it): without it these
 * tests fail, they do not skip.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decryptSops } from 'sops-age';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { openSops } from './document.js';
import { ageKey, envWith, scratchDir, writeSops } from '../../test/support/sops.js';

const PLAIN = `app:
  db:
    password: "pa55:word/with=all+sorts"
    port: 3306
    ratio: 0.125
    enabled: true
  users:
    - alice
    - bob
  note_unencrypted: plain text
`;

const VALUES = { app: { db: { password: 'pa55:word/with=all+sorts', port: 3306, ratio: 0.125, enabled: true }, users: ['alice', 'bob'], note_unencrypted: 'plain text' } };

let dir: string;
let key: Awaited<ReturnType<typeof ageKey>>;
let sshEd25519: string;
let sshRsa: string;

/** Runs the age CLI; stdin is `input`. */
function age(args: string[], input: string | Buffer): Buffer {
  return execFileSync('age', args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
}

function sshKey(type: 'ed25519' | 'rsa'): string {
  const file = join(dir, `id_${type}`);
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-C', `test-${type}`, '-f', file]);
  return file;
}

beforeAll(async () => {
  // Fails the suite when the age CLI is missing (apt-get install age).
  expect(execFileSync('age', ['--version']).toString()).toMatch(/^v?\d+\.\d+/);
  dir = scratchDir();
  key = await ageKey(dir);
  sshEd25519 = sshKey('ed25519');
  sshRsa = sshKey('rsa');
});

const stanzas = (file: string): Array<{ recipient: string; enc: string }> => (parse(readFileSync(file, 'utf8')) as { sops: { age: Array<{ recipient: string; enc: string }> } }).sops.age;

describe('sops-age (an independent SOPS decoder) reads what provision writes', () => {
  it.each(['secrets.sops.yaml', 'secrets.sops.json'])('%s', async (name) => {
    const file = await writeSops(dir, name, PLAIN, [key.recipient]);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('pa55');
    expect(await decryptSops(text, { secretKey: key.identity, fileType: name.endsWith('.json') ? 'json' : 'yaml' })).toEqual(VALUES);
  });
});

describe('the age CLI and provision agree on the data key stanzas', () => {
  it('age -d decrypts each stanza provision wrote (X25519, ssh-ed25519, ssh-rsa) to the data key that opens the file', async () => {
    const recipients = [key.recipient, readFileSync(`${sshEd25519}.pub`, 'utf8').trim(), readFileSync(`${sshRsa}.pub`, 'utf8').trim()];
    const file = await writeSops(dir, 'three.sops.yaml', PLAIN, recipients);
    const [x25519, ed25519, rsa] = stanzas(file);
    expect(ed25519!.recipient).toMatch(/^ssh-ed25519 AAAA\S+ test-ed25519$/);
    const keys = [age(['-d', '-i', key.file], x25519!.enc), age(['-d', '-i', sshEd25519], ed25519!.enc), age(['-d', '-i', sshRsa], rsa!.enc)];
    const opened = await openSops(file, envWith(dir, { SOPS_AGE_KEY_FILE: key.file }));
    for (const dataKey of keys) expect(dataKey.equals(opened.dataKey)).toBe(true);
  });

  it.each([
    ['an X25519 recipient', () => ['-r', key.recipient], () => ({ SOPS_AGE_KEY_FILE: key.file })],
    ['an ssh-ed25519 recipient', () => ['-R', `${sshEd25519}.pub`], () => ({ SOPS_AGE_SSH_PRIVATE_KEY_FILE: sshEd25519 })],
    ['an ssh-rsa recipient', () => ['-R', `${sshRsa}.pub`], () => ({ SOPS_AGE_SSH_PRIVATE_KEY_FILE: sshRsa })],
  ])('provision opens a file whose data key age -e encrypted for %s', async (_what, recipientArgs, identityEnv) => {
    const file = await writeSops(dir, 'by-age.sops.yaml', PLAIN, [key.recipient]);
    const dataKey = age(['-d', '-i', key.file], stanzas(file)[0]!.enc);
    const enc = age(['-e', '-a', ...recipientArgs()], dataKey).toString();
    const doc = parse(readFileSync(file, 'utf8')) as Record<string, any>;
    doc['sops'].age = [{ recipient: 'written-by-the-age-cli', enc }];
    writeFileSync(file, stringify(doc));
    const opened = await openSops(file, envWith(dir, identityEnv()));
    opened.source.doc.delete('sops');
    expect(JSON.parse(JSON.stringify(opened.source.doc.toJS(), (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)))).toEqual(VALUES);
  });

  it('~/.ssh/id_ed25519 is an identity without any setting', async () => {
    const home = scratchDir();
    mkdirSync(join(home, '.ssh'));
    copyFileSync(sshEd25519, join(home, '.ssh', 'id_ed25519'));
    const file = await writeSops(dir, 'ssh-home.sops.yaml', PLAIN, [readFileSync(`${sshEd25519}.pub`, 'utf8').trim()]);
    const opened = await openSops(file, envWith(home));
    expect(opened.identity).toEqual(expect.objectContaining({ label: join(home, '.ssh', 'id_ed25519'), cronEnv: { SOPS_AGE_SSH_PRIVATE_KEY_FILE: join(home, '.ssh', 'id_ed25519') } }));
  });

  it('an SSH key with a passphrase is reported, not prompted for', async () => {
    const file = join(dir, 'id_locked');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'a passphrase', '-f', file]);
    const sops = await writeSops(dir, 'locked.sops.yaml', PLAIN, [readFileSync(`${file}.pub`, 'utf8').trim()]);
    await expect(openSops(sops, envWith(scratchDir(), { SOPS_AGE_SSH_PRIVATE_KEY_FILE: file }))).rejects.toThrow(/SOPS_AGE_SSH_PRIVATE_KEY_FILE=\S+id_locked: protected by a passphrase, which provision does not ask for/);
  });
});
