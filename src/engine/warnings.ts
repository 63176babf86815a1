import type { Assessed } from './rounds.js';

/** The warning its role declares (`warn:`) for a resource's change about to be made, if any: with `toggles`, only for a change that toggles that text, as its type decides from the probe. */
export function warningOf(a: Pick<Assessed, 'planned' | 'current' | 'changes'>): string | undefined {
  const warn = a.planned.warn;
  if (warn === undefined || a.changes.length === 0) return undefined;
  if (warn.toggles !== undefined && !a.planned.type.toggles?.(a.planned.desired, a.current, warn.toggles)) return undefined;
  return `warning: ${a.planned.label}: ${warn.text}`;
}
