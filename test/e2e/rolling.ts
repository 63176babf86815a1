/**
 * Zero-downtime deploys of the reference site (inventory/lab.yaml rolls the app
 * tier, serial 1) while a loop sends 10 requests a second to the load balancer:
 * a slow release rolls without a failed request, a release that never gets
 * healthy stops the deploy at its first host (which stays out of the load
 * balancer) without a failed request, an app server a stopped run left out in
 * the last batch goes back first even with --forks 1, and the same slow
 * release without rolling (--serial 100%) does fail requests. Run by site.test.ts on the site
 * its first apply converged from fresh hosts; it leaves the site converged,
 * with the default app.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labRun, labStart, labStop } from '../lab/lab.js';
import { provision, report, ROOT, type CliRun } from './cli.js';
import { getSite, requestLoop, type LoopReport } from './site-requests.js';

const INV = 'inventory/lab.yaml';
// The releases are outside the inventory's directory: allowed explicitly (--files-path).
const SLOW = ['-e', JSON.stringify({ app_archive: '../test/fixtures/app-release-slow', app_main: 'main.js' }), '--files-path', 'test/fixtures'];
const BROKEN = ['-e', JSON.stringify({ app_archive: '../test/fixtures/app-release-broken', app_main: 'main.js', app_health_timeout: 8 }), '--files-path', 'test/fixtures'];

/** Runs provision while the request loop runs (a second of traffic before and after). */
async function underLoad(args: string[]): Promise<{ run: CliRun; traffic: LoopReport }> {
  const loop = requestLoop({ intervalMs: 100, maxMs: 90_000 });
  await new Promise((r) => setTimeout(r, 1000));
  const run = await provision(args);
  await new Promise((r) => setTimeout(r, 1000));
  return { run, traffic: await loop.stop() };
}

/** Who answers / now: a few requests, each body once. */
async function answers(): Promise<string[]> {
  const seen = new Set<string>();
  for (let i = 0; i < 8; i++) seen.add((await getSite('/')).body.trim());
  return [...seen].sort();
}

/** The backends lb-01 has out of rotation. */
const drainedOnLb = async (): Promise<string> => (await labRun('lb-01', '/usr/local/sbin/provision-lb-backends drained app_backends')).trim();

/** The rollout events of a plain run's output, in order: "web-01 drain", "web-01 health", ... */
const steps = (stdout: string): string[] => [...stdout.matchAll(/^(\S+) \| (drain|health|undrain)( failed)? \|/gm)].map((m) => `${m[1]} ${m[2]}${m[3] ?? ''}`);

/** The checks, on the lab converged by inventory/lab.yaml with the default app (site.test.ts runs them). */
export function rollingChecks(): void {
  describe('zero-downtime deploys (inventory/lab.yaml, app tier serial 1)', () => {
    it('plan shows the batches in order with their drain and undrain steps', async () => {
      const plan = await provision(['plan', INV, ...SLOW]);
      expect(plan.code, plan.stdout + plan.stderr).toBe(0);
      expect(plan.stdout).toContain('first, all at once: lb-01');
      expect(plan.stdout).toMatch(/then group app, serial 1:\n\s+batch 1\/2\s+web-01\s+out of lb-01 → change → wait until http:\/\/127\.0\.0\.1\/health answers 200 within 60 s → back into lb-01\n\s+batch 2\/2\s+web-02\s+out of lb-01 → change/);
    });

    it('a release that takes 3 s to start, with a plain apply: no failed request, both app servers serve it', async () => {
      const { run, traffic } = await underLoad(['apply', INV, ...SLOW]);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(traffic.failed).toEqual([]);
      expect(traffic.sent).toBeGreaterThan(100);
      // One at a time: web-02 leaves the load balancer only after web-01 is back.
      expect(steps(run.stdout)).toEqual(['web-01 drain', 'web-01 health', 'web-01 undrain', 'web-02 drain', 'web-02 health', 'web-02 undrain']);
      expect(run.stdout).toMatch(/web-01 \| health \| http:\/\/127\.0\.0\.1\/health answered 200 after [2-9] s/);
      expect(await answers()).toEqual(['Release 3 on web-01', 'Release 3 on web-02']);
      expect(await drainedOnLb()).toBe('');
    });

    it('a release that never gets healthy: no failed request, the deploy stops after the first host, which stays out; a fixed release resumes', async () => {
      const { run, traffic } = await underLoad(['apply', INV, ...BROKEN]);
      expect(run.code, run.stdout + run.stderr).toBe(1);
      expect(traffic.failed).toEqual([]);
      expect(steps(run.stdout)).toEqual(['web-01 drain', 'web-01 health failed']);
      expect(run.stdout).toContain('FAILED web-01: health check http://127.0.0.1/health did not answer 200 within 8 s (last: status 502)');
      expect(run.stdout).toContain('NOT ATTEMPTED web-02: the rollout stopped after batch 1/2 of group app, where web-01 failed');
      expect(run.stdout).toContain('DRAINED web-01: still out of lb-01');
      expect(run.stdout).toContain('on lb-01: /usr/local/sbin/provision-lb-backends undrain app_backends 30 web-01');
      expect(readFileSync(join(ROOT, 'inventory/lab.retry'), 'utf8')).toBe('web-01\nweb-02\n');
      expect(await drainedOnLb()).toBe('web-01');
      expect(await answers()).toEqual(['Release 3 on web-02']);

      // The load balancer's own apply, rendered from the inventory, does not put it back.
      const lb = report(await provision(['apply', INV, '--limit', 'lb-01', '--json']));
      expect(lb.hosts['lb-01']).toMatchObject({ changed: 0, failed: 0 });
      expect(await drainedOnLb()).toBe('web-01');
      const plan = await provision(['plan', INV, ...SLOW]);
      expect(plan.stdout).toMatch(/batch 1\/2\s+web-01\s+at once, not waiting for its batch: out of lb-01 \(left so by an earlier run; taken out again before the change\) → change → wait until .* → back into lb-01/);

      // The fix: the slow release again. web-01 is made sure out (its note could be stale), changes back, gets healthy,
      // goes back in; web-02 has nothing to do.
      const fixed = await underLoad(['apply', INV, ...SLOW]);
      expect(fixed.run.code, fixed.run.stdout + fixed.run.stderr).toBe(0);
      expect(fixed.traffic.failed).toEqual([]);
      expect(steps(fixed.run.stdout)).toEqual(['web-01 drain', 'web-01 health', 'web-01 undrain']);
      expect(fixed.run.stdout).toContain('web-01 | drain | out of lb-01 (again: an earlier run left it out)');
      expect(await drainedOnLb()).toBe('');
      expect(await answers()).toEqual(['Release 3 on web-01', 'Release 3 on web-02']);
    });

    it('--forks 1, an app server a stopped run left out in batch 2: it goes back first, batch 1 waits for it, no failed request', async () => {
      // As a second Ctrl-C right after web-02's drain leaves it: out of lb-01, its note saying so (both run the slow release).
      await labRun('web-02', 'mkdir -p /var/lib/provision && echo lb-01 > /var/lib/provision/drained');
      await labRun('lb-01', '/usr/local/sbin/provision-lb-backends drain app_backends 30 web-02');
      expect(await drainedOnLb()).toBe('web-02');
      const plan = await provision(['plan', INV, '--forks', '1']);
      expect(plan.stdout).toMatch(/batch 2\/2\s+web-02\s+at once, not waiting for its batch: out of lb-01 \(left so by an earlier run; taken out again before the change\) → change/);
      // Back to the default app: both app servers change. With one fork, web-02 used to be read only after web-01's drain,
      // which lb-01 refused (web-02 out, web-01 its last backend in rotation).
      const { run, traffic } = await underLoad(['apply', INV, '--forks', '1']);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(traffic.failed).toEqual([]);
      expect(steps(run.stdout)).toEqual(['web-02 drain', 'web-02 health', 'web-02 undrain', 'web-01 drain', 'web-01 health', 'web-01 undrain']);
      expect(await drainedOnLb()).toBe('');
      expect(await answers()).toEqual(['Hello from web-01', 'Hello from web-02']);
    });

    it('the same slow release with --serial 100% (no rolling) fails requests', async () => {
      // From the default app, so that both hosts restart into the slow release at once.
      const back = await provision(['apply', INV]);
      expect(back.code, back.stdout + back.stderr).toBe(0);
      const { run, traffic } = await underLoad(['apply', INV, '--serial', '100%', ...SLOW]);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(steps(run.stdout)).toEqual(expect.arrayContaining(['web-01 health', 'web-02 health']));
      expect(run.stdout).not.toMatch(/\| drain \|/);
      expect(traffic.failed.length, 'both app servers restarted at once, so some requests must have failed').toBeGreaterThan(0);
      // Leave the default app for the tests that follow.
      expect((await provision(['apply', INV])).code).toBe(0);
      expect(await answers()).toEqual(['Hello from web-01', 'Hello from web-02']);
    });

    it('SIGTERM mid-rollout (a stopped CI job or service) is a Ctrl-C: the host that is out goes back (at once when nothing it serves changed yet), the rest is not attempted', async () => {
      let child: ChildProcess | undefined;
      let signalled = false;
      const run = await provision(['apply', INV, ...SLOW], {
        onSpawn: (c) => (child = c),
        // Once: a second signal quits at once.
        onStdout: (text) => {
          if (signalled || !text.includes('web-01 | drain | out of lb-01')) return;
          signalled = true;
          child?.kill('SIGTERM');
        },
      });
      expect(run.code, run.stdout + run.stderr).toBe(130);
      // The signal comes right after its drain: if no change to what it serves had started, it is as it was while it
      // served and goes back at once, still serving the default app; if one had (the signal raced the apply call),
      // once its health check passes, serving the slow release.
      const untouched = !steps(run.stdout).includes('web-01 health');
      expect(steps(run.stdout)).toEqual(untouched ? ['web-01 drain', 'web-01 undrain'] : ['web-01 drain', 'web-01 health', 'web-01 undrain']);
      if (untouched) expect(run.stdout).toContain('web-01 | undrain | back in lb-01 (nothing it serves was changed)');
      expect(run.stdout).toContain('NOT ATTEMPTED web-02: the run was interrupted');
      expect(await drainedOnLb()).toBe('');
      expect(await answers()).toEqual(untouched ? ['Hello from web-01', 'Hello from web-02'] : ['Hello from web-02', 'Release 3 on web-01']);
      // Back to the default app for the tests that follow.
      expect((await provision(['apply', INV])).code).toBe(0);
    });

    it('an app server that is down: no failed request, the other one, alone serving, is not taken out; it fails unchanged, exit 1', async () => {
      await labStop('web-02');
      try {
        const { run, traffic } = await underLoad(['apply', INV, ...SLOW]);
        expect(run.code, run.stdout + run.stderr).toBe(1);
        // The load balancer hands the dead backend's requests to web-01 (after a short connect timeout), and web-01 stays in.
        expect(traffic.failed).toEqual([]);
        expect(run.stdout).toMatch(/FAILED web-01: not changed: could not take it out of lb-01: .*no other backend in rotation serves \(web-02: no answer within 3 s\)/);
        expect(await drainedOnLb()).toBe('');
      } finally {
        await labStart('web-02');
      }
      // Once web-02 serves again, the deploy goes through (and back to the default app).
      await labRun('web-02', 'for i in $(seq 1 40); do curl -sf -o /dev/null http://127.0.0.1/health && exit 0; sleep 0.5; done; exit 1');
      expect((await provision(['apply', INV])).code).toBe(0);
    });

    it('an app server whose app is down (its nginx answers 502): the other one is not taken out either', async () => {
      await labRun('web-02', 'systemctl stop app');
      const run = await provision(['apply', INV, ...SLOW]);
      expect(run.code, run.stdout + run.stderr).toBe(1);
      expect(run.stdout).toMatch(/FAILED web-01: not changed: could not take it out of lb-01: .*no other backend in rotation serves \(web-02: status 502\)/);
      expect(await drainedOnLb()).toBe('');
      expect((await provision(['apply', INV, '--limit', 'web-02'])).code).toBe(0);
    });
  });
}
