import type { ResourceResult } from '../engine/results.js';

/** The readable change list of one result, indented under its resource line. */
export function formatChanges(result: ResourceResult): string {
  return result.changes
    .map((c) => (c.diff ? c.diff.trimEnd() : `~ ${c.summary}`))
    .join('\n')
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
