import { describe, expect, it } from 'vitest';
import { actionHelp } from './help.js';

describe('help of a named action', () => {
  it("gives the command's usage, the action's own text and what --force means for it", () => {
    const text = actionHelp('promote', { help: 'Makes HOST the primary.', forceHelp: 'promote even if the old primary cannot be reached' });
    expect(text.split('\n').slice(0, 6)).toEqual([
      'Usage: provision promote INVENTORY HOST [options]',
      '',
      'Makes HOST the primary.',
      '',
      'Options:',
      '      --force               promote even if the old primary cannot be reached',
    ]);
    expect(text).toContain('--no-edit');
  });
});
