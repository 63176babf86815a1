import { describe, expect, it } from 'vitest';
import { BeganOnHost } from './began-on-host.js';

type Step = ['send', string[]] | ['begin', string[]] | ['end', string[], boolean] | ['returned'];

describe('BeganOnHost', () => {
  it.each<[string, Step[], string[], string[]]>([
    ['nothing began', [], [], []],
    ['a call sent, none of its steps begun yet: both may begin', [['send', ['release', 'restart']]], [], ['release', 'restart']],
    ['a step that changed something, the call still running', [['send', ['release', 'restart']], ['begin', ['release']], ['end', ['release'], true]], ['release'], ['restart']],
    ['a step that found nothing to do (or a stale decision, or an idle handler)', [['send', ['restart']], ['begin', ['restart']], ['end', ['restart'], false], ['returned']], [], []],
    ['a step that began and never ended (killed, or the connection lost)', [['send', ['release']], ['begin', ['release']], ['returned']], ['release'], []],
    ['a call that returned before its second step began: that one never will', [['send', ['release', 'restart']], ['begin', ['release']], ['end', ['release'], true], ['returned']], ['release'], []],
    ['a handler that changed, then ran idle later: still changed', [['begin', ['restart']], ['end', ['restart'], true], ['begin', ['restart']], ['end', ['restart'], false]], ['restart'], []],
    ['one step of two resources, ended changed', [['begin', ['a', 'b']], ['end', ['a', 'b'], true]], ['a', 'b'], []],
  ])('%s', (_, steps, touched, inFlight) => {
    const began = new BeganOnHost();
    for (const step of steps) {
      if (step[0] === 'send') began.send(step[1]);
      else if (step[0] === 'begin') began.begin(step[1]);
      else if (step[0] === 'end') began.end(step[1], step[2]);
      else began.returned();
    }
    expect(began.touched().sort()).toEqual(touched);
    expect(began.inFlight().sort()).toEqual(inFlight);
  });
});
