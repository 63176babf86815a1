// SOPS files with age keys: what `provision secrets` uses. The inventory loader imports values.ts alone.
export { openSops, plainText, seal, newDataKey, readPlain, type OpenedSops } from './document.js';
export { parseRecipient, type AgeRecipient } from './age.js';
export { formatOf, type SopsFormat } from './format.js';
export { DEFAULT_RULE, METADATA_KEY, type EncryptionRule } from './tree.js';
