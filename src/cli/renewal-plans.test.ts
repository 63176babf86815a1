import { describe, expect, it } from 'vitest';
import type { InventoryHost } from '../inventory/index.js';
import { resourceTypes } from '../resources/index.js';
import type { HostPlan, PlannedResource } from '../roles/plan.js';
import { renewalPlans, renewalsOf } from './renewal-plans.js';

function resource(type: string, desired: unknown): PlannedResource {
  return { role: 'r', type: resourceTypes[type]!, desired, label: type, notify: [], position: { file: 'role.yaml', line: 1, col: 1 } };
}

function plan(name: string, resources: PlannedResource[]): HostPlan {
  return { host: { name } as InventoryHost, resources, handlers: new Map() };
}

const plans = [
  plan('lb-01', [resource('file', { path: '/etc/motd' }), resource('certificate', { domains: ['www.foobar.com'], force: false })]),
  plan('web-01', [resource('package', { names: ['nginx'] })]),
];

describe('what renew runs', () => {
  it('keeps only the resources whose type takes part in renewals, and the hosts that have some', () => {
    const kept = renewalPlans(plans, false);
    expect(kept.map((p) => [p.host.name, p.resources.map((r) => r.type.name)])).toEqual([['lb-01', ['certificate']]]);
    expect(kept[0]!.resources[0]!.desired).toEqual({ domains: ['www.foobar.com'], force: false });
  });

  it('with --force, asks each for the state its type gives a forced renewal', () => {
    expect(renewalPlans(plans, true)[0]!.resources[0]!.desired).toEqual({ domains: ['www.foobar.com'], force: true });
  });

  it("gives each renewing type's renewal (its lock and its report) once", () => {
    const twice = [...plans, plan('lb-02', [resource('certificate', { domains: ['api.foobar.com'], force: false })])];
    expect(renewalsOf(renewalPlans(twice, false))).toEqual([resourceTypes.certificate!.renewal]);
    expect(renewalsOf(renewalPlans([plans[1]!], false))).toEqual([]);
  });
});
