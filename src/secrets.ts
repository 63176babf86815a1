import { inspect } from 'node:util';

/** What every secret value is replaced with in output. */
export const MASK = '********';

const knownSecrets = new Set<string>();

/**
 * A secret value (password, access key, private key). It renders to its real
 * value only where a template or script needs it; everywhere it is printed,
 * serialised or inspected it shows as MASK. Every secret is also registered
 * with the redactor so it is masked in any text that reaches the user.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
    registerSecret(value);
  }

  /** The real value: only for templates and remote scripts sent over stdin. */
  reveal(): string {
    return this.#value;
  }

  /** Handlebars and string concatenation use this: the real value. */
  toString(): string {
    return this.#value;
  }

  toJSON(): string {
    return MASK;
  }

  [inspect.custom](): string {
    return MASK;
  }
}

/** Remembers a value that must never be shown; very short values are ignored to keep output readable. */
export function registerSecret(value: string): void {
  if (value.length >= 4) knownSecrets.add(value);
}

/** Replaces every known secret value in text with MASK. */
export function redact(text: string): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (out.includes(secret)) out = out.split(secret).join(MASK);
  }
  return out;
}

/** Forgets all registered secrets (tests only). */
export function clearSecretsForTests(): void {
  knownSecrets.clear();
}
