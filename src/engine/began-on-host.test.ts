import { describe, expect, it } from 'vitest';
import { BeganOnHost } from './began-on-host.js';

type Step = ['begin', string[]] | ['end', string[], boolean];

describe('BeganOnHost', () => {
  it.each<[string, Step[], string[], string[]]>([
    ['nothing began', [], [], []],
    ['a step that changed something', [['begin', ['release']], ['end', ['release'], true]], ['release'], []],
    ['a step that found nothing to do (or a stale decision, or an idle handler)', [['begin', ['restart']], ['end', ['restart'], false]], [], []],
    ['a step that began and never ended (killed, or the connection lost)', [['begin', ['release']]], ['release'], ['release']],
    ['a handler that changed, then ran idle later: still changed', [['begin', ['restart']], ['end', ['restart'], true], ['begin', ['restart']], ['end', ['restart'], false]], ['restart'], []],
    ['one step of two resources, ended changed', [['begin', ['a', 'b']], ['end', ['a', 'b'], true]], ['a', 'b'], []],
  ])('%s', (_, steps, touched, unfinished) => {
    const began = new BeganOnHost();
    for (const step of steps) {
      if (step[0] === 'begin') began.begin(step[1]);
      else began.end(step[1], step[2]);
    }
    expect(began.touched().sort()).toEqual(touched);
    expect(began.unfinished()).toEqual(unfinished);
  });
});
