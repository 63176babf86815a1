import { describe, expect, it } from 'vitest';
import type { InventoryHost } from '../inventory/index.js';
import type { HostPlan } from '../roles/plan.js';
import type { RollingSetting, SerialSpec } from '../roles/rolling.js';
import { batchFailed, batchSizes, rolloutOrder } from './batches.js';

describe('batchSizes (Ansible serial)', () => {
  it.each<[number, SerialSpec, number[]]>([
    [3, [{ count: 1 }], [1, 1, 1]],
    [5, [{ count: 2 }], [2, 2, 1]],
    [2, [{ count: 5 }], [2]],
    [10, [{ percent: 30 }], [3, 3, 3, 1]],
    [3, [{ percent: 10 }], [1, 1, 1]],
    [4, [{ percent: 100 }], [4]],
    [2, [{ percent: 50 }], [1, 1]],
    [10, [{ count: 1 }, { count: 3 }, { percent: 50 }], [1, 3, 5, 1]],
    [0, [{ count: 1 }], []],
  ])('%d hosts, serial %j → %j', (count, serial, sizes) => {
    expect(batchSizes(count, serial)).toEqual(sizes);
  });
});

describe('batchFailed', () => {
  it.each([
    [2, 0, 0, false],
    [2, 1, 0, true],
    [4, 2, 50, false],
    [4, 3, 50, true],
    [1, 1, 100, false],
  ])('%d hosts, %d failed, max %d%% → %s', (size, failed, max, expected) => {
    expect(batchFailed(size, failed, max)).toBe(expected);
  });
});

describe('rolloutOrder', () => {
  const plan = (name: string, rolling?: RollingSetting): HostPlan => ({ host: { name } as InventoryHost, resources: [], handlers: new Map(), ...(rolling ? { rolling } : {}) });
  const app: RollingSetting = { set: 'group app', serial: [{ count: 1 }], maxFailPercentage: 0 };
  const db: RollingSetting = { set: 'group db', serial: [{ percent: 50 }], maxFailPercentage: 20 };

  it('hosts without serial go first; each set keeps inventory order, sets in order of their first host', () => {
    const order = rolloutOrder([plan('lb'), plan('web-1', app), plan('db-1', db), plan('web-2', app), plan('db-2', db), plan('mon')]);
    expect(order.free.map((p) => p.host.name)).toEqual(['lb', 'mon']);
    expect(order.sets.map((s) => [s.name, s.serial, s.maxFailPercentage, s.batches.map((b) => b.map((p) => p.host.name))])).toEqual([
      ['group app', '1', 0, [['web-1'], ['web-2']]],
      ['group db', '50%', 20, [['db-1'], ['db-2']]],
    ]);
  });

  it('a serial set in one place that renders differently per host makes separate sets', () => {
    const order = rolloutOrder([plan('a', app), plan('b', { ...app, serial: [{ count: 2 }] })]);
    expect(order.sets.map((s) => s.serial)).toEqual(['1', '2']);
  });
});
