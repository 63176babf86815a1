/**
 * Which of a host's changes reached the host, from the apply script's own
 * markers: a step counts once it began, unless it ended having changed
 * nothing (it found nothing to do, found its decision stale, or was a handler
 * nothing notified). A step that began and never ended (its process killed,
 * the connection lost) counts: it may have changed part of what it changes.
 * A failure that never ran on the host (an API read, a control-node step, a
 * refused drain) never began, so it does not count. Until an apply call sent
 * to the host returns, any of its steps that has not ended may still begin.
 */
export class BeganOnHost {
  readonly #running = new Set<string>();
  readonly #changed = new Set<string>();
  readonly #sent = new Set<string>();

  /** An apply call of these resources (and handlers) was sent to the host. */
  readonly send = (labels: readonly string[]): void => {
    for (const label of labels) this.#sent.add(label);
  };

  /** That call returned: what of it has not begun never will. */
  readonly returned = (): void => {
    this.#sent.clear();
  };

  /** A step of these resources (or handlers) began on the host. */
  readonly begin = (labels: readonly string[]): void => {
    for (const label of labels) this.#running.add(label);
  };

  /** That step ended; `changedAnything`: it changed something, or failed (maybe midway). */
  readonly end = (labels: readonly string[], changedAnything: boolean): void => {
    for (const label of labels) {
      this.#running.delete(label);
      this.#sent.delete(label);
      if (changedAnything) this.#changed.add(label);
    }
  };

  /** The labels of what may have changed on the host: every step that changed something, failed, or never ended. */
  touched(): string[] {
    return [...new Set([...this.#changed, ...this.#running])];
  }

  /** The labels of what may still begin on the host: the steps of the call sent to it that have not ended. */
  inFlight(): string[] {
    return [...this.#sent];
  }
}
