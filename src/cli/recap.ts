import type { HostResult } from '../engine/results.js';
import { formatRolloutPlan, rolloutJson, rolloutRecapLines } from './rollout-text.js';

/** Ansible-style PLAY RECAP: one aligned line per host, then why each failed host failed. */
export function formatRecap(hosts: HostResult[], check: boolean): string {
  const width = Math.max(4, ...hosts.map((h) => h.name.length));
  const lines = [`RECAP${check ? ' (check mode: nothing was changed)' : ''}`];
  for (const h of hosts) {
    if (h.notAttempted) {
      lines.push(`${h.name.padEnd(width)} : not attempted`);
      continue;
    }
    lines.push(
      `${h.name.padEnd(width)} : ok=${String(h.ok).padEnd(4)} ${check ? 'would-change' : 'changed'}=${String(h.changed).padEnd(4)} unreachable=${h.unreachable ? 1 : 0}    failed=${h.failed}`,
    );
  }
  for (const h of hosts.filter((x) => x.unreachable || x.failed > 0)) {
    lines.push(`${h.unreachable ? 'UNREACHABLE' : 'FAILED'} ${h.name}: ${h.error ?? 'unknown error'}`);
  }
  lines.push(...rolloutRecapLines(hosts));
  // plan: the order of a rolling deploy comes before the recap.
  const rollout = check ? formatRolloutPlan(hosts) : undefined;
  return rollout ? `${rollout}\n\n${lines.join('\n')}` : lines.join('\n');
}

/** The `--json` document. */
export function jsonReport(hosts: HostResult[], check: boolean): object {
  return {
    check,
    hosts: Object.fromEntries(
      hosts.map((h) => [
        h.name,
        {
          ok: h.ok,
          changed: h.changed,
          failed: h.failed,
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
        diff: r.changes.map((c) => (c.diff ? c.diff : c.summary)).join('\n'),
        ...(r.error ? { error: r.error } : {}),
      })),
    ),
  };
}
