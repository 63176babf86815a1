/**
 * The order of a rolling deploy (pure): hosts that do not roll, then each
 * rolling set batch by batch. Batch sizes follow Ansible's `serial`: a number,
 * or a percentage of the set rounded down (at least 1), or a list of those
 * whose last entry repeats.
 */
import type { HostPlan } from '../roles/plan.js';
import { formatSerial, type SerialSpec } from '../roles/rolling.js';

/** Hosts that roll together, in inventory order. */
export interface RollingSet {
  /** Where their serial is set, e.g. "group app". */
  name: string;
  /** Batch sizes as written, for output. */
  serial: string;
  /** A batch fails when more than this percentage of its hosts fail. */
  maxFailPercentage: number;
  /** The batches, in order. */
  batches: HostPlan[][];
}

/** The run's order: `free` hosts (no serial) all at once first, then each set in turn. */
export interface RolloutOrder {
  free: HostPlan[];
  sets: RollingSet[];
}

/** Splits the plans into hosts that do not roll and rolling sets (in order of their first host), each cut into batches. */
export function rolloutOrder(plans: readonly HostPlan[]): RolloutOrder {
  const free: HostPlan[] = [];
  const sets = new Map<string, { name: string; serial: SerialSpec; maxFailPercentage: number; hosts: HostPlan[] }>();
  for (const plan of plans) {
    const rolling = plan.rolling;
    if (!rolling) {
      free.push(plan);
      continue;
    }
    // Hosts whose serial is set in the same place but renders differently do not share batches.
    const key = JSON.stringify([rolling.set, rolling.serial, rolling.maxFailPercentage]);
    const set = sets.get(key) ?? { name: rolling.set, serial: rolling.serial, maxFailPercentage: rolling.maxFailPercentage, hosts: [] };
    set.hosts.push(plan);
    sets.set(key, set);
  }
  return {
    free,
    sets: [...sets.values()].map((set) => ({ name: set.name, serial: formatSerial(set.serial), maxFailPercentage: set.maxFailPercentage, batches: cut(set.hosts, batchSizes(set.hosts.length, set.serial)) })),
  };
}

/** The sizes of the batches of `count` hosts. */
export function batchSizes(count: number, serial: SerialSpec): number[] {
  const sizes: number[] = [];
  let left = count;
  for (let i = 0; left > 0; i++) {
    const entry = serial[Math.min(i, serial.length - 1)]!;
    const size = 'count' in entry ? entry.count : Math.max(1, Math.floor((entry.percent / 100) * count));
    sizes.push(Math.min(size, left));
    left -= size;
  }
  return sizes;
}

function cut<T>(items: readonly T[], sizes: readonly number[]): T[][] {
  let start = 0;
  return sizes.map((size) => items.slice(start, (start += size)));
}

/** Whether a batch failed: more than `maxFailPercentage` percent of its hosts failed (with 0, any failure). */
export function batchFailed(size: number, failed: number, maxFailPercentage: number): boolean {
  return failed > 0 && (failed / size) * 100 > maxFailPercentage;
}
