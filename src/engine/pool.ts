/** Runs `work` on every item with at most `limit` running at once; results keep the items' order. */
export async function mapWithLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** At most `limit` forks held at once; a fork asked for while none is free goes to the first that asked. */
export class Forks {
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(limit: number) {
    this.#free = Math.max(1, limit);
  }

  /** One holder's fork: taken, given back while it waits for something, and back for its work. */
  holder(): Fork {
    return new Fork(this);
  }

  /** Resolves once a fork is this caller's. */
  async take(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  give(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}

/** The fork of one piece of work (a host's run), held or not. */
export class Fork {
  #held = false;

  constructor(private readonly forks: Forks) {}

  async take(): Promise<void> {
    if (this.#held) return;
    await this.forks.take();
    this.#held = true;
  }

  give(): void {
    if (!this.#held) return;
    this.#held = false;
    this.forks.give();
  }

  /** Waits for `until` holding no fork (waiting is not work), then holds one again if it did before. */
  async waitFor<T>(until: Promise<T>): Promise<T> {
    const held = this.#held;
    this.give();
    try {
      return await until;
    } finally {
      if (held) await this.take();
    }
  }
}
