/**
 * The promise plan is trusted for, resource by resource: apply never changes a
 * resource plan called in state, changes every resource plan said will change,
 * and runs no handler plan did not list. planThenApply() runs both and checks
 * it; freshPromisesChecks() adds what holds of a converge from fresh hosts.
 * Used by site.test.ts (its converge from fresh hosts) and honest-plans.test.ts
 * (drift on converged hosts).
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { expect } from 'vitest';
import { LAB_ADDRESSES, LAB_HOSTS, labRun } from '../lab/lab.js';
import { provision, report, type CliRun, type JsonReport } from './cli.js';

const INV = 'inventory/lab.yaml';

type Result = JsonReport['results'][number];
export const keyOf = (r: Result): string => `${r.host} | ${r.role} | ${r.handler ? 'handler ' : ''}${r.resource}`;

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
export function counts(r: JsonReport): { changed: number; unknown: number } {
  return { changed: r.results.filter((x) => x.status === 'changed').length, unknown: r.results.filter((x) => x.status === 'unknown').length };
}

/** What to run plan and apply with: extra arguments (say, -e values), their environment, a file to save the plan to. */
export interface PlanThenApplyOptions {
  args?: string[];
  env?: Record<string, string>;
  savedPlan?: string;
}

/** A plan and the apply after it: both runs as printed, and both reports. */
export interface PlanAndApply {
  planRun: CliRun;
  applyRun: CliRun;
  plan: JsonReport;
  apply: JsonReport;
}

/** plan --json, then apply --json (through the saved plan when given): both, with the checks every comparison shares. */
export async function planThenApply(options: PlanThenApplyOptions = {}): Promise<PlanAndApply> {
  const args = options.args ?? [];
  const env = options.env ?? {};
  const planRun = await provision(['plan', INV, '--json', ...args, ...(options.savedPlan ? ['--out', options.savedPlan] : [])], { env });
  expect(planRun.code, planRun.stderr).toBe(0);
  const plan = report(planRun);
  const applyRun = await provision(['apply', INV, '--json', ...args, ...(options.savedPlan ? ['--plan', options.savedPlan] : [])], { env });
  const apply = report(applyRun);
  expect(applyRun.code, `${JSON.stringify(apply.hosts)}\n${applyRun.stderr}`).toBe(0);
  expect(repeated(plan)).toEqual([]);
  expect(repeated(apply)).toEqual([]);
  expect(brokenPromises(plan, apply)).toEqual([]);
  return { planRun, applyRun, plan, apply };
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

/**
 * What holds of a converge from fresh hosts through a saved plan (planThenApply with `options.savedPlan`): the saved
 * plan holds every resource; few left to apply; services a package starts known in state; handlers once; and done is
 * done: the certificate served, the app running, a plan with the same options finds nothing to do.
 */
export async function freshPromisesChecks({ plan, apply }: PlanAndApply, options: PlanThenApplyOptions & { savedPlan: string }): Promise<void> {
  // The saved plan holds every resource plan listed, on every host.
  const saved = JSON.parse(readFileSync(options.savedPlan, 'utf8')) as { provision_plan: number; hosts: Record<string, Array<{ resource: string; status: string }>> };
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
  const again = report(await provision(['plan', INV, '--json', ...(options.args ?? [])], { env: options.env ?? {} }));
  for (const host of LAB_HOSTS) expect(again.hosts[host]).toMatchObject({ changed: 0, unknown: 0, failed: 0 });
}
