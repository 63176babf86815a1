import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clearSecretsForTests, Secret } from '../secrets.js';
import type { HostResult } from '../engine/results.js';
import { changeHash, plannedChanges, readSavedPlan, savedPlanOf, staleReason, writeSavedPlan } from './saved-plan.js';

const motd = { resource: 'file /etc/motd', changes: [{ summary: 'mode 0600 → 0644' }] };
const cron = { resource: 'service cron', changes: [{ summary: 'state: inactive → started' }] };

describe('saved plans', () => {
  it('records, per host, the resources that would change, without handlers', () => {
    const host: HostResult = {
      name: 'lb-01', ok: 1, changed: 2, failed: 0, unreachable: false, elapsedMs: 1,
      results: [
        { host: 'lb-01', role: 'r', resource: 'file /etc/motd', status: 'changed', changes: motd.changes, handler: false },
        { host: 'lb-01', role: 'r', resource: 'package nginx', status: 'ok', changes: [], handler: false },
        { host: 'lb-01', role: 'r', resource: 'reload nginx', status: 'changed', changes: [{ summary: 'reload' }], handler: true },
      ],
    };
    const plan = savedPlanOf('inv.yaml', [host], new Date('2026-01-02T03:04:05Z'));
    expect(plan).toEqual({ provision_plan: 1, inventory: 'inv.yaml', created: '2026-01-02T03:04:05.000Z', hosts: { 'lb-01': [{ resource: 'file /etc/motd', changes: ['mode 0600 → 0644'], hash: changeHash(motd.changes) }] } });
    const file = join(mkdtempSync(join(tmpdir(), 'provision-plan-')), 'plan.json');
    writeSavedPlan(file, plan);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readSavedPlan(file)).toEqual(plan);
  });

  it.each([
    ['the same changes', [motd], [motd], undefined],
    ['nothing to change, as planned', [], [], undefined],
    ['a resource changed differently', [motd], [{ ...motd, changes: [{ summary: 'mode 0640 → 0644' }] }], 'the plan is stale: what would change differs for file /etc/motd; make a new plan'],
    ['a new change', [motd], [motd, cron], 'the plan is stale: what would change differs for service cron; make a new plan'],
    ['a planned change no longer needed', [motd, cron], [cron], 'the plan is stale: what would change differs for file /etc/motd; make a new plan'],
  ])('%s', (_, before, now, expected) => {
    expect(staleReason(plannedChanges(before), plannedChanges(now))).toBe(expected);
  });

  it('a host the plan does not know is stale', () => {
    expect(staleReason(undefined, [])).toBe('the host is not in the plan');
  });

  it('refuses files that are not plans', () => {
    const dir = mkdtempSync(join(tmpdir(), 'provision-plan-'));
    writeFileSync(join(dir, 'x.json'), '{"hosts": {}}');
    writeFileSync(join(dir, 'y.json'), 'not json');
    expect(() => readSavedPlan(join(dir, 'x.json'))).toThrow('is not a provision plan');
    expect(() => readSavedPlan(join(dir, 'y.json'))).toThrow('is not a provision plan (not JSON)');
    expect(() => readSavedPlan(join(dir, 'none.json'))).toThrow("--plan: file '");
  });
});

describe('a saved plan on disk', () => {
  afterEach(() => clearSecretsForTests());

  it('holds no secret, in any form', () => {
    const secret = 'plan"se\\cret';
    new Secret(secret);
    const file = join(mkdtempSync(join(tmpdir(), 'provision-plan-')), 'plan.json');
    writeSavedPlan(file, { provision_plan: 1, inventory: 'inv.yaml', created: 'now', hosts: { h: [{ resource: `file ${secret}`, changes: [`password ${secret}`], hash: 'x' }] } });
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(JSON.stringify(secret).slice(1, -1));
    expect(text).toContain('********');
  });
});
