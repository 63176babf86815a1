import type { ResourceResult } from '../engine/results.js';

/** The readable change list of one result, indented under its resource line. */
export function formatChanges(result: ResourceResult): string {
  return result.changes
    // Summaries that already say + (added) or - (removed), like firewall rules, keep their sign.
    .map((c) => (c.diff ? c.diff.trimEnd() : /^[+-] /.test(c.summary) ? c.summary : `~ ${c.summary}`))
    .join('\n')
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
