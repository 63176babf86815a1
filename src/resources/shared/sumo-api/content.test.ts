import { describe, expect, it } from 'vitest';
import { decideContent } from './content.js';

describe('decideContent', () => {
  const found = (definition: Record<string, unknown>) => ({ id: '0000000000ABC', definition });

  it.each([
    ['equal definitions', { name: 'qps', queries: [{ rowId: 'A', query: '_sourceCategory=nginx' }], threshold: 10 }, { name: 'qps', queries: [{ rowId: 'A', query: '_sourceCategory=nginx' }], threshold: 10 }, 'none'],
    ['a changed value', { name: 'qps', threshold: 10 }, { name: 'qps', threshold: 20 }, 'update'],
    // Key order is part of a definition's text: the same fields in another order are shown and written again.
    ['the same fields in another order', { name: 'qps', threshold: 10 }, { threshold: 10, name: 'qps' }, 'update'],
    ['a number where a string was', { name: 'qps', threshold: '10' }, { name: 'qps', threshold: 10 }, 'update'],
  ])('%s → %s', (_, wanted, current, action) => {
    const decision = decideContent('monitor', 'qps', wanted, found(current));
    expect(decision.act.action).toBe(action);
    expect(decision.changes.length).toBe(action === 'none' ? 0 : 1);
  });

  it('shows an update as the YAML diff of the two definitions', () => {
    const decision = decideContent('monitor', 'qps', { name: 'qps', threshold: 10 }, found({ name: 'qps', threshold: 20 }));
    expect(decision.changes[0]?.summary).toBe('threshold changed');
    expect(decision.changes[0]?.diff).toContain('-threshold: 20');
    expect(decision.changes[0]?.diff).toContain('+threshold: 10');
  });
});
