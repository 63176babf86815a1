import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clearSecretsForTests, Secret } from '../secrets.js';
import type { HostResult, ResourceResult } from '../engine/results.js';
import { changeHash, plannedEntries, readSavedPlan, roundReason, savedPlanOf, staleReason, writeSavedPlan } from './saved-plan.js';

const result = (resource: string, status: ResourceResult['status'], summaries: string[] = [], more: Partial<ResourceResult> = {}): ResourceResult => ({
  host: 'lb-01',
  role: 'r',
  resource,
  status,
  changes: summaries.map((summary) => ({ summary })),
  handler: false,
  ...more,
});
const motd = result('file /etc/motd', 'changed', ['mode 0600 → 0644']);
const cron = result('service cron', 'changed', ['state: inactive → started']);
const nginx = result('service nginx', 'ok', [], { note: 'package nginx (nginx-common): nginx-common\'s postinst enables and starts it' });
const site = result('nginx default site removed', 'unknown', ['if it is there: file → absent'], { reason: 'package nginx may change it' });
const conf = result('mysql server config', 'changed', ['absent → file'], { note: 'package mariadb-server installs the server' });

describe('saved plans', () => {
  it('records, per host, every resource with what plan said of it, without handlers', () => {
    const host: HostResult = {
      name: 'lb-01', ok: 2, changed: 2, unknown: 1, failed: 0, skipped: 0, unreachable: false, elapsedMs: 1,
      results: [motd, result('package nginx', 'ok'), nginx, site, { ...result('reload nginx', 'changed', ['reload']), handler: true }],
    };
    const plan = savedPlanOf('inv.yaml', [host], new Date('2026-01-02T03:04:05Z'));
    expect(plan).toEqual({
      provision_plan: 2,
      inventory: 'inv.yaml',
      created: '2026-01-02T03:04:05.000Z',
      hosts: {
        'lb-01': [
          { resource: 'file /etc/motd', status: 'changed', changes: ['mode 0600 → 0644'], hash: changeHash(motd.changes) },
          { resource: 'package nginx', status: 'ok', changes: [], hash: changeHash([]) },
          { resource: 'service nginx', status: 'ok', changes: [], hash: changeHash([]), predicted: nginx.note },
          { resource: 'nginx default site removed', status: 'unknown', changes: ['if it is there: file → absent'], hash: changeHash(site.changes) },
        ],
      },
    });
    const file = join(mkdtempSync(join(tmpdir(), 'provision-plan-')), 'plan.json');
    writeSavedPlan(file, plan);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readSavedPlan(file)).toEqual(plan);
  });

  it.each([
    ['the same plan', [motd, nginx], [motd, nginx], undefined],
    ['nothing to change, as planned', [], [], undefined],
    ['a resource changed differently', [motd], [{ ...motd, changes: [{ summary: 'mode 0640 → 0644' }] }], 'the plan is stale: what would change differs for file /etc/motd; make a new plan'],
    ['a new change', [motd, result('service cron', 'ok')], [motd, cron], 'the plan is stale: what would change differs for service cron; make a new plan'],
    ['a planned change no longer needed', [motd, cron], [result('file /etc/motd', 'ok'), cron], 'the plan is stale: what would change differs for file /etc/motd; make a new plan'],
    ['decided at apply now, in state before', [result('nginx default site removed', 'ok')], [site], 'the plan is stale: what would change differs for nginx default site removed; make a new plan'],
  ])('%s', (_, before, now, expected) => {
    expect(staleReason(plannedEntries(before), plannedEntries(now))).toBe(expected);
  });

  it('a host the plan does not know is stale', () => {
    expect(staleReason(undefined, [])).toBe('the host is not in the plan');
    expect(roundReason(undefined, [])).toBe('the host is not in the plan');
  });

  describe('each round of apply --plan', () => {
    const saved = plannedEntries([motd, nginx, site, conf]);
    it.each([
      ['what the plan read from the host, unchanged', [{ resource: 'file /etc/motd', changes: motd.changes }], undefined],
      ['a resource decided at apply that changes', [{ resource: 'nginx default site removed', changes: [{ summary: 'symlink → absent' }] }], undefined],
      ['a resource decided at apply in state', [{ resource: 'nginx default site removed', changes: [] }], undefined],
      ['a predicted change worded otherwise once the package is there', [{ resource: 'mysql server config', changes: [{ summary: 'absent → file (other words)' }] }], undefined],
      ['a predicted change found in state', [{ resource: 'mysql server config', changes: [] }], undefined],
      [
        'a resource the plan called in state that would change',
        [{ resource: 'service nginx', changes: [{ summary: 'state: inactive → started' }] }],
        "refusing to go on, this step differs from the saved plan: service nginx was in state in the plan (package nginx (nginx-common): nginx-common's postinst enables and starts it), but now would change: state: inactive → started",
      ],
      ['a change read from the host that differs', [{ resource: 'file /etc/motd', changes: [{ summary: 'mode 0640 → 0644' }] }], 'refusing to go on, this step differs from the saved plan: file /etc/motd would now change differently from the plan'],
      ['a resource not in the plan', [{ resource: 'file /etc/other', changes: [] }], 'refusing to go on, this step differs from the saved plan: file /etc/other is not in the plan'],
    ])('%s', (_, decided, expected) => {
      expect(roundReason(saved, decided)).toBe(expected);
    });
  });

  it('refuses files that are not plans, and plans of the older format', () => {
    const dir = mkdtempSync(join(tmpdir(), 'provision-plan-'));
    writeFileSync(join(dir, 'x.json'), '{"hosts": {}}');
    writeFileSync(join(dir, 'y.json'), 'not json');
    writeFileSync(join(dir, 'v1.json'), '{"provision_plan": 1, "hosts": {}}');
    expect(() => readSavedPlan(join(dir, 'x.json'))).toThrow('is not a provision plan');
    expect(() => readSavedPlan(join(dir, 'y.json'))).toThrow('is not a provision plan (not JSON)');
    expect(() => readSavedPlan(join(dir, 'v1.json'))).toThrow('was made by an older provision; make a new plan');
    expect(() => readSavedPlan(join(dir, 'none.json'))).toThrow("--plan: file '");
  });
});

describe('a saved plan on disk', () => {
  afterEach(() => clearSecretsForTests());

  it('hashes the changes with their secrets masked: the hash is no way to test guesses of a secret', () => {
    new Secret('first-secret-value');
    new Secret('other-secret-value');
    const hash = (secret: string) => changeHash([{ summary: `run: printf '%s\\n' key=${secret} | install` }]);
    expect(hash('first-secret-value')).toBe(hash('other-secret-value'));
    expect(hash('first-secret-value')).not.toBe(hash('not-a-registered-secret'));
  });

  it('holds no secret, in any form', () => {
    const secret = 'plan"se\\cret';
    new Secret(secret);
    const file = join(mkdtempSync(join(tmpdir(), 'provision-plan-')), 'plan.json');
    writeSavedPlan(file, { provision_plan: 2, inventory: 'inv.yaml', created: 'now', hosts: { h: [{ resource: `file ${secret}`, status: 'changed', changes: [`password ${secret}`], hash: 'x' }] } });
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(JSON.stringify(secret).slice(1, -1));
    expect(text).toContain('********');
  });
});
