import { describe, expect, it } from 'vitest';
import { busyShare, coresOf, machineBusyUs, usageUs } from '../bench/cpu.js';

describe('the bench CPU readings', () => {
  it.each([
    ['usage_usec 22302671\nuser_usec 10961525\nsystem_usec 11341145\n', 22302671],
    ['usage_usec 0\n', 0],
  ])('reads usage_usec from a cgroup cpu.stat', (text, expected) => {
    expect(usageUs(text)).toBe(expected);
  });

  it('refuses a cpu.stat without usage_usec rather than reading 0', () => {
    expect(() => usageUs('nr_periods 0\n')).toThrow(/usage_usec/);
  });

  it('counts every busy tick of /proc/stat, not idle or iowait, in microseconds (100 ticks a second)', () => {
    // user nice system idle iowait irq softirq steal guest guest_nice
    const stat = 'cpu  100 2 30 5000 40 1 2 3 0 0\ncpu0 50 1 15 2500 20 0 1 1 0 0\n';
    expect(machineBusyUs(stat)).toBe((100 + 2 + 30 + 1 + 2 + 3) * 10_000);
  });

  it('counts the cores /proc/stat lists, the ones its busy time adds up', () => {
    expect(coresOf('cpu  1 2 3 4 5 6 7 8 0 0\ncpu0 1 1 1 1 1 1 1 1 0 0\ncpu1 1 1 1 1 1 1 1 1 0 0\nintr 5\n')).toBe(2);
  });

  it('gives the share of all cores busy over a wall-time window', () => {
    // 0.4 s of CPU over 2 s on 2 cores: a tenth of the machine.
    expect(busyShare(1_000_000, 1_400_000, 2_000_000, 2)).toBeCloseTo(0.1);
    expect(busyShare(0, 4_000_000, 2_000_000, 2)).toBe(1);
  });
});
