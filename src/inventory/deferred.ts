import { UserError, type SourcePosition } from '../errors.js';
import { MASK, Secret, secretProblem } from '../secrets.js';
import type { VaultKeyring } from '../vault/passwords.js';
import { SECRET_KEY, type SecretResult } from './secret-ref.js';

/**
 * A value that is read only when something uses it: a secret from the
 * environment or a vault-encrypted value. Until then a missing environment
 * variable or vault password is no error (as in Ansible); when used, it fails
 * at the file:line that holds it. Unused ones of the hosts a run plans are
 * read too, without failing (readableSecrets), so that output masks a copy.
 */
export abstract class DeferredValue {
  #resolved: { value: Secret } | undefined;

  constructor(
    /** Dotted path of the value, for messages. */
    readonly path: string,
    /** Where the value is written. */
    readonly position: SourcePosition | undefined,
  ) {}

  /** The value (a Secret); a UserError at the value when it cannot be had. */
  resolve(): Secret {
    this.#resolved ??= { value: this.read() };
    return this.#resolved.value;
  }

  protected abstract read(): Secret;

  /** How `ansible-inventory --list` prints the value. */
  abstract toAnsible(): unknown;

  protected fail(problem: string): never {
    throw new UserError(`${this.path}: ${problem}`, this.position);
  }

  /** Never serialised as its content, whatever it holds. */
  toJSON(): string {
    return MASK;
  }
}

/** `{ secret: ... }`: a secret from its source (the environment, a SOPS file), read by `reader` (secret-ref.ts) when used. */
export class SecretRefValue extends DeferredValue {
  constructor(
    private readonly spec: unknown,
    private readonly reader: () => SecretResult,
    path: string,
    position: SourcePosition | undefined,
  ) {
    super(path, position);
  }

  protected read(): Secret {
    const result = this.reader();
    if ('secret' in result) return result.secret;
    if ('pending' in result) return this.fail('SOPS secrets are not read here: load the inventory with loadInventoryWithSecrets');
    if (result.aboutFile) throw new UserError(result.problem, result.at ?? this.position);
    throw new UserError(`${this.path}: ${result.problem}`, result.at ?? this.position);
  }

  toAnsible(): unknown {
    return { [SECRET_KEY]: this.spec };
  }
}

/** A `!vault` value: decrypted with the run's vault passwords, as a Secret. */
export class VaultValue extends DeferredValue {
  constructor(
    /** The vault text as written ($ANSIBLE_VAULT;...). */
    readonly text: string,
    private readonly keyring: VaultKeyring,
    path: string,
    position: SourcePosition | undefined,
  ) {
    super(path, position);
  }

  // Kept, failing or not: each try costs a key derivation (~5 ms), and an unreadable value is looked at for every host holding it.
  #decrypted: ReturnType<VaultKeyring['decrypt']> | undefined;

  protected read(): Secret {
    const result = (this.#decrypted ??= this.keyring.decrypt(this.text));
    if ('problem' in result) return this.fail(result.problem);
    const plaintext = result.plaintext.toString('utf8');
    const problem = secretProblem(plaintext);
    if (problem !== undefined) return this.fail(problem);
    return new Secret(plaintext);
  }

  toAnsible(): unknown {
    return { __ansible_vault: this.text };
  }
}

/**
 * A text value of a vault-encrypted vars file: a secret like a `!vault`
 * value (masked in all output, `inventory --list` included; at least 4
 * characters, checked when used). Numbers and booleans there stay as they are.
 */
export class VaultedFileValue extends DeferredValue {
  constructor(
    private readonly plaintext: string,
    path: string,
    position: SourcePosition | undefined,
  ) {
    super(path, position);
  }

  protected read(): Secret {
    const problem = secretProblem(this.plaintext);
    if (problem !== undefined) return this.fail(`${problem} (every text value of a vault-encrypted vars file is a secret)`);
    return new Secret(this.plaintext);
  }

  toAnsible(): unknown {
    return MASK;
  }
}

/** `value` with every deferred value inside it read (lists and mappings included). */
export function resolveDeferred(value: unknown): unknown {
  if (value instanceof DeferredValue) return value.resolve();
  if (Array.isArray(value)) return value.some(holdsDeferred) ? value.map(resolveDeferred) : value;
  if (isPlainObject(value) && holdsDeferred(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveDeferred(v)]));
  return value;
}

/**
 * The text of every secret inside `value` (at any depth of lists and mappings), so that output masks it: each deferred
 * value read (one that cannot be, its vault password not given, its environment variable unset or its SOPS file not
 * decrypted, puts why in `unreadable`, as nothing uses it), and each secret already read (a SOPS value).
 */
export function readableSecrets(value: unknown, unreadable: UserError[] = []): string[] {
  if (value instanceof DeferredValue) {
    try {
      return [value.resolve().reveal()];
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      unreadable.push(err);
      return [];
    }
  }
  if (value instanceof Secret) return [value.reveal()];
  if (Array.isArray(value) || isPlainObject(value)) return Object.values(value).flatMap((item) => readableSecrets(item, unreadable));
  return [];
}

/** Whether a value is or holds a deferred value. */
export function holdsDeferred(value: unknown): boolean {
  if (value instanceof DeferredValue) return true;
  if (Array.isArray(value)) return value.some(holdsDeferred);
  if (isPlainObject(value)) return Object.values(value).some(holdsDeferred);
  return false;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
