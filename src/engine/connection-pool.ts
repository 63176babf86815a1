import type { ConnectOptions, ConnectTarget, Connection } from '../transport/types.js';

/** Opens a connection (the SSH transport, or a stand-in in tests). */
export type OpenConnection = (target: ConnectTarget, options: ConnectOptions) => Promise<Connection>;

interface Entry {
  /** Opened on first use; a failure is kept while the entry lives, so an unreachable host is not tried again and again. */
  connection?: Promise<Connection>;
  uses: number;
  pins: number;
}

/**
 * One connection per host, shared: a rolling deploy runs steps on a load
 * balancer while one of its backends changes, over the load balancer's one
 * connection. A connection closes when its last use ends, unless the host is
 * pinned (a load balancer during the rollout).
 */
export class ConnectionPool {
  readonly #entries = new Map<string, Entry>();

  constructor(private readonly connect: OpenConnection) {}

  /** The host's connection, opened on first use; closing what it returns ends this use only. */
  readonly open: OpenConnection = async (target, options) => {
    const entry = this.#entry(target.name);
    entry.connection ??= this.connect(target, options);
    entry.uses++;
    let connection: Connection;
    try {
      connection = await entry.connection;
    } catch (err) {
      entry.uses--;
      await this.#release(target.name, entry);
      throw err;
    }
    let closed = false;
    return {
      runScript: (script, runOptions) => connection.runScript(script, runOptions),
      get stats() {
        return connection.stats;
      },
      close: async () => {
        if (closed) return;
        closed = true;
        entry.uses--;
        await this.#release(target.name, entry);
      },
    };
  };

  /** Keeps the host's connection open between its uses, until closeAll. */
  pin(host: string): void {
    this.#entry(host).pins++;
  }

  /** Closes every connection still open (the run's end). */
  async closeAll(): Promise<void> {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.all(entries.map((e) => e.connection?.then((c) => c.close(), () => undefined)));
  }

  #entry(host: string): Entry {
    let entry = this.#entries.get(host);
    if (!entry) {
      entry = { uses: 0, pins: 0 };
      this.#entries.set(host, entry);
    }
    return entry;
  }

  async #release(host: string, entry: Entry): Promise<void> {
    if (entry.uses > 0 || entry.pins > 0 || this.#entries.get(host) !== entry) return;
    this.#entries.delete(host);
    await entry.connection?.then((c) => c.close(), () => undefined);
  }
}
