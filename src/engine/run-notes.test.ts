import { describe, expect, it } from 'vitest';
import { closingNote, endsInState, readReply, type RunNotes, runNotes } from './run-notes.js';

const notes = (set: Partial<RunNotes>): RunNotes => ({ ...runNotes(), ...set });

describe('endsInState: the call at hand notes the run', () => {
  it.each<[string, Partial<RunNotes>, boolean, boolean]>([
    ['nothing follows, nothing failed', {}, false, true],
    ['another round follows (or a control-node step, a confirmation)', {}, true, false],
    ['changes behind an API follow', { remoteWork: true }, false, false],
    ['something failed before (a stale step decided twice, a failed ACME order)', { troubled: true }, false, false],
  ])('%s', (_, set, more, expected) => {
    expect(endsInState(notes(set), more)).toBe(expected);
  });
});

describe('readReply: what the read does to the notes', () => {
  it.each<[string, Partial<RunNotes>, boolean, boolean, ReturnType<typeof readReply>, Partial<RunNotes>]>([
    ['nothing to change and the run ends with it: noted', {}, true, false, 'note', {}],
    ['a later round that finds nothing left: noted (no closing call needed)', { lastSuccess: 'removed' }, true, false, 'note', { lastSuccess: 'noted' }],
    ['changes on the host follow: their apply call removes the notes', {}, false, false, undefined, {}],
    ['changes behind an API follow: removed now, so nothing on the host is needed after them unless they succeed', { remoteWork: true }, false, true, 'forget', { remoteWork: true, lastSuccess: 'removed' }],
    ['only a failed read behind an API: nothing changes, the notes stay', { remoteWork: true }, false, false, undefined, { remoteWork: true }],
    ['the notes removed already', { remoteWork: true, lastSuccess: 'removed' }, false, true, undefined, { remoteWork: true, lastSuccess: 'removed' }],
  ])('%s', (_, set, inState, apiChanges, expected, after) => {
    const state = notes(set);
    expect(readReply(state, inState, apiChanges)).toBe(expected);
    expect(state).toEqual(notes(after));
  });
});

describe('closingNote: what the run does once it ended', () => {
  it.each<[string, Partial<RunNotes>, boolean, ReturnType<typeof closingNote>]>([
    ['nothing began (a no-op: its read noted it; or stopped before its first change)', {}, true, undefined],
    ['nothing began, the run failed: the notes stay as they were', {}, false, undefined],
    ['its last apply call (or a later round\'s read) noted it', { lastSuccess: 'noted' }, true, undefined],
    ['changes made, no call could note it (a confirmation came last)', { lastSuccess: 'removed' }, true, 'note'],
    ['changes behind an API that succeeded (the read removed the notes)', { remoteWork: true, lastSuccess: 'removed' }, true, 'note'],
    ['a failure after its calls began: they removed the notes already', { lastSuccess: 'removed', troubled: true }, true, undefined],
    ['a run that stopped on an error after its calls began', { lastSuccess: 'removed' }, false, undefined],
    ['changes behind an API, one failed: the read removed the notes already', { remoteWork: true, lastSuccess: 'removed', troubled: true }, true, undefined],
    ['a call noted the run, and something failed after it all the same', { lastSuccess: 'noted', troubled: true }, true, 'forget'],
  ])('%s', (_, set, ok, expected) => {
    expect(closingNote(notes(set), ok)).toBe(expected);
  });
});
