import { execFileSync } from 'node:child_process';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { registerSecret, secretProblem } from '../secrets.js';
import { decryptVault, DEFAULT_VAULT_ID, parseVaultText, VaultFormatError } from './vault.js';

/** One vault password and where it came from. */
export interface VaultPassword {
  /** The vault id it is for ('default' when none is given). */
  id: string;
  /** The password's bytes. */
  password: Buffer;
  /** Where it was read from, for messages: `--vault-id prod@FILE`. */
  source: string;
}

/** Where vault passwords come from, as on Ansible's command line. */
export interface VaultOptions {
  /** --vault-password-file FILE, each for the default vault id. */
  passwordFiles: string[];
  /** --vault-id [LABEL@]FILE. */
  vaultIds: string[];
}

/** What to pass to read vault-encrypted values: for messages when no password opens one. */
export const VAULT_PASSWORD_HINT = 'pass --vault-password-file FILE or --vault-id LABEL@FILE, or set ANSIBLE_VAULT_PASSWORD_FILE (or vault_password_file in ansible.cfg)';

/** The vault passwords of a run. Decrypts vault texts; never shows a password or a plaintext in a message. */
export class VaultKeyring {
  constructor(readonly passwords: readonly VaultPassword[]) {}

  /**
   * Decrypts a vault text. The password of the vault id the text names is
   * tried first, then every other one (as Ansible does). Returns the
   * plaintext or a problem to report at the value.
   */
  decrypt(text: string): { plaintext: Buffer } | { problem: string } {
    let envelope;
    try {
      envelope = parseVaultText(text);
    } catch (err) {
      if (err instanceof VaultFormatError) return { problem: `malformed vault text: ${err.message}` };
      throw err;
    }
    const named = envelope.vaultId ? ` (vault id '${envelope.vaultId}')` : '';
    if (this.passwords.length === 0) return { problem: `the value is vault-encrypted${named} and no vault password was given: ${VAULT_PASSWORD_HINT}` };
    const ordered = [...this.passwords].sort((a, b) => Number(b.id === envelope.vaultId) - Number(a.id === envelope.vaultId));
    for (const { password } of ordered) {
      let plaintext;
      try {
        plaintext = decryptVault(envelope, password);
      } catch (err) {
        if (err instanceof VaultFormatError) return { problem: `malformed vault text: ${err.message}` };
        throw err;
      }
      if (plaintext !== undefined) return { plaintext };
    }
    return { problem: `the value is vault-encrypted${named} and none of the vault passwords given (${this.passwords.map((p) => p.source).join(', ')}) decrypts it: ${VAULT_PASSWORD_HINT}` };
  }
}

/**
 * Reads the vault passwords of the command line, then the configured one (ansible.cfg's
 * vault_password_file or ANSIBLE_VAULT_PASSWORD_FILE, see readAnsibleConfig), appended as Ansible does.
 */
export function readVaultPasswords(options: VaultOptions, configured?: { file: string; source: string }): VaultKeyring {
  const files = [...options.passwordFiles.map((file) => ({ id: DEFAULT_VAULT_ID, file, source: `--vault-password-file ${file}` }))];
  for (const spec of options.vaultIds) {
    const at = spec.indexOf('@');
    const [id, file] = at < 0 ? [DEFAULT_VAULT_ID, spec] : [spec.slice(0, at), spec.slice(at + 1)];
    if (id === '' || file === '') throw new UserError(`--vault-id '${spec}': expected LABEL@FILE or FILE`);
    if (file === 'prompt') throw new UserError(`--vault-id '${spec}': prompting for a vault password is not supported: put it in a file (mode 0600) and pass ${id}@FILE`);
    files.push({ id, file, source: `--vault-id ${spec}` });
  }
  if (configured) files.push({ id: DEFAULT_VAULT_ID, ...configured });
  return new VaultKeyring(files.map(({ id, file, source }) => ({ id, source, password: readPassword(file, id, source) })));
}

/**
 * A password file's content without its final line break; an executable file
 * is run and its output is the password (a `-client` script gets `--vault-id ID`).
 */
function readPassword(file: string, id: string, source: string): Buffer {
  let raw: Buffer;
  try {
    if (statSync(file).isDirectory()) throw new UserError(`${source}: '${file}' is a directory: expected a file holding the vault password`);
    raw = isExecutable(file) ? runScript(file, id) : readFileSync(file);
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`${source}: cannot read the vault password: ${code === 'ENOENT' ? 'no such file' : (code ?? (err as Error).message)}`);
  }
  const password = Buffer.from(raw.toString('utf8').replace(/^[\r\n]+|[\r\n]+$/g, ''), 'utf8');
  if (password.length === 0) throw new UserError(`${source}: the vault password file is empty`);
  // Ansible takes any length; provision masks every secret in its output, which a shorter one would make unreadable.
  const problem = secretProblem(password.toString('utf8'));
  if (problem !== undefined) throw new UserError(`${source}: ${problem.replace('the secret', 'the vault password')} (Ansible takes it): re-encrypt with a longer password (ansible-vault rekey)`);
  registerSecret(password.toString('utf8'));
  return password;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function runScript(file: string, id: string): Buffer {
  const client = /-client(\.[^.]+)?$/.test(path.basename(file));
  return execFileSync(path.resolve(file), client ? ['--vault-id', id] : [], { stdio: ['ignore', 'pipe', 'inherit'] });
}
