import { describe, expect, it } from 'vitest';
import { MAX_STABLE_ID, stableId } from './stable-id.js';

describe('stableId', () => {
  // Pinned: another formula would give every MySQL server of every inventory a new server_id (and a restart).
  it.each([
    ['web-01', 194879239],
    ['web-02', 47220512],
    ['db1.example.com', 4219229408],
    ['', 3820012611],
  ])('%j gives %d', (text, id) => {
    expect(stableId(text)).toBe(id);
  });

  it('stays from 1 to 4294967295 (0 is no MariaDB server_id)', () => {
    for (let i = 0; i < 2000; i++) {
      const id = stableId(`host-${i}`);
      expect(id).toBeGreaterThanOrEqual(1);
      expect(id).toBeLessThanOrEqual(MAX_STABLE_ID);
    }
  });
});
