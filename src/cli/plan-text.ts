/**
 * The plan as a person reads it: what will change (new files summarised,
 * changed files as unified diffs), what is decided at apply and why, and what
 * is in state because of an earlier change; the same change on several hosts
 * is shown once, with the hosts' names. Resources simply in state are only
 * counted (in the recap). Pure; the reporters mask secrets on the way out.
 */
import type { HostResult, ResourceResult } from '../engine/results.js';
import { formatChanges } from './diff-text.js';

/** How much to show. */
export interface PlanTextOptions {
  /** Show change lists (plan, --diff). */
  diff: boolean;
  /** New files in full rather than their first lines (--full-diff). */
  full: boolean;
}

/** The words for a check-mode status. */
const STATUS_WORDS: Record<ResourceResult['status'], string> = {
  changed: 'would change',
  ok: 'in state',
  unknown: 'decided at apply',
  failed: 'failed',
  skipped: 'skipped',
};

/** One block of the plan: a resource's outcome, the same on `hosts`. */
interface Block {
  /** Hosts it applies to, in inventory order. */
  hosts: string[];
  /** The first line after the hosts: "would change | package nginx". */
  title: string;
  /** Indented lines under it. */
  body: string;
}

/** The plan of a check-mode run: one block per distinct outcome, hosts grouped. */
export function formatPlan(hosts: readonly HostResult[], options: PlanTextOptions): string {
  const blocks = new Map<string, Block>();
  for (const host of hosts) {
    for (const r of host.results) {
      // Plainly in state: counted in the recap, not listed.
      if (r.status === 'ok' && r.note === undefined) continue;
      const title = `${STATUS_WORDS[r.status]} | ${r.handler ? 'handler ' : ''}${r.resource}${r.error ? `: ${r.error}` : ''}`;
      const body = bodyOf(r, options);
      const key = `${r.role}\u0000${title}\u0000${body}`;
      const block = blocks.get(key);
      if (block) block.hosts.push(host.name);
      else blocks.set(key, { hosts: [host.name], title, body });
    }
  }
  return [...blocks.values()].map((b) => `${b.hosts.join(', ')} | ${b.title}${b.body ? `\n${b.body}` : ''}`).join('\n');
}

/** The lines under a result: why it is decided at apply (or which earlier change decides it), then its changes. */
function bodyOf(r: ResourceResult, options: PlanTextOptions): string {
  const why = r.status === 'unknown' ? r.reason : r.note;
  const lines = [
    ...(why !== undefined ? [`    ${r.status === 'unknown' ? '?' : '='} ${why}`] : []),
    ...(options.diff && r.changes.length > 0 && r.status !== 'ok' ? [formatChanges(r.changes, options.full)] : []),
  ];
  return lines.join('\n');
}
