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
  /**
   * The notes of the last success as the run's calls left them: as found (no call removed them: nothing changed on
   * the host or behind an API), removed (by an apply call that began, before its first step, or by the read before
   * changes behind an API), or made again after that (noted: by the last call that changed them).
   */
  lastSuccess: 'found' | 'removed' | 'noted';
}

export function runNotes(): RunNotes {
  return { troubled: false, remoteWork: false, lastSuccess: 'found' };
}

/**
 * Whether the call at hand may note the run's success as it ends (an apply call when every step succeeded, a read
 * that found nothing to change): nothing of the run follows it (`more`: another round, a change with a control-node
 * step or a confirmation, a change behind an API) and nothing failed before it.
 */
export function endsInState(notes: RunNotes, more: boolean): boolean {
  return !more && !notes.remoteWork && !notes.troubled;
}

/** A call's last word on the notes of the last success: make them again, or remove them. */
export type NoteChange = 'note' | 'forget';

/**
 * What the run's read does to the notes once the round is decided (`inState`: nothing to change in it, and the
 * run ends with it: endsInState): it notes a run that ends with it; it removes the notes when changes behind an
 * API follow (`apiChanges`), so that no call on the host is needed after them unless they all succeed.
 * Records in `notes` what it did.
 */
export function readReply(notes: RunNotes, inState: boolean, apiChanges: boolean): NoteChange | undefined {
  if (inState) {
    // Noting notes that no call removed changes nothing the run's end decides.
    if (notes.lastSuccess === 'removed') notes.lastSuccess = 'noted';
    return 'note';
  }
  if (!apiChanges || notes.lastSuccess !== 'found') return undefined;
  notes.lastSuccess = 'removed';
  return 'forget';
}

/**
 * Once the run ended (`ok`: it did not stop on an error): one more call that notes its success or removes the
 * notes of a call that noted it all the same, or none (what its calls did already says it).
 */
export function closingNote(notes: RunNotes, ok: boolean): NoteChange | undefined {
  // No call removed the notes: nothing changed on the host or behind an API (a read that found nothing to change noted it).
  if (notes.lastSuccess === 'found') return undefined;
  if (ok && !notes.troubled) return notes.lastSuccess === 'noted' ? undefined : 'note';
  return notes.lastSuccess === 'noted' ? 'forget' : undefined;
}
