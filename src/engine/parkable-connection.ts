import { messageOf } from '../errors.js';
import { UnreachableError, type ConnectOptions, type ConnectTarget, type Connection, type TransportStats } from '../transport/types.js';
import type { OpenConnection } from './connection-pool.js';
import { openUnlessInterrupted } from './open-unless-interrupted.js';
import type { IdleConnection } from './pool.js';

/**
 * A rolling host's connection across its waits: it may be closed while the host waits without its fork
 * (when a host at work needs its room, see Forks), and is opened again when the host goes on, with the
 * same target and options as first (so the same host key checks: a key that changed meanwhile is refused).
 * The host's run sees one connection, whose close ends nothing: the rollout closes it once done with the host.
 */
export class ParkableConnection implements IdleConnection {
  readonly connection: Connection;
  #open: Connection | undefined;
  #closing: Promise<void> = Promise.resolve();
  #opened: { target: ConnectTarget; options: ConnectOptions } | undefined;
  /** Counters of the connections already closed. */
  readonly #closedStats: TransportStats = { execs: 0, bytesSent: 0, bytesReceived: 0 };

  constructor(
    private readonly openConnection: OpenConnection,
    private readonly signal: AbortSignal | undefined,
  ) {
    const stats = (): TransportStats => {
      const now = this.#open?.stats;
      const closed = this.#closedStats;
      return now ? { execs: closed.execs + now.execs, bytesSent: closed.bytesSent + now.bytesSent, bytesReceived: closed.bytesReceived + now.bytesReceived } : { ...closed };
    };
    this.connection = {
      runScript: (script, options) => (this.#open ? this.#open.runScript(script, options) : Promise.reject(new UnreachableError('its connection was closed while it waited'))),
      get stats() {
        return stats();
      },
      close: () => Promise.resolve(),
    };
  }

  /** Opens the first connection (the host's run's openConnection). */
  readonly open: OpenConnection = async (target, options) => {
    this.#opened = { target, options };
    this.#open = await this.openConnection(target, options);
    return this.connection;
  };

  /** Whether it was opened and is closed now (to be opened again before the host goes on). */
  get closed(): boolean {
    return this.#opened !== undefined && this.#open === undefined;
  }

  async close(): Promise<void> {
    const open = this.#open;
    if (!open) return this.#closing;
    this.#open = undefined;
    this.#closedStats.execs += open.stats.execs;
    this.#closedStats.bytesSent += open.stats.bytesSent;
    this.#closedStats.bytesReceived += open.stats.bytesReceived;
    this.#closing = open.close().catch(() => undefined);
    return this.#closing;
  }

  /**
   * Opens it again if it was closed while the host waited (for `waited`: its turn, other hosts). False: Ctrl-C came
   * first, nothing was opened. A host that cannot be reached any more throws an UnreachableError, as at its first connect.
   */
  async reopen(waited: string): Promise<boolean> {
    if (this.#open || !this.#opened) return true;
    await this.#closing;
    const { target, options } = this.#opened;
    try {
      this.#open = await openUnlessInterrupted(this.openConnection, target, options, this.signal);
    } catch (err) {
      throw new UnreachableError(`${messageOf(err)} (connecting again after it waited for ${waited})`);
    }
    return this.#open !== undefined;
  }
}
