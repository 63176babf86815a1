import { createHash } from 'node:crypto';

/** The largest id: MariaDB's and MySQL's server_id is an unsigned 32-bit number, 0 refusing replication. */
export const MAX_STABLE_ID = 4294967295;

/**
 * A number from 1 to 4294967295 that `text` always gives (the first 32 bits of its sha256, as a
 * number from 1): a host's MySQL server_id from its inventory name stays the same however hosts
 * are added, removed, reordered or promoted, where an index in a group would move.
 */
export function stableId(text: string): number {
  return (createHash('sha256').update(text).digest().readUInt32BE(0) % MAX_STABLE_ID) + 1;
}
