import { describe, expect, it } from 'vitest';
import { BeganOnHost } from './began-on-host.js';

/** An event of the apply calls, in order; begin, end and returned are of the last call sent. */
type Event = ['send', string[][]] | ['begin', number] | ['end', number, number, ('unchanged' | 'idle' | 'stale')?] | ['returned'];

describe('BeganOnHost', () => {
  it.each<[string, Event[], string[], string[], boolean]>([
    ['nothing sent', [], [], [], false],
    ['a call sent, none of its steps begun yet: both may begin', [['send', [['release'], ['restart']]]], [], ['release', 'restart'], false],
    ['a step that changed something, the call still running', [['send', [['release'], ['restart']]], ['begin', 0], ['end', 0, 0]], ['release'], ['restart'], true],
    ['a step that found nothing to do', [['send', [['restart']]], ['begin', 0], ['end', 0, 0, 'unchanged'], ['returned']], [], [], true],
    ['a step that found its decision stale, and a handler nothing notified', [['send', [['conf'], ['restart']]], ['begin', 0], ['end', 0, 0, 'stale'], ['begin', 1], ['end', 1, 0, 'idle'], ['returned']], [], [], true],
    ['a step that failed (maybe midway), though it said it found nothing to do', [['send', [['conf']]], ['begin', 0], ['end', 0, 1, 'unchanged'], ['returned']], ['conf'], [], true],
    ['a step that began and never ended (killed, or the connection lost)', [['send', [['release']]], ['begin', 0], ['returned']], ['release'], [], true],
    ['a call that returned before its second step began: that one never will', [['send', [['release'], ['restart']]], ['begin', 0], ['end', 0, 0], ['returned']], ['release'], [], true],
    ['a call that returned before any step began (the lock not taken)', [['send', [['release']]], ['returned']], [], [], false],
    ['a handler that changed, then ran idle in a later call: still changed', [['send', [['restart']]], ['begin', 0], ['end', 0, 0], ['returned'], ['send', [['restart']]], ['begin', 0], ['end', 0, 0, 'idle']], ['restart'], [], true],
    ['one step of two resources, ended changed', [['send', [['a', 'b']]], ['begin', 0], ['end', 0, 0]], ['a', 'b'], [], true],
  ])('%s', (_, events, touched, inFlight, anyBegan) => {
    const began = new BeganOnHost();
    let call = began.send([]);
    for (const event of events) {
      if (event[0] === 'send') call = began.send(event[1]);
      else if (event[0] === 'begin') call.began.add(event[1]);
      else if (event[0] === 'end') call.ended.set(event[1], { output: '', code: event[2], ...(event[3] ? { outcome: event[3] } : {}) });
      else call.returned = true;
    }
    expect(began.touched().sort()).toEqual(touched);
    expect(began.inFlight().sort()).toEqual(inFlight);
    expect(began.anyBegan()).toBe(anyBegan);
  });
});
