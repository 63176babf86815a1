/** Helpers for unit tests that load inventories. */
import { Secret } from '../../src/secrets.js';
import type { SecretSource, SopsRef } from '../../src/inventory/secret-ref.js';

/**
 * A SOPS secret source without files or keys, for unit tests of inventories
 * that name SOPS files (inventory/lab.yaml, whose file the lab makes): the value
 * of a key path comes from `values`, else it is `stub-KEY-PATH` (plain enough for every check kind).
 */
export function stubSops(values: Record<string, string> = {}): SecretSource<SopsRef> {
  return { read: (ref) => ({ secret: new Secret(values[ref.key.join('.')] ?? `stub-${ref.key.join('-')}`) }) };
}
