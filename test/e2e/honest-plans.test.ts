/**
 * The promise plan is trusted for (plan-promise.ts), after drift on converged
 * hosts: apply never changes a resource plan called in state, changes every
 * resource plan said will change, and runs no handler plan did not list; what
 * plan leaves to apply stays at most as many as its changes. From fresh hosts
 * (and through a saved plan) it is checked on site.test.ts's converge, which
 * this file reuses: it starts from the site converged (an apply that finds
 * nothing to do when site.test.ts ran just before) and leaves it so.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { LAB_HOSTS, labRun } from '../lab/lab.js';
import { provision, report } from './cli.js';
import { counts, planThenApply } from './plan-promise.js';

const INV = 'inventory/lab.yaml';

describe('honest plans: plan announces exactly what apply then changes', () => {
  beforeAll(async () => {
    // Converged hosts to drift from, whatever an earlier file left: not a rolling deploy, which would rightly refuse
    // to take the only serving app server out.
    const converge = await provision(['apply', INV, '--serial', '100%']);
    expect(converge.code, converge.stdout + converge.stderr).toBe(0);
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
