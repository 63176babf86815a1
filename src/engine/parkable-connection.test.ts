import { describe, expect, it } from 'vitest';
import { UnreachableError, type ConnectOptions, type Connection } from '../transport/types.js';
import { ParkableConnection } from './parkable-connection.js';

/** Opens once; every later open is refused, as by a host gone while it waited. */
function onceThenRefused(): (target: unknown, options: ConnectOptions) => Promise<Connection> {
  let opens = 0;
  const connection: Connection = { runScript: () => Promise.reject(new Error('unused')), stats: { execs: 0, bytesSent: 0, bytesReceived: 0 }, close: () => Promise.resolve() };
  return async () => {
    if (opens++ > 0) throw new Error('h1:22: connection refused');
    return connection;
  };
}

describe('ParkableConnection', () => {
  it.each(['its turn', 'the other hosts behind lb'])('a host unreachable after it waited for %s: the error says what it waited for', async (waited) => {
    const line = new ParkableConnection(onceThenRefused(), undefined);
    await line.open({ name: 'h1', address: 'h1', become: false }, { acceptNewHostKeys: false, timeoutMs: 1000 });
    await line.close();
    const reopened = line.reopen(waited);
    await expect(reopened).rejects.toThrow(UnreachableError);
    await expect(reopened).rejects.toThrow(`h1:22: connection refused (connecting again after it waited for ${waited})`);
  });
});
