import type { Renewal } from '../resources/types.js';
import type { HostPlan } from '../roles/plan.js';

/**
 * Pure: what `provision renew` runs: of each plan, only the resources whose type takes part in
 * renewals, as `--force` asks for them when `force`; hosts with none are left out.
 */
export function renewalPlans(plans: readonly HostPlan[], force: boolean): HostPlan[] {
  return plans
    .map((plan) => ({
      ...plan,
      resources: plan.resources.flatMap((r) => {
        const renewal = r.type.renewal;
        if (!renewal) return [];
        return [force ? { ...r, desired: renewal.forced(r.desired) } : r];
      }),
    }))
    .filter((plan) => plan.resources.length > 0);
}

/** Pure: the renewal capabilities of the types these plans hold, each once, in order of appearance. */
export function renewalsOf(plans: readonly HostPlan[]): Array<Renewal<unknown>> {
  return [...new Set(plans.flatMap((plan) => plan.resources.flatMap((r) => (r.type.renewal ? [r.type.renewal as Renewal<unknown>] : []))))];
}
