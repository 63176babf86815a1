/**
 * The reference site on the lab (inventory/lab.yaml), from fresh hosts: the
 * first plan and apply (through the saved plan) converge all three with
 * hostile values; they are held to the promise plan is trusted for
 * (plan-promise.ts) and the values checked (config-values.ts, whose checks
 * need nothing else); then an apply of the lab's own values brings them to the
 * reference site. Every check after it starts from that converged site and
 * leaves it so: the site's own, then Sumo Logic's (sumologic.ts) and the
 * zero-downtime deploys' (rolling.ts), which need nothing else. One converge
 * from fresh hosts serves them all, and the lab files after this one
 * (lab-order.ts) find the site converged.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_ADDRESSES, LAB_HOSTS, labExec, labRun, labReset, siteState } from '../lab/lab.js';
import { labSecrets, provision, report } from './cli.js';
import { ESCAPING_VALUES, PASSWORD_FORMS, configValuesChecks } from './config-values.js';
import { freshPromisesChecks, planThenApply, type PlanAndApply } from './plan-promise.js';
import { rollingChecks } from './rolling.js';
import { getSite } from './site-requests.js';
import { sumologicChecks } from './sumologic.js';

const INV = 'inventory/lab.yaml';
const LB = LAB_ADDRESSES['lb-01'];

/** Whether a TCP connection from the control side to a lab address opens within a second. */
function opens(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1000 });
    socket.on('connect', () => (socket.destroy(), resolve(true)));
    socket.on('timeout', () => (socket.destroy(), resolve(false)));
    socket.on('error', () => resolve(false));
  });
}

const onHost = labRun;

/** Whether `host` opens a TCP connection to address:port (bash's /dev/tcp, 2 s). */
const hostReaches = async (host: string, address: string, port: number): Promise<boolean> =>
  (await labExec(host, `timeout 2 bash -c '</dev/tcp/${address}/${port}' 2>/dev/null`)).code === 0;

describe('the reference site on the lab (inventory/lab.yaml)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provision-site-'));
  const fromFresh = { ...ESCAPING_VALUES, savedPlan: join(dir, 'plan.json') };
  let fresh: PlanAndApply | undefined;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    await labReset();
  });

  it('from fresh hosts, with the hostile values, through the saved plan: apply does what plan said, resource by resource; few left to apply, handlers once, and done is done', async () => {
    fresh = await planThenApply(fromFresh);
    await freshPromisesChecks(fresh, fromFresh);
  });

  configValuesChecks(() => fresh);

  it('an apply of the lab\'s own values converges all three hosts (from the hostile values), and shows no secret, old or new', async () => {
    const run = await provision(['apply', INV]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const secrets = Object.values(labSecrets());
    expect(secrets.length).toBeGreaterThanOrEqual(4);
    for (const secret of secrets) expect(run.stdout + run.stderr).not.toContain(secret);
    // The plain-text display of a change from the hostile password: the converge before it printed JSON.
    for (const form of PASSWORD_FORMS) expect(run.stdout + run.stderr).not.toContain(form);
  });

  it('https://www.foobar.com answers from both app servers in turn, with HSTS, and HTTP redirects to HTTPS', async () => {
    const answers = new Set<string>();
    for (let i = 0; i < 6; i++) answers.add((await getSite('/')).body.trim());
    expect([...answers].sort()).toEqual(['Hello from web-01', 'Hello from web-02']);
    const health = await getSite('/health');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ database: 'ok' });
    const redirect = await labExec('lb-01', 'curl -s -o /dev/null -w "%{http_code} %{redirect_url}" -H "Host: www.foobar.com" http://127.0.0.1/x');
    expect(redirect.stdout).toBe('301 https://www.foobar.com/x');
    expect(await onHost('lb-01', 'curl -s http://127.0.0.1:8081/nginx_status')).toMatch(/^Active connections: \d+/);
  });

  it('the firewall lets only the right peers in', async () => {
    expect(await opens(LB, 443)).toBe(true);
    expect(await opens(LAB_ADDRESSES['web-01'], 3000)).toBe(false);
    expect(await opens(LAB_ADDRESSES['web-01'], 80)).toBe(false);
    expect(await hostReaches('lb-01', LAB_ADDRESSES['web-01'], 80)).toBe(true);
    expect(await hostReaches('web-02', LAB_ADDRESSES['web-01'], 3306)).toBe(true);
    expect(await hostReaches('lb-01', LAB_ADDRESSES['web-01'], 3306)).toBe(false);
  });

  it('a row written on the primary appears on the replica within 5 s', async () => {
    const marker = `row-${Date.now()}`;
    await onHost('web-01', `mariadb app -e "CREATE TABLE IF NOT EXISTS e2e (v VARCHAR(64)); INSERT INTO e2e VALUES ('${marker}')"`);
    const deadline = Date.now() + 5000;
    let seen = '';
    while (Date.now() < deadline && !seen.includes(marker)) {
      seen = (await labExec('web-02', `mariadb -N -B app -e "SELECT v FROM e2e WHERE v='${marker}'"`)).stdout;
    }
    expect(seen.trim()).toBe(marker);
  });

  it('a second apply changes nothing on any host', async () => {
    const r = report(await provision(['apply', INV, '--json']));
    for (const host of LAB_HOSTS) expect(r.hosts[host]).toMatchObject({ changed: 0, failed: 0, unreachable: false });
  });

  it('npm run demo finds the site converged, and resets a lab left part-way, which the rolling deploy would refuse', async () => {
    expect(await siteState()).toBe('converged');
    // web-01 to change (a restart of the app), web-02 not answering: web-01 is the only backend serving.
    await onHost('web-01', 'chmod 0644 /etc/app/app.env');
    await onHost('web-02', 'systemctl stop app');
    try {
      expect(await siteState()).toBe('part-way');
    } finally {
      await onHost('web-01', 'chmod 0600 /etc/app/app.env');
      await onHost('web-02', 'systemctl start app');
    }
    expect(await siteState()).toBe('converged');
  });

  it('plan shows a hand edit of an app server\'s nginx site, and apply repairs it', async () => {
    await onHost('web-01', "sed -i 's/proxy_http_version 1.1;/proxy_http_version 1.0;/' /etc/nginx/sites-enabled/provision-app.conf");
    const plan = await provision(['plan', INV, '--limit', 'web-01']);
    expect(plan.stdout).toMatch(/^\s+-\s+proxy_http_version 1\.0;$/m);
    expect(plan.stdout).toMatch(/^\s+\+\s+proxy_http_version 1\.1;$/m);
    const run = report(await provision(['apply', INV, '--limit', 'web-01', '--json']));
    expect(run.results.filter((r) => r.changed).map((r) => r.resource)).toEqual(['app site', 'reload nginx']);
  });

  it('an invalid nginx configuration is refused: the old one stays and nginx keeps serving', async () => {
    const before = await onHost('lb-01', 'sha256sum /etc/nginx/sites-enabled/provision-loadbalancer.conf');
    const run = await provision(['apply', INV, '--limit', 'lb-01', '-e', 'lb_backend_port=notaport']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('invalid port in upstream "10.77.0.12:notaport"');
    expect(await onHost('lb-01', 'sha256sum /etc/nginx/sites-enabled/provision-loadbalancer.conf')).toBe(before);
    expect((await getSite('/')).body).toMatch(/^Hello from web-0[12]/);
  });

  it('only a change to the app\'s code, unit or environment restarts it', async () => {
    const mainPid = (): Promise<string> => onHost('web-02', 'systemctl show -p MainPID --value app');
    const before = await mainPid();
    await onHost('web-02', 'echo "hand edit" >> /etc/motd');
    expect((await provision(['apply', INV, '--limit', 'web-02'])).code).toBe(0);
    expect(await mainPid()).toBe(before);
    await onHost('web-02', 'echo "// hand edit" >> /opt/app/server.js');
    const run = report(await provision(['apply', INV, '--limit', 'web-02', '--json']));
    expect(run.results.filter((r) => r.changed).map((r) => r.resource)).toEqual(['app code', 'restart app']);
    expect(await mainPid()).not.toBe(before);
  });

  it('backend_tls: the load balancer talks HTTPS to the app servers, verified against the internal CA', async () => {
    const on = await provision(['apply', INV, '--diff', '-e', '{"backend_tls": true}']);
    expect(on.code, on.stdout + on.stderr).toBe(0);
    expect(on.stdout).toContain('+ absent → file /etc/nginx/provision-tls/backend.key');
    expect(on.stdout).not.toContain('PRIVATE KEY');
    // Not a zero-downtime deploy: said on each host before it changes.
    const warned = (out: string): string[] => [...out.matchAll(/^(\S+) \| notice \| warning: ([^:]+): backend_tls flips:/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
    const warnings = ['lb-01 load balancer site', 'web-01 app site', 'web-02 app site'];
    expect(warned(on.stdout)).toEqual(warnings);
    const answers = new Set<string>();
    for (let i = 0; i < 6; i++) answers.add((await getSite('/')).body.trim());
    expect([...answers].sort()).toEqual(['Hello from web-01', 'Hello from web-02']);
    const direct = await onHost('lb-01', 'curl -s --cacert /etc/nginx/provision-tls/internal-ca.crt --resolve backend.provision.internal:443:10.77.0.12 https://backend.provision.internal/');
    expect(direct).toBe('Hello from web-01\n');
    expect(await hostReaches('lb-01', LAB_ADDRESSES['web-02'], 443)).toBe(true);
    expect(await hostReaches('lb-01', LAB_ADDRESSES['web-02'], 80)).toBe(false);
    expect(await opens(LAB_ADDRESSES['web-02'], 443)).toBe(false);

    const off = await provision(['apply', INV]);
    expect(off.code, off.stdout).toBe(0);
    expect(warned(off.stdout)).toEqual(warnings);
    expect((await getSite('/')).body).toMatch(/^Hello from web-0[12]/);
    expect(await hostReaches('lb-01', LAB_ADDRESSES['web-02'], 80)).toBe(true);
  });

  it('deploys a user\'s own app from a directory, and back to the default app', async () => {
    const release = JSON.stringify({ app_archive: '../test/fixtures/app-release', app_main: 'main.js' });
    // The release is outside the inventory's directory: allowed explicitly.
    const deployed = await provision(['apply', INV, '--limit', 'web-01', '-e', release, '--files-path', 'test/fixtures']);
    expect(deployed.code, deployed.stdout).toBe(0);
    expect(await onHost('lb-01', 'curl -s http://10.77.0.12/')).toBe('Release 2 on web-01\n');
    expect(report(await provision(['apply', INV, '--limit', 'web-01', '-e', release, '--files-path', 'test/fixtures', '--json'])).hosts['web-01']).toMatchObject({ changed: 0 });
    expect((await provision(['apply', INV, '--limit', 'web-01'])).code).toBe(0);
    expect(await onHost('lb-01', 'curl -s http://10.77.0.12/')).toBe('Hello from web-01\n');
  });

  sumologicChecks();
  rollingChecks();
});
