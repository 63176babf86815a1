/**
 * The operator's age identities, from where sops looks for them: the
 * SOPS_AGE_KEY_FILE file, the SOPS_AGE_KEY variable, sops' keys file in the
 * user's config directory ($XDG_CONFIG_HOME, else ~/.config), and SSH keys
 * (SOPS_AGE_SSH_PRIVATE_KEY_FILE, ~/.ssh/id_ed25519, ~/.ssh/id_rsa).
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { identityToRecipient, type Identity } from 'age-encryption';
import { sshIdentity } from './age-ssh.js';

/** Environment variables, as process.env. */
export type Env = Record<string, string | undefined>;

/** Identities from one place. */
export interface IdentitySource {
  /** Where they came from, for messages: `SOPS_AGE_KEY_FILE=/p/keys.txt`, `~/.ssh/id_ed25519`. */
  label: string;
  /**
   * The environment that finds them again in a process that has no other
   * (a cron job); undefined when the keys themselves are in a variable.
   */
  cronEnv?: Record<string, string>;
  identities: Array<string | Identity>;
  /** The recipients they decrypt for, for messages. */
  recipients: string[];
}

/** What the search found, where it looked, and what it could not use. */
export interface IdentitySearch {
  sources: IdentitySource[];
  looked: string[];
  problems: string[];
}

/** Finds every identity the environment offers, in sops' places. Never throws for a missing or bad key: it is reported. */
export async function findIdentities(env: Env): Promise<IdentitySearch> {
  const search: IdentitySearch = { sources: [], looked: [], problems: [] };
  const home = env['HOME'] || homedir();
  const keyFile = env['SOPS_AGE_KEY_FILE'];
  if (keyFile) await addKeyFile(search, resolve(keyFile), `SOPS_AGE_KEY_FILE=${keyFile}`, { SOPS_AGE_KEY_FILE: resolve(keyFile) });
  else search.looked.push('SOPS_AGE_KEY_FILE (not set)');
  const inline = env['SOPS_AGE_KEY'];
  if (inline) await addKeys(search, inline.split(/\s+/), 'SOPS_AGE_KEY', undefined);
  else search.looked.push('SOPS_AGE_KEY (not set)');
  const configFile = join(env['XDG_CONFIG_HOME'] || join(home, '.config'), 'sops', 'age', 'keys.txt');
  await addKeyFile(search, configFile, configFile, { SOPS_AGE_KEY_FILE: configFile }, true);
  const sshFile = env['SOPS_AGE_SSH_PRIVATE_KEY_FILE'];
  if (sshFile) addSshKey(search, resolve(sshFile), `SOPS_AGE_SSH_PRIVATE_KEY_FILE=${sshFile}`);
  else search.looked.push('SOPS_AGE_SSH_PRIVATE_KEY_FILE (not set)');
  for (const name of ['id_ed25519', 'id_rsa']) addSshKey(search, join(home, '.ssh', name), join(home, '.ssh', name), true);
  for (const name of ['SOPS_AGE_KEY_CMD', 'SOPS_AGE_SSH_PRIVATE_KEY_CMD']) {
    if (env[name]) search.problems.push(`${name} is set, but provision does not run key commands: use SOPS_AGE_KEY_FILE`);
  }
  return search;
}

function readOptional(search: IdentitySearch, file: string, label: string, optional: boolean): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && optional) search.looked.push(`${label} (no such file)`);
    else search.problems.push(`${label}: cannot read it (${code === 'ENOENT' ? 'no such file' : (code ?? String(err))})`);
    return undefined;
  }
}

async function addKeyFile(search: IdentitySearch, file: string, label: string, cronEnv: Record<string, string>, optional = false): Promise<void> {
  const text = readOptional(search, file, label, optional);
  if (text === undefined) return;
  if (text.includes('-----BEGIN AGE ENCRYPTED FILE-----') || text.startsWith('age-encryption.org/')) {
    search.problems.push(`${label}: the keys file is itself encrypted (passphrase-protected), which provision does not support`);
    return;
  }
  // One identity per line; blank lines and # comments are skipped (age's identity file format).
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  await addKeys(search, lines, label, cronEnv);
}

async function addKeys(search: IdentitySearch, keys: string[], label: string, cronEnv: Record<string, string> | undefined): Promise<void> {
  const source: IdentitySource = { label, identities: [], recipients: [], ...(cronEnv ? { cronEnv } : {}) };
  for (const [i, key] of keys.filter((k) => k !== '').entries()) {
    if (key.startsWith('AGE-PLUGIN-')) {
      search.problems.push(`${label}: key ${i + 1} is an age plugin identity, which provision does not support`);
    } else if (key.startsWith('AGE-SECRET-KEY-')) {
      try {
        source.recipients.push(await identityToRecipient(key));
        source.identities.push(key);
      } catch {
        search.problems.push(`${label}: key ${i + 1} is not a valid age identity`);
      }
    } else {
      // The text is never shown: it may be a key with a typo.
      search.problems.push(`${label}: key ${i + 1} is not an age identity (expected AGE-SECRET-KEY-1…)`);
    }
  }
  if (source.identities.length > 0) search.sources.push(source);
  else if (!search.problems.some((p) => p.startsWith(`${label}:`))) search.looked.push(`${label} (no keys in it)`);
}

function addSshKey(search: IdentitySearch, file: string, label: string, optional = false): void {
  const text = readOptional(search, file, label, optional);
  if (text === undefined) return;
  try {
    const { identity, recipient } = sshIdentity(text);
    search.sources.push({ label, cronEnv: { SOPS_AGE_SSH_PRIVATE_KEY_FILE: file }, identities: [identity], recipients: [recipient] });
  } catch (err) {
    search.problems.push(`${label}: ${(err as Error).message}`);
  }
}
