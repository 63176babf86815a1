/**
 * Runs `work` on every item, each once it holds one of `limit` forks, started in the items' order; results keep the
 * items' order. `work` may go without its fork while it waits for something (Fork.waitFor).
 */
export function mapWithLimit<T, R>(items: readonly T[], limit: number, work: (item: T, fork: Fork) => Promise<R>): Promise<R[]> {
  const forks = new Forks(limit);
  return Promise.all(
    items.map(async (item) => {
      const fork = forks.holder();
      await fork.take();
      try {
        return await work(item, fork);
      } finally {
        fork.give();
      }
    }),
  );
}

/** A connection a holder keeps open, idle, while it waits without its fork: closed when a holder at work needs its room. */
export interface IdleConnection {
  close(): Promise<void>;
}

/**
 * At most `limit` forks held at once; a fork asked for while none is free goes to the first that asked.
 * Forks held and idle connections together never exceed `limit` either: a holder that takes a fork may
 * open a connection, so the oldest idle ones are closed first.
 */
export class Forks {
  readonly #limit: number;
  #free: number;
  /** Holders waiting for a fork, first first: each given the room made for its connection (idle ones closing). */
  readonly #waiting: Array<{ idle: IdleConnection | undefined; grant: (room: Promise<void>) => void }> = [];
  /** Idle connections of holders waiting without their fork, oldest first. */
  readonly #idle = new Set<IdleConnection>();

  constructor(limit: number) {
    this.#limit = Math.max(1, limit);
    this.#free = this.#limit;
  }

  /** One holder's fork: taken, given back while it waits for something, and back for its work. */
  holder(): Fork {
    return new Fork(this);
  }

  /** Resolves once a fork is this caller's and there is room for its connection (`idle`, its own, no longer counted as idle). */
  async take(idle?: IdleConnection): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      await this.#grant(idle);
    } else {
      // Resolved with the room made for it: waits for that too.
      await new Promise<void>((resolve) => this.#waiting.push({ idle, grant: resolve }));
    }
  }

  /** Gives a fork back; `idle`: the giver's connection stays open, idle, until a holder at work needs its room. */
  give(idle?: IdleConnection): void {
    if (idle) this.#idle.add(idle);
    const next = this.#waiting.shift();
    if (next) next.grant(this.#grant(next.idle));
    else this.#free++;
  }

  // Synchronous with the fork changing hands, so no other holder counts the taker twice.
  #grant(idle: IdleConnection | undefined): Promise<void> {
    if (idle) this.#idle.delete(idle);
    const held = this.#limit - this.#free;
    const closing: Array<Promise<void>> = [];
    for (const other of this.#idle) {
      if (held + this.#idle.size <= this.#limit) break;
      this.#idle.delete(other);
      closing.push(other.close().catch(() => undefined));
    }
    return Promise.all(closing).then(() => undefined);
  }
}

/** The fork of one piece of work (a host's run), held or not. */
export class Fork {
  #held = false;

  constructor(private readonly forks: Forks) {}

  async take(idle?: IdleConnection): Promise<void> {
    if (this.#held) return;
    await this.forks.take(idle);
    this.#held = true;
  }

  give(idle?: IdleConnection): void {
    if (!this.#held) return;
    this.#held = false;
    this.forks.give(idle);
  }

  /**
   * Waits for `until` holding no fork (waiting is not work), then holds one again if it did before.
   * `idle`: the holder's connection, kept open meanwhile only while no holder at work needs its room.
   */
  async waitFor<T>(until: Promise<T>, idle?: IdleConnection): Promise<T> {
    const held = this.#held;
    this.give(idle);
    try {
      return await until;
    } finally {
      if (held) await this.take(idle);
    }
  }
}
