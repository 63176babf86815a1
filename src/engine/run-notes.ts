/**
 * What a host's run of apply knows of its notes on the host as it goes (host-state.ts), and what decides which
 * call notes that the run ended with the host as its plan says: the one after which nothing of the run follows,
 * when nothing failed. Pure.
 */
export interface RunNotes {
  /** Something of the run was recorded failed or skipped. */
  troubled: boolean;
  /** Changes behind an API, or reads of them that failed, follow the calls on the host (the first round decides). */
  remoteWork: boolean;
  /** An apply call began on the host: it removed the notes of the last success before its first step. */
  forgotten: boolean;
  /** The last apply call that began noted the run's success. */
  noted: boolean;
}

export function runNotes(): RunNotes {
  return { troubled: false, remoteWork: false, forgotten: false, noted: false };
}

/**
 * Whether the call at hand may note the run's success as it ends (an apply call when every step succeeded, a read
 * that found nothing to change): nothing of the run follows it (`more`: another round, a change with a control-node
 * step or a confirmation, a change behind an API) and nothing failed before it.
 */
export function endsInState(notes: RunNotes, more: boolean): boolean {
  return !more && !notes.remoteWork && !notes.troubled;
}

/**
 * Once the run ended (`ok`: it did not stop on an error): one more call that notes its success or removes the
 * notes of the last one, or none (what its calls did already says it).
 */
export function closingNote(notes: RunNotes, run: { ok: boolean; apiChanged: boolean }): 'note' | 'forget' | undefined {
  // Nothing began: the notes stay as they were (a read that found nothing to change noted it).
  if (!notes.forgotten && !run.apiChanged) return undefined;
  if (run.ok && !notes.troubled) return notes.noted ? undefined : 'note';
  // A change behind an API began with no apply call on the host, which would have removed the notes first.
  return notes.forgotten && !notes.noted ? undefined : 'forget';
}
