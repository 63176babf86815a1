/** The decisions of a rolling deploy that need no host (pure). */
import type { HealthCheck, ServeDecl } from '../roles/rolling.js';

/** The load balancers of a backend, as far as the rules need them. */
export interface RouteInfo {
  balancer: { name: string };
  /** Every backend the load balancer routes to (in the blocks that route to this one). */
  backends: readonly string[];
}

/**
 * Whether changing these resources and handlers interrupts what the host
 * serves: one of them is named in a `serve:` block's `traffic`, or a block
 * (or the lack of any) says every change does.
 */
export function affectsTraffic(serve: readonly ServeDecl[] | undefined, labels: readonly string[]): boolean {
  if (labels.length === 0) return false;
  if (!serve || serve.length === 0 || serve.some((s) => s.traffic === undefined)) return true;
  return labels.some((label) => serve.some((s) => s.traffic!.includes(label)));
}

/** Every health check of a host's `serve:` blocks. */
export function healthChecks(serve: readonly ServeDecl[] | undefined): HealthCheck[] {
  return (serve ?? []).flatMap((s) => (s.health ? [s.health] : []));
}

/**
 * Which load balancers to take a backend out of while its batch changes: each
 * that routes to it, unless every host that load balancer routes to is in the
 * batch (serial 100%): draining them all would take the site down just the
 * same, so they change in place, and `notDrained` says so.
 */
export function drainTargets<R extends RouteInfo>(routes: readonly R[], batch: ReadonlySet<string>): { drain: R[]; notDrained?: string } {
  const drain = routes.filter((r) => !r.backends.every((b) => batch.has(b)));
  const inPlace = routes.filter((r) => !drain.includes(r)).map((r) => r.balancer.name);
  return inPlace.length === 0 ? { drain } : { drain, notDrained: `every host ${inPlace.join(' and ')} routes to is in this batch, so none is taken out` };
}
