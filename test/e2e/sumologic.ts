/**
 * The sumologic role on the lab, against the lab's fake Sumo Logic
 * (test/lab/sumo-fake): install, registration, shipping, idempotency, a new
 * source, invalid sources JSON, removal, a wrong key. Run by site.test.ts on
 * the site its first apply converged from fresh hosts (inventory/lab.yaml), so
 * whatever an earlier file left does not decide its outcome; it leaves the
 * site converged. After the idempotency check it changes only web-01 and web-02.
 */
import { request } from 'node:https';
import { beforeAll, describe, expect, it } from 'vitest';
import { LAB_ADDRESSES, LAB_HOSTS, labExec, labRun, sumoCollectorByName, sumoFakeState } from '../lab/lab.js';
import type { FakeLine } from '../lab/sumo-fake/state.js';
import { labSecrets, provision, report } from './cli.js';

const INV = 'inventory/lab.yaml';
const secrets = labSecrets();
const ACCESS_ID = secrets['SUMO_ACCESS_ID'] ?? '';
const ACCESS_KEY = secrets['SUMO_ACCESS_KEY'] ?? '';
const WRONG_KEY = 'wrong-sumo-key-e2e-0123456789';

/** Waits up to 15 s for a received line containing `marker`; `poke` runs before each look (e.g. writes the line again). */
async function received(marker: string, poke: () => Promise<unknown> = async () => undefined, fromHost?: string): Promise<FakeLine | undefined> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    await poke();
    // A request through the load balancer is logged by lb-01 and by the app server that answered it.
    const line = (await sumoFakeState()).received.find((l) => l.line.includes(marker) && (fromHost === undefined || l.host === fromHost));
    if (line) return line;
    await new Promise((r) => setTimeout(r, 500));
  }
  return undefined;
}

/** GET https://www.foobar.com/PATH from the control side, at the load balancer (its certificate is not the point here). */
function getSite(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const options = { host: LAB_ADDRESSES['lb-01'], port: 443, path, servername: 'www.foobar.com', headers: { host: 'www.foobar.com' }, rejectUnauthorized: false, timeout: 5000 };
    request(options, (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', reject).end();
  });
}

/** Samples every process's command line on a host (20 times a second) until stopped; the samples stay on the host. */
const PS_SAMPLES = '/root/sumo-e2e-ps.txt';
const startPsSampler = (host: string) =>
  labRun(host, `rm -f ${PS_SAMPLES} /root/sumo-e2e-stop; setsid sh -c 'while [ ! -e /root/sumo-e2e-stop ]; do ps -eo args >>${PS_SAMPLES}; sleep 0.05; done' </dev/null >/dev/null 2>&1 &`);
const stopPsSampler = async (host: string): Promise<string> => {
  await labRun(host, 'touch /root/sumo-e2e-stop; sleep 0.2');
  return labRun(host, `cat ${PS_SAMPLES}`);
};

/** The checks, on the lab converged by inventory/lab.yaml (site.test.ts runs them). */
export function sumologicChecks(): void {
  describe('sumologic: collectors on the lab, against the fake Sumo Logic', () => {
    beforeAll(() => {
      expect(ACCESS_KEY, 'lab.sh up writes SUMO_ACCESS_KEY into test/lab/.state/secrets.env').not.toBe('');
    });

    it('registers one live collector per host, under its inventory name, with the access key gone from user.properties', async () => {
      for (const host of LAB_HOSTS) {
        const found = await sumoCollectorByName(host, ACCESS_ID, ACCESS_KEY);
        expect(found, host).toMatchObject({ status: 200, body: { collector: { name: host, alive: true } } });
        expect(await labRun(host, 'stat -c %U:%a /opt/SumoCollector/config/user.properties; systemctl is-enabled collector; systemctl is-active collector')).toBe('root:600\nenabled\nactive\n');
        expect(await labRun(host, 'grep -c "^accesskey=" /opt/SumoCollector/config/user.properties || true')).toBe('0\n');
      }
      expect((await sumoCollectorByName('lb-01', ACCESS_ID, WRONG_KEY)).status).toBe(401);
      expect((await sumoCollectorByName('no-such-host', ACCESS_ID, ACCESS_KEY)).status).toBe(404);
    });

    it('a request to https://www.foobar.com reaches the receiver as an nginx access-log line from lb-01', async () => {
      const marker = `/sumo-e2e-${Date.now()}`;
      await getSite(marker);
      expect(await received(marker, undefined, 'lb-01')).toMatchObject({ collector: 'lb-01', host: 'lb-01', category: 'lab/lb/nginx-access', source: 'nginx-access' });
    });

    it('a second apply changes nothing in the role and downloads nothing', async () => {
      const before = (await sumoFakeState()).downloads;
      const r = report(await provision(['apply', INV, '--json']));
      const role = r.results.filter((x) => x.role === 'sumologic');
      for (const host of LAB_HOSTS) expect(role.filter((x) => x.host === host).length, host).toBeGreaterThan(5);
      expect(role.filter((x) => x.changed || x.status !== 'ok')).toEqual([]);
      expect((await sumoFakeState()).downloads).toBe(before);
    });

    it('a new source in the inventory changes only the sources file, and its lines arrive', async () => {
      const downloads = (await sumoFakeState()).downloads;
      const extra = JSON.stringify({ sumo_extra_sources: [{ name: 'e2e', path: '/var/log/provision-e2e.log', category: '{{env}}/app/e2e' }] });
      const r = report(await provision(['apply', INV, '--limit', 'web-01', '--json', '-e', extra]));
      expect(r.results.filter((x) => x.changed).map((x) => x.resource)).toEqual(['sumo sources']);
      const marker = `e2e-source-${Date.now()}`;
      expect(await received(marker, () => labRun('web-01', `echo ${marker} >>/var/log/provision-e2e.log`))).toMatchObject({ collector: 'web-01', category: 'lab/app/e2e', source: 'e2e' });
      const back = report(await provision(['apply', INV, '--limit', 'web-01', '--json']));
      expect(back.results.filter((x) => x.changed).map((x) => x.resource)).toEqual(['sumo sources']);
      expect((await sumoFakeState()).downloads).toBe(downloads);
    });

    it('a value with JSON syntax stays inside its string; a sources file the validator refuses is not installed, and the old one stays', async () => {
      const sources = (): Promise<string> => labRun('web-01', 'sha256sum /etc/sumologic/sources.json');
      const quoted = await provision(['apply', INV, '--limit', 'web-01', '-e', JSON.stringify({ sumo_category_group: 'app"broken' })]);
      expect(quoted.code, quoted.stdout).toBe(0);
      const json = JSON.parse(await labRun('web-01', 'cat /etc/sumologic/sources.json')) as { sources: Array<{ category: string }> };
      expect(json.sources[0]!.category).toBe('lab/app"broken/syslog');
      const before = await sources();
      const refused = await provision(['apply', INV, '--limit', 'web-01', '-e', JSON.stringify({ sumo_category_group: 'other', sumo_sources_validate: ['python3', '-c', 'import sys; sys.exit(1)'] })]);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toContain('/etc/sumologic/sources.json was not changed');
      expect(await sources()).toBe(before);
      expect((await provision(['apply', INV, '--limit', 'web-01'])).code).toBe(0);
    });

    it('state absent removes the collector; a wrong key then fails clearly; the key is in no output and no process list', async () => {
      const removed = await provision(['apply', INV, '--limit', 'web-02', '-e', '{"sumo_state": "absent"}']);
      expect(removed.code, removed.stdout).toBe(0);
      expect(await labRun('web-02', 'test -e /opt/SumoCollector && echo present; systemctl cat collector >/dev/null 2>&1 && echo unit; true')).toBe('');

      await startPsSampler('web-02');
      const wrongKey = JSON.stringify({ sumo_access_key: { secret: 'WRONG_SUMO_ACCESS_KEY' } });
      const wrong = await provision(['apply', INV, '--limit', 'web-02', '-e', wrongKey], { env: { WRONG_SUMO_ACCESS_KEY: WRONG_KEY } });
      expect(wrong.code).toBe(1);
      expect(wrong.stdout).toMatch(/could not register with Sumo Logic: access id\/key refused by Sumo Logic \(HTTP 401\); check sumo_access_id and sumo_access_key/);
      expect(wrong.stdout + wrong.stderr).not.toContain(WRONG_KEY);
      const good = await provision(['apply', INV, '--limit', 'web-02']);
      expect(good.code, good.stdout).toBe(0);
      expect(good.stdout + good.stderr).not.toContain(ACCESS_KEY);
      const samples = await stopPsSampler('web-02');
      expect(samples).toContain('provision-sumo-install install');
      expect(samples).not.toContain(WRONG_KEY);
      expect(samples).not.toContain(ACCESS_KEY);

      const state = await sumoFakeState();
      expect(state.registrations.filter((g) => g.name === 'web-02').slice(-2).map((g) => g.accepted)).toEqual([false, true]);
      expect(await sumoCollectorByName('web-02', ACCESS_ID, ACCESS_KEY)).toMatchObject({ status: 200, body: { collector: { name: 'web-02', alive: true } } });
      expect((await labExec('web-02', 'grep -c "^accesskey=" /opt/SumoCollector/config/user.properties')).stdout).toBe('0\n');
    });
  });
}
