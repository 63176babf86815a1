import { describe, expect, it } from 'vitest';
import type { Connection, ConnectTarget } from '../transport/types.js';
import { ConnectionPool } from './connection-pool.js';
import { userText } from '../shell/quote.js';

/** A connection factory that counts opens and closes per host. */
function counting(failing: string[] = []) {
  const log: string[] = [];
  const open = async (target: ConnectTarget): Promise<Connection> => {
    log.push(`open ${target.name}`);
    if (failing.includes(target.name)) throw new Error(`${target.name} is down`);
    return { stats: { execs: 0, bytesSent: 0, bytesReceived: 0 }, runScript: async () => ({ stdout: target.name, stderr: '', code: 0 }), close: async () => void log.push(`close ${target.name}`) };
  };
  return { log, open };
}
const target = (name: string) => ({ name, address: name, become: false });
const options = { acceptNewHostKeys: false, timeoutMs: 100 };

describe('ConnectionPool', () => {
  it('shares one connection per host and closes it when its last use ends', async () => {
    const { log, open } = counting();
    const pool = new ConnectionPool(open);
    const a = await pool.open(target('lb'), options);
    const b = await pool.open(target('lb'), options);
    expect((await b.runScript(userText('x'))).stdout).toBe('lb');
    await a.close();
    await a.close();
    expect(log).toEqual(['open lb']);
    await b.close();
    expect(log).toEqual(['open lb', 'close lb']);
  });

  it('a pinned host keeps its connection between uses, until closeAll', async () => {
    const { log, open } = counting();
    const pool = new ConnectionPool(open);
    pool.pin('lb');
    await (await pool.open(target('lb'), options)).close();
    await (await pool.open(target('lb'), options)).close();
    expect(log).toEqual(['open lb']);
    await pool.closeAll();
    expect(log).toEqual(['open lb', 'close lb']);
  });

  it('a host that cannot be reached is not tried again while pinned; closeAll closes the rest', async () => {
    const { log, open } = counting(['lb']);
    const pool = new ConnectionPool(open);
    pool.pin('lb');
    await expect(pool.open(target('lb'), options)).rejects.toThrow('lb is down');
    await expect(pool.open(target('lb'), options)).rejects.toThrow('lb is down');
    await pool.open(target('web'), options);
    await pool.closeAll();
    expect(log).toEqual(['open lb', 'open web', 'close web']);
  });
});
