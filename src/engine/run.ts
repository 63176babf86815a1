import type { HostPlan } from '../roles/plan.js';
import { runHost, type HostRunOptions } from './host-run.js';
import { mapWithLimit } from './pool.js';
import type { HostResult } from './results.js';

/** Options of a whole run. */
export interface RunOptions extends HostRunOptions {
  /** Hosts handled at once. */
  forks: number;
}

/** Runs every host's plan, hosts in parallel up to `forks`; one host failing never stops the others. */
export async function runPlans(plans: HostPlan[], options: RunOptions): Promise<HostResult[]> {
  return mapWithLimit(plans, options.forks, async (plan) => (options.signal?.aborted ? notStarted(plan) : runHost(plan, options)));
}

/** A host left alone because the run was interrupted before its turn. */
function notStarted(plan: HostPlan): HostResult {
  return { name: plan.host.name, ok: 0, changed: 0, unknown: 0, failed: 1, skipped: 0, unreachable: false, error: 'not started: interrupted', results: [], elapsedMs: 0 };
}
