import type { HostPlan } from '../roles/plan.js';
import type { HostResult } from './results.js';
import { runRollout, type RunOptions } from './rollout.js';

export type { RunOptions } from './rollout.js';

/**
 * Runs every host's plan: hosts in parallel up to `forks`; hosts with a
 * `serial` roll batch by batch after the others (rollout.ts). One host failing
 * never stops the others, except that a failed batch stops the batches after it.
 */
export async function runPlans(plans: HostPlan[], options: RunOptions): Promise<HostResult[]> {
  return runRollout(plans, options);
}
