/** Rolling deploys in words: the plan's ROLLOUT section, the recap's lines about drains, live lines. */
import type { HostResult, HostRollout, RunEvent } from '../engine/results.js';

/**
 * plan: the order of the run (hosts that do not roll first, then each set
 * batch by batch) and what each rolling host would go through. Undefined when no host rolls.
 */
export function formatRolloutPlan(hosts: readonly HostResult[]): string | undefined {
  const rolling = hosts.filter((h) => h.rollout);
  if (rolling.length === 0) return undefined;
  const lines = ['ROLLOUT (what apply would do, in this order; a failed batch stops the rest)'];
  const free = hosts.filter((h) => !h.rollout).map((h) => h.name);
  if (free.length > 0) lines.push(`  first, all at once: ${free.join(', ')}`);
  const sets = new Map<string, HostResult[]>();
  for (const h of rolling) {
    const key = `${h.rollout!.set}, serial ${h.rollout!.serial}`;
    sets.set(key, [...(sets.get(key) ?? []), h]);
  }
  for (const [set, members] of sets) {
    lines.push(`  then ${set}:`);
    const width = Math.max(...members.map((h) => h.name.length));
    for (const h of members) {
      // Why is in its steps: out of a load balancer since an earlier run, or not serving yet.
      const when = !h.rollout!.atOnce || h.unreachable ? '' : 'at once, not waiting for its batch: ';
      lines.push(`    batch ${h.rollout!.batch}/${h.rollout!.batches}  ${h.name.padEnd(width)}  ${when}${plannedSteps(h)}`);
    }
  }
  return lines.join('\n');
}

/** What one rolling host would go through. */
function plannedSteps(host: HostResult): string {
  const r = host.rollout!;
  if (host.notAttempted) return `not read: ${host.notAttempted}`;
  if (host.unreachable || host.failed > 0) return `cannot tell: ${host.error ?? 'it failed'}`;
  const health = r.health.length > 0 ? [`wait until ${r.health.join(' and ')}`] : [];
  if (r.foundDrained.length > 0 || r.drained.length > 0) {
    // One out already by its note is taken out again before a change that interrupts serving: the note may be stale.
    const found = r.foundDrained.map((b) => `out of ${b} (left so by an earlier run${r.drained.includes(b) ? '; taken out again before the change' : ''})`);
    const out = [...found, ...r.drained.filter((b) => !r.foundDrained.includes(b)).map((b) => `out of ${b}`)];
    const change = host.changed > 0 ? ['change'] : [];
    return [...out, ...change, ...health, `back into ${[...new Set([...r.foundDrained, ...r.drained])].join(', ')}`].join(' → ');
  }
  if (host.changed === 0) return 'no change: stays in service';
  if (r.notDrained) return ['change in place', ...health].join(' → ') + ` (${r.notDrained})`;
  if (r.health.length > 0) return ['change (no load balancer routes to it)', ...health].join(' → ');
  return 'change (nothing that interrupts serving): stays in service';
}

/** The recap's lines about rolling deploys: hosts left out of a load balancer, hosts not attempted. */
export function rolloutRecapLines(hosts: readonly HostResult[]): string[] {
  const lines: string[] = [];
  for (const h of hosts) {
    for (const { balancer, undrain } of h.rollout?.leftDrained ?? []) {
      const why = h.rollout?.healthDetail ? ` (${h.rollout.healthDetail})` : '';
      lines.push(`DRAINED ${h.name}: still out of ${balancer}${why}; the next provision apply puts it back once it is healthy${undrain ? `, or by hand on ${balancer}: ${undrain}` : ''}`);
    }
    if (h.notAttempted) lines.push(`NOT ATTEMPTED ${h.name}: ${h.notAttempted}`);
  }
  return lines;
}

/** A live line for a rolling event (plain output), or undefined for other events. */
export function rolloutEventLine(event: RunEvent): string | undefined {
  if (event.kind === 'batch') return `== ${event.set}: batch ${event.batch}/${event.batches}: ${event.hosts.join(', ')}`;
  if (event.kind === 'rollout') return `${event.host} | ${event.ok ? event.step : `${event.step} failed`} | ${event.message}`;
  return undefined;
}

/** The `--json` form of a host's rollout. */
export function rolloutJson(rollout: HostRollout): object {
  return {
    set: rollout.set,
    batch: rollout.batch,
    batches: rollout.batches,
    serial: rollout.serial,
    drained: rollout.drained,
    found_drained: rollout.foundDrained,
    ...(rollout.atOnce ? { at_once: rollout.atOnce } : {}),
    ...(rollout.notDrained ? { not_drained: rollout.notDrained } : {}),
    health: rollout.health,
    ...(rollout.healthy !== undefined ? { healthy: rollout.healthy, health_detail: rollout.healthDetail } : {}),
    ...(rollout.drainNotices ? { drain_notices: rollout.drainNotices } : {}),
    left_drained: rollout.leftDrained,
  };
}
