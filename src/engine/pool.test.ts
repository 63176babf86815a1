import { describe, expect, it } from 'vitest';
import { Forks, mapWithLimit } from './pool.js';

describe('mapWithLimit', () => {
  it('keeps order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const result = await mapWithLimit([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n * 3));
      running--;
      return n * 10;
    });
    expect(result).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });

  it('handles an empty list', async () => {
    expect(await mapWithLimit([], 4, async (n: number) => n)).toEqual([]);
  });
});

describe('Forks', () => {
  it('gives at most its limit at once, to holders in the order they asked', async () => {
    const forks = new Forks(2);
    const [a, b, c, d] = [forks.holder(), forks.holder(), forks.holder(), forks.holder()];
    const order: string[] = [];
    await a.take();
    await b.take();
    const third = c.take().then(() => order.push('c'));
    const fourth = d.take().then(() => order.push('d'));
    await Promise.resolve();
    expect(order).toEqual([]);
    a.give();
    await third;
    expect(order).toEqual(['c']);
    b.give();
    await fourth;
    expect(order).toEqual(['c', 'd']);
  });

  it('a holder waiting for something holds no fork meanwhile, and holds one again after', async () => {
    const forks = new Forks(1);
    const waiting = forks.holder();
    const other = forks.holder();
    await waiting.take();
    let release!: (value: string) => void;
    const waited = waiting.waitFor(new Promise<string>((r) => (release = r)));
    // The other takes the one fork while the first waits, and the first gets it back once the other is done.
    await other.take();
    release('done');
    let back = false;
    const returned = waited.then((value) => ((back = true), value));
    await new Promise((r) => setTimeout(r, 5));
    expect(back).toBe(false);
    other.give();
    expect(await returned).toBe('done');
    const third = forks.holder();
    let thirdHeld = false;
    void third.take().then(() => (thirdHeld = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(thirdHeld).toBe(false);
    waiting.give();
    await new Promise((r) => setTimeout(r, 5));
    expect(thirdHeld).toBe(true);
  });

  it('an idle connection of a holder waiting without its fork stays open until a holder at work needs its room: the oldest closes first, and its own holder finds it open otherwise', async () => {
    const forks = new Forks(2);
    const closed: string[] = [];
    const idle = (name: string) => ({ close: async () => void closed.push(name) });
    const [a, b, c] = [forks.holder(), forks.holder(), forks.holder()];
    const [idleA, idleB] = [idle('a'), idle('b')];
    await a.take();
    await b.take();
    let releaseA!: () => void;
    const aWaits = a.waitFor(new Promise<void>((r) => (releaseA = r)), idleA);
    let releaseB!: () => void;
    const bWaits = b.waitFor(new Promise<void>((r) => (releaseB = r)), idleB);
    // Two forks free, two idle connections: a third holder needs the room of the oldest.
    await c.take();
    expect(closed).toEqual(['a']);
    releaseB();
    await bWaits;
    expect(closed).toEqual(['a']);
    c.give();
    releaseA();
    await aWaits;
    expect(closed).toEqual(['a']);
  });
});
