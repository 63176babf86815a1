/**
 * The monitoring role on the lab: the site's QPS monitor, its dashboard and
 * the alert webhook in the fake Sumo Logic (test/lab/sumo-fake), managed
 * from the control node through the content APIs. Create, no-op on
 * re-apply, update on a threshold change, delete when declared absent; plan
 * only reads. Runs on lb-01's monitoring role only (--tags), no lab reset;
 * it leaves the content as the inventory declares it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { SUMO_FAKE_URL, sumoFakeState } from '../lab/lab.js';
import type { FakeApiCall, FakeState } from '../lab/sumo-fake/state.js';
import { labSecrets, provision, report } from './cli.js';

const INV = 'inventory/lab.yaml';
const ONLY_MONITORING = ['--limit', 'lb-01', '--tags', 'monitoring'];
const MONITOR = 'www.foobar.com requests per second';
const DASHBOARD = 'www.foobar.com traffic';
const WEBHOOK = 'www.foobar.com alerts';
const ABSENT = ['-e', '{"sumo_monitoring_state": "absent"}'];
const ACCESS_KEY = labSecrets()['SUMO_ACCESS_KEY'] ?? '';

/** The site's objects in the fake. */
function siteContent(state: FakeState) {
  const monitor = Object.values(state.content.monitors).find((m) => m.name === MONITOR && m.contentType === 'Monitor');
  const dashboard = Object.values(state.content.dashboards).find((d) => d.title === DASHBOARD);
  const connection = Object.values(state.content.connections).find((c) => c.name === WEBHOOK);
  return { monitor, dashboard, connection };
}

/** Runs provision and returns it with the content API calls it made. */
async function withCalls(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; calls: FakeApiCall[] }> {
  const since = Date.now();
  const run = await provision(args);
  const calls = (await sumoFakeState()).apiCalls.filter((c) => c.at >= since);
  return { ...run, calls };
}

const writes = (calls: FakeApiCall[]): string[] => calls.filter((c) => c.method !== 'GET').map((c) => `${c.method} ${c.path.replace(/[0-9A-Fa-f]{16,}/g, 'ID')}`);

describe('monitoring: the site QPS monitor and dashboard in Sumo Logic, from the control node', () => {
  beforeAll(async () => {
    expect(ACCESS_KEY, 'lab.sh up writes SUMO_ACCESS_KEY into test/lab/.state/secrets.env').not.toBe('');
    // Start from nothing: whatever an earlier run left is deleted.
    const cleared = await provision(['apply', INV, ...ONLY_MONITORING, ...ABSENT]);
    expect(cleared.code, cleared.stdout + cleared.stderr).toBe(0);
    expect(siteContent(await sumoFakeState())).toEqual({ monitor: undefined, dashboard: undefined, connection: undefined });
  });

  it('plan shows the monitor, the dashboard and the webhook like any other change, and only reads', async () => {
    const plan = await withCalls(['plan', INV, '--limit', 'lb-01', '--full-diff']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain(`lb-01 | would change | sumo_monitor ${MONITOR}`);
    expect(plan.stdout).toContain(`lb-01 | would change | sumo_dashboard ${DASHBOARD}`);
    expect(plan.stdout).toContain('lb-01 | would change | alert webhook');
    expect(plan.stdout).toContain(`+++ sumo monitor '${MONITOR}'`);
    expect(plan.stdout).toMatch(/\+ +threshold: 500/);
    expect(plan.calls.length).toBeGreaterThan(0);
    expect(writes(plan.calls)).toEqual([]);
    expect(plan.stdout + plan.stderr).not.toContain(ACCESS_KEY);
  });

  it('apply creates them with the shapes of Sumo\'s APIs: the webhook first, the monitor notifying it', async () => {
    const run = await withCalls(['apply', INV, ...ONLY_MONITORING]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(writes(run.calls)).toEqual(['POST v1/connections', 'POST v1/monitors', 'POST v2/dashboards']);
    expect(run.calls.find((c) => c.method === 'POST' && c.path === 'v1/monitors')?.query).toMatch(/^parentId=0+1$/);
    const { monitor, dashboard, connection } = siteContent(await sumoFakeState());
    expect(connection).toMatchObject({ type: 'WebhookConnection', url: 'http://10.77.0.1:8070/fake/alert-webhook' });
    expect(monitor).toMatchObject({ monitorType: 'Logs', queries: [{ rowId: 'A', query: expect.stringContaining('_sourceCategory=lab/lb/nginx-access') }] });
    const triggers = (monitor!.triggers as Array<Record<string, unknown>>).map((t) => `${String(t.triggerType)} ${String(t.threshold)} ${String(t.timeRange)}`);
    expect(triggers).toEqual(['Critical 500 -5m', 'ResolvedCritical 500 -5m', 'Warning 200 -5m', 'ResolvedWarning 200 -5m', 'MissingData undefined -10m', 'ResolvedMissingData undefined -10m']);
    expect((monitor!.notifications as Array<{ notification: Record<string, unknown> }>).map((n) => n.notification)).toEqual([
      expect.objectContaining({ connectionType: 'Email', recipients: ['ops@foobar.com'] }),
      { connectionType: 'Webhook', connectionId: connection!.id },
    ]);
    expect((dashboard!.panels as Array<{ title: string }>).map((p) => p.title)).toEqual(['Requests per second (load balancer)', 'Requests per second by host', '5xx responses per second (load balancer)']);
  });

  it('a second apply changes nothing and writes nothing', async () => {
    const run = await withCalls(['apply', INV, ...ONLY_MONITORING, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const results = report(run).results.filter((r) => r.role === 'monitoring');
    expect(results.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
    expect(writes(run.calls)).toEqual([]);
  });

  it('rate limited (429, as Sumo answers above 4 requests a second): asked again after a wait, and the run succeeds', async () => {
    const throttle = await fetch(`${SUMO_FAKE_URL}/fake/throttle`, { method: 'POST', body: JSON.stringify({ requests: 2 }) });
    expect(throttle.status).toBe(200);
    const run = await withCalls(['apply', INV, ...ONLY_MONITORING, '--json']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.calls.filter((c) => c.status === 429)).toHaveLength(2);
    expect(report(run).hosts['lb-01']).toMatchObject({ changed: 0, failed: 0 });
  });

  it('a new threshold is a diff of the monitor, applied as an update of that monitor', async () => {
    const critical = ['-e', '{"sumo_qps_critical": 800}'];
    const plan = await provision(['plan', INV, ...ONLY_MONITORING, ...critical]);
    expect(plan.stdout).toMatch(/- +threshold: 500\n +\+ +threshold: 800/);
    const before = siteContent(await sumoFakeState()).monitor!;
    const run = await withCalls(['apply', INV, ...ONLY_MONITORING, ...critical]);
    expect(run.code, run.stdout).toBe(0);
    expect(writes(run.calls)).toEqual(['PUT v1/monitors/ID']);
    const after = siteContent(await sumoFakeState()).monitor!;
    expect(after).toMatchObject({ id: before.id, version: Number(before.version) + 1 });
    expect((after.triggers as Array<{ triggerType: string; threshold: number }>).filter((t) => t.triggerType.endsWith('Critical')).map((t) => t.threshold)).toEqual([800, 800]);
    const back = await withCalls(['apply', INV, ...ONLY_MONITORING]);
    expect(writes(back.calls)).toEqual(['PUT v1/monitors/ID']);
  });

  it('declared absent: the monitor, the dashboard, then the webhook it notified are deleted; applied again, they are back', async () => {
    const removed = await withCalls(['apply', INV, ...ONLY_MONITORING, ...ABSENT]);
    expect(removed.code, removed.stdout).toBe(0);
    expect(writes(removed.calls)).toEqual(['DELETE v1/monitors/ID', 'DELETE v2/dashboards/ID', 'DELETE v1/connections/ID']);
    expect(siteContent(await sumoFakeState())).toEqual({ monitor: undefined, dashboard: undefined, connection: undefined });
    const restored = await withCalls(['apply', INV, ...ONLY_MONITORING]);
    expect(restored.code, restored.stdout).toBe(0);
    expect(writes(restored.calls)).toHaveLength(3);
  });

  it('a wrong access key fails these resources with Sumo\'s answer, and never shows the key', async () => {
    const wrong = 'wrong-sumo-api-key-0123456789';
    const wrongKey = JSON.stringify({ sumo_access_key: { secret: 'WRONG_SUMO_ACCESS_KEY' } });
    const run = await provision(['apply', INV, ...ONLY_MONITORING, '-e', wrongKey], { env: { WRONG_SUMO_ACCESS_KEY: wrong } });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('answered 401: unauthorized: Credential could not be verified.');
    expect(run.stdout + run.stderr).not.toContain(wrong);
  });
});
