/**
 * The promise plan is trusted for, resource by resource: from fresh hosts and
 * after drift on converged ones, apply never changes a resource plan called in
 * state, changes every resource plan said will change, and runs no handler
 * plan did not list; what plan leaves to apply ("decided at apply", naming the
 * earlier change that decides it) stays under a quarter of the changes. The
 * same holds for `apply --plan` against the saved plan: the converge from fresh
 * hosts goes through one (apply --plan is apply's own run, held to the saved
 * plan besides), so one converge checks both.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_ADDRESSES, LAB_HOSTS, labReset, labRun } from '../lab/lab.js';
import { provision, report, type JsonReport } from './cli.js';

const INV = 'inventory/lab.yaml';

type Result = JsonReport['results'][number];
const keyOf = (r: Result): string => `${r.host} | ${r.role} | ${r.handler ? 'handler ' : ''}${r.resource}`;

/** Every way the apply broke the plan's word, one line each (none: it kept it). */
function brokenPromises(plan: JsonReport, apply: JsonReport): string[] {
  const planned = new Map(plan.results.map((r) => [keyOf(r), r]));
  const applied = new Map(apply.results.map((r) => [keyOf(r), r]));
  const problems: string[] = [];
  for (const [key, p] of planned) {
    const a = applied.get(key);
    if (a?.status === 'failed') problems.push(`${key}: apply failed: ${a.error}`);
    else if (p.status === 'ok' && a !== undefined && a.status !== 'ok') problems.push(`${key}: plan said in state${p.note ? ` (${p.note})` : ''}, apply ${a.status}: ${a.changes.join('; ')}`);
    else if (p.status === 'changed' && a?.status !== 'changed') problems.push(`${key}: plan said it will change (${p.changes.join('; ')}), apply ${a?.status ?? 'did not run it'}${a?.note ? ` (${a.note})` : ''}`);
  }
  for (const [key, a] of applied) if (!planned.has(key) && a.status !== 'ok') problems.push(`${key}: apply ${a.status}, plan did not list it`);
  return problems;
}

/** Results listed more than once for a host (a handler must appear once however often it runs). */
function repeated(r: JsonReport): string[] {
  const seen = new Set<string>();
  return r.results.map(keyOf).filter((key) => (seen.has(key) ? true : (seen.add(key), false)));
}

/** Counts over the site: changes plan announced, and those it left to apply. */
function counts(r: JsonReport): { changed: number; unknown: number } {
  return { changed: r.results.filter((x) => x.status === 'changed').length, unknown: r.results.filter((x) => x.status === 'unknown').length };
}

/** plan --json, then apply --json (through the saved plan `savedPlan` when given): both reports, with the checks every comparison shares. */
async function planThenApply(savedPlan?: string): Promise<{ plan: JsonReport; apply: JsonReport }> {
  const planRun = await provision(['plan', INV, '--json', ...(savedPlan ? ['--out', savedPlan] : [])]);
  expect(planRun.code, planRun.stderr).toBe(0);
  const plan = report(planRun);
  const applyRun = await provision(['apply', INV, '--json', ...(savedPlan ? ['--plan', savedPlan] : [])]);
  const apply = report(applyRun);
  expect(applyRun.code, `${JSON.stringify(apply.hosts)}\n${applyRun.stderr}`).toBe(0);
  expect(repeated(plan)).toEqual([]);
  expect(repeated(apply)).toEqual([]);
  expect(brokenPromises(plan, apply)).toEqual([]);
  return { plan, apply };
}

/** The certificate lb-01 serves right now (one handshake, no retry). */
function servedIssuer(): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: LAB_ADDRESSES['lb-01'], port: 443, servername: 'www.foobar.com', rejectUnauthorized: false }, () => {
      const issuer = socket.getPeerCertificate().issuer?.CN ?? '';
      socket.end();
      resolve(Array.isArray(issuer) ? issuer.join(', ') : issuer);
    });
    socket.on('error', reject);
  });
}

describe('honest plans: plan announces exactly what apply then changes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provision-honest-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    await labReset();
  });

  it('from fresh hosts, through the saved plan: resource by resource, few left to apply, handlers once, and done is done', async () => {
    const file = join(dir, 'plan.json');
    const { plan, apply } = await planThenApply(file);
    // The saved plan holds every resource plan listed, on every host.
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { provision_plan: number; hosts: Record<string, Array<{ resource: string; status: string }>> };
    expect(saved.provision_plan).toBe(2);
    for (const host of LAB_HOSTS) expect(saved.hosts[host]!.length, host).toBe(plan.results.filter((r) => r.host === host && !r.handler).length);
    const { changed, unknown } = counts(plan);
    expect(changed).toBeGreaterThan(60);
    // Decided at apply: at most a quarter of the changes, each naming the earlier change that decides it.
    expect(unknown / (changed + unknown)).toBeLessThan(0.25);
    for (const r of plan.results.filter((x) => x.status === 'unknown')) expect(r.reason, keyOf(r)).toMatch(/\S/);
    // Services a package installs, enables and starts are known to be in state.
    for (const host of LAB_HOSTS) expect(plan.results.find((r) => r.host === host && r.resource === 'service cron')).toMatchObject({ status: 'ok', note: expect.stringContaining('package') });
    expect(plan.results.filter((r) => r.host === 'lb-01' && r.handler && r.resource === 'reload nginx')).toHaveLength(1);
    expect(apply.results.filter((r) => r.host === 'lb-01' && r.handler && r.resource === 'reload nginx')).toMatchObject([{ status: 'changed' }]);
    // Reported done: the Pebble certificate is served the moment apply returns, and the app runs.
    expect(apply.results.find((r) => r.resource === 'certificate www.foobar.com')).toMatchObject({ status: 'changed' });
    expect(await servedIssuer()).toMatch(/Pebble/);
    for (const host of ['web-01', 'web-02']) expect(await labRun(host, 'systemctl is-active app')).toBe('active\n');
    const again = report(await provision(['plan', INV, '--json']));
    for (const host of LAB_HOSTS) expect(again.hosts[host]).toMatchObject({ changed: 0, unknown: 0, failed: 0 });
  });

  it.each([
    [
      'hand edits',
      {
        'web-01': "echo 'hand edit' >> /etc/motd; chmod 0644 /etc/app/app.env; sed -i '/^LANG=/d' /etc/default/locale",
        'lb-01': 'rm -rf /var/www/acme; echo "# hand edit" >> /etc/nginx/sites-enabled/provision-loadbalancer.conf',
      },
    ],
    ['stopped and disabled services', { 'lb-01': 'systemctl stop cron', 'web-02': 'systemctl disable --now app' }],
    ['removed packages', { 'lb-01': 'DEBIAN_FRONTEND=noninteractive apt-get purge -y -q cron >/dev/null 2>&1', 'web-02': 'DEBIAN_FRONTEND=noninteractive apt-get remove -y -q nginx >/dev/null 2>&1' }],
  ])('after drift on converged hosts (%s): resource by resource', async (_, drift) => {
    for (const [host, command] of Object.entries(drift)) await labRun(host, command);
    const { plan } = await planThenApply();
    // The drift is seen, on every host that drifted.
    for (const host of Object.keys(drift)) expect(plan.hosts[host]!.changed, host).toBeGreaterThan(0);
    const { changed, unknown } = counts(plan);
    expect(unknown).toBeLessThanOrEqual(changed);
    const again = report(await provision(['plan', INV, '--json']));
    for (const host of LAB_HOSTS) expect(again.hosts[host], host).toMatchObject({ changed: 0, unknown: 0, failed: 0 });
  });
});
