import { describe, expect, it } from 'vitest';
import { closingNote, endsInState, type RunNotes, runNotes } from './run-notes.js';

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

describe('closingNote: what the run does once it ended', () => {
  it.each<[string, Partial<RunNotes>, { ok: boolean; apiChanged: boolean }, ReturnType<typeof closingNote>]>([
    ['nothing began (a no-op: its read noted it; or stopped before its first change)', {}, { ok: true, apiChanged: false }, undefined],
    ['nothing began, the run failed: the notes stay as they were', {}, { ok: false, apiChanged: false }, undefined],
    ['its last apply call noted it', { forgotten: true, noted: true }, { ok: true, apiChanged: false }, undefined],
    ['changes made, no call could note it (a confirmation came last)', { forgotten: true }, { ok: true, apiChanged: false }, 'note'],
    ['only changes behind an API, which succeeded', {}, { ok: true, apiChanged: true }, 'note'],
    ['host changes, then changes behind an API that succeeded', { forgotten: true }, { ok: true, apiChanged: true }, 'note'],
    ['a failure after its calls began: they removed the notes already', { forgotten: true, troubled: true }, { ok: true, apiChanged: false }, undefined],
    ['a run that stopped on an error after its calls began', { forgotten: true }, { ok: false, apiChanged: false }, undefined],
    ['only changes behind an API, one failed: the old notes removed', { troubled: true }, { ok: true, apiChanged: true }, 'forget'],
    ['a call noted the run, and something failed after it all the same', { forgotten: true, noted: true, troubled: true }, { ok: true, apiChanged: false }, 'forget'],
  ])('%s', (_, set, run, expected) => {
    expect(closingNote(notes(set), run)).toBe(expected);
  });
});
