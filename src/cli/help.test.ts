import { describe, expect, it } from 'vitest';
import { listActions } from '../engine/action.js';
import { actionHelp, mainHelp } from './help.js';

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

describe('main help', () => {
  it("lists each named action with its usage and the action's own summary, after exec", () => {
    const lines = mainHelp([{ name: 'switch', action: { summary: 'make HOST the writer' } }]).split('\n');
    expect(lines.slice(5, 7)).toEqual(['  provision exec INVENTORY [--limit P] -- COMMAND...   run a command on the hosts', '  provision switch INVENTORY HOST       make HOST the writer']);
  });

  it('lists the actions the resource types offer', () => {
    expect(mainHelp(listActions())).toContain('\n  provision promote INVENTORY HOST      make a MySQL replica the primary\n');
  });
});
