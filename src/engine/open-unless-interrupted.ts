import type { ConnectOptions, ConnectTarget, Connection } from '../transport/types.js';
import type { OpenConnection } from './connection-pool.js';

/**
 * Opens a host's connection unless the run was interrupted (Ctrl-C), checking
 * again once it is open: opening takes a while, and an interrupt meanwhile
 * must not let the caller start anything on the host. A connection that
 * opened after the interrupt is closed; undefined says the host is not to be
 * started.
 */
export async function openUnlessInterrupted(open: OpenConnection, target: ConnectTarget, options: ConnectOptions, signal: AbortSignal | undefined): Promise<Connection | undefined> {
  if (signal?.aborted) return undefined;
  const connection = await open(target, options);
  if (!signal?.aborted) return connection;
  await connection.close().catch(() => undefined);
  return undefined;
}
