import type { SectionResult } from './batch.js';

/**
 * Which of a host's changes reached the host, from the apply script's own
 * markers, call by call (ApplyCall): a step counts once it began, unless it
 * ended having changed nothing (it found nothing to do, found its decision
 * stale, or was a handler nothing notified). A step that began and never ended
 * (its process killed, the connection lost) counts: it may have changed part
 * of what it changes. A failure that never ran on the host (an API read, a
 * control-node step, a refused drain) never began, so it does not count.
 * Until an apply call sent to the host returns, any of its steps that has not
 * ended may still begin.
 */
export class BeganOnHost {
  readonly #calls: ApplyCall[] = [];

  /** An apply call is sent to the host: each of its steps, the labels of the resources (or handler) it applies. */
  send(steps: readonly (readonly string[])[]): ApplyCall {
    const call: ApplyCall = { steps, began: new Set(), ended: new Map(), returned: false };
    this.#calls.push(call);
    return call;
  }

  /** Whether a step of an apply call began on the host: something on it may have changed. */
  anyBegan(): boolean {
    return this.#calls.some((call) => call.began.size > 0);
  }

  /** The labels of what may have changed on the host: every step that changed something (no outcome said otherwise), failed, or never ended. */
  touched(): string[] {
    return this.#labels((call, index) => {
      const end = call.ended.get(index);
      return end === undefined ? call.began.has(index) : end.code !== 0 || end.outcome === undefined;
    });
  }

  /** The labels of what may still begin on the host: the steps of a call sent to it that has not returned, not ended. */
  inFlight(): string[] {
    return this.#labels((call, index) => !call.returned && !call.ended.has(index));
  }

  #labels(counts: (call: ApplyCall, index: number) => boolean): string[] {
    return [...new Set(this.#calls.flatMap((call) => call.steps.flatMap((labels, index) => (counts(call, index) ? labels : []))))];
  }
}

/** One apply call: its steps (each the labels it applies) and, by index, which began and how each ended, as its markers arrive. */
export interface ApplyCall {
  readonly steps: readonly (readonly string[])[];
  readonly began: Set<number>;
  readonly ended: Map<number, SectionResult>;
  /** The call returned: what of it has not begun never will. */
  returned: boolean;
}

