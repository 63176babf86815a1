// SOPS files with age keys: what the inventory loader imports (dynamically, only
// when an inventory names a SOPS file) and what `provision secrets` uses.
export { openSops, plainText, seal, newDataKey, readPlain, type OpenedSops } from './document.js';
export { parseRecipient, type AgeRecipient } from './age.js';
export { formatOf, type SopsFormat } from './format.js';
export { DEFAULT_RULE, METADATA_KEY, type EncryptionRule } from './tree.js';
import { openSops } from './document.js';
import type { Env } from './identities.js';
import { METADATA_KEY } from './tree.js';

/** A decrypted SOPS file's values (plain JS, without its metadata), and where the identity that opened it came from. */
export async function openSopsValues(file: string, env: Env): Promise<{ values: unknown; identity: { label: string; cronEnv?: Record<string, string> } }> {
  const opened = await openSops(file, env);
  opened.source.doc.delete(METADATA_KEY);
  const { label, cronEnv } = opened.identity;
  return { values: opened.source.doc.toJS(), identity: { label, ...(cronEnv ? { cronEnv } : {}) } };
}
