import type { HostResult } from '../engine/results.js';
import { formatRolloutPlan, rolloutJson, rolloutRecapLines } from './rollout-text.js';

/**
 * Ansible-style PLAY RECAP: one aligned line per host, then why each failed
 * host failed. In check mode it is the plan's summary: how many resources will
 * change, are in state, and are decided at apply.
 */
export function formatRecap(hosts: HostResult[], check: boolean): string {
  const width = Math.max(4, ...hosts.map((h) => h.name.length));
  const lines = [`RECAP${check ? ' (check mode: nothing was changed)' : ''}`];
  const n = (value: number): string => String(value).padEnd(4);
  for (const h of hosts) {
    if (h.notAttempted) {
      lines.push(`${h.name.padEnd(width)} : not attempted`);
      continue;
    }
    const counts = check
      ? `to change=${n(h.changed)} in state=${n(h.ok)} decided at apply=${n(h.unknown)}`
      : `ok=${n(h.ok)} changed=${n(h.changed)}${h.skipped > 0 ? ` skipped=${n(h.skipped)}` : ''}`;
    lines.push(`${h.name.padEnd(width)} : ${counts} unreachable=${h.unreachable ? 1 : 0}    failed=${h.failed}`);
  }
  for (const h of hosts.filter((x) => x.unreachable || x.failed > 0)) {
    lines.push(`${h.unreachable ? 'UNREACHABLE' : 'FAILED'} ${h.name}: ${h.error ?? 'unknown error'}`);
  }
  lines.push(...rolloutRecapLines(hosts));
  // plan: the order of a rolling deploy comes before the recap.
  const rollout = check ? formatRolloutPlan(hosts) : undefined;
  return rollout ? `${rollout}\n\n${lines.join('\n')}` : lines.join('\n');
}

/**
 * The `--json` document: per host the counts (ok, changed, unknown, failed,
 * skipped), per resource its status (ok, changed, unknown in check mode,
 * failed, skipped), its change list, and for an unknown one the reason.
 */
export function jsonReport(hosts: HostResult[], check: boolean): object {
  return {
    check,
    hosts: Object.fromEntries(
      hosts.map((h) => [
        h.name,
        {
          ok: h.ok,
          changed: h.changed,
          unknown: h.unknown,
          failed: h.failed,
          skipped: h.skipped,
          unreachable: h.unreachable,
          ...(h.error ? { error: h.error } : {}),
          ...(h.notAttempted ? { not_attempted: h.notAttempted } : {}),
          elapsed_ms: h.elapsedMs,
          ...(h.stats ? { transport: h.stats } : {}),
          ...(h.rollout ? { rollout: rolloutJson(h.rollout) } : {}),
        },
      ]),
    ),
    results: hosts.flatMap((h) =>
      h.results.map((r) => ({
        host: r.host,
        role: r.role,
        resource: r.resource,
        status: r.status,
        changed: r.status === 'changed',
        handler: r.handler,
        changes: r.changes.map((c) => c.summary),
        diff: r.changes.map((c) => (c.diff ? c.diff : c.summary)).join('\n'),
        ...(r.reason !== undefined ? { reason: r.reason } : {}),
        ...(r.note !== undefined ? { note: r.note } : {}),
        ...(r.error ? { error: r.error } : {}),
      })),
    ),
  };
}
