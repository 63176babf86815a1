/**
 * `provision status` on the lab's reference site: healthy → exit 0; requests
 * per second while a bounded request loop hits the load balancer; replication
 * stopped on the replica → exit 1 naming it; a certificate near expiry (a
 * short-lived Pebble certificate) → named, a problem or, with a lower
 * critical threshold, a warning. Converges the site first (no reset); leaves
 * replication running and lb-01 with a long-lived certificate.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_ADDRESSES, LAB_HOSTS, LAB_KNOWN_HOSTS, LAB_SSH_KEY, labExec, labRun, pebbleStart } from '../lab/lab.js';
import { provision, type CliRun } from './cli.js';

const INV = 'inventory/lab.yaml';
const stateDir = mkdtempSync(join(tmpdir(), 'provision-status-e2e-'));
const run = (...args: string[]) => provision(args, { env: { PROVISION_STATE_DIR: stateDir } });

interface HostStatus {
  healthy: boolean;
  reachable: boolean;
  problems: string[];
  warnings: string[];
  qps?: number;
  certificates?: Array<{ name: string; days_left: number }>;
  replication?: { running: boolean; lag_seconds: number | null };
  services?: Array<{ name: string; active: boolean }>;
  ufw_active?: boolean;
  disk_used_percent?: number;
  memory_used_percent?: number;
  load?: number[];
  last_applied?: string | null;
}

function statusOf(r: CliRun): { healthy: boolean; hosts: Record<string, HostStatus> } {
  try {
    return JSON.parse(r.stdout) as { healthy: boolean; hosts: Record<string, HostStatus> };
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** GET https://www.foobar.com/ at the load balancer (its certificate is not the point here). */
function hit(): Promise<void> {
  return new Promise((resolve) => {
    const options = { host: LAB_ADDRESSES['lb-01'], port: 443, path: '/', servername: 'www.foobar.com', headers: { host: 'www.foobar.com' }, rejectUnauthorized: false, timeout: 3000 };
    request(options, (res) => {
      res.resume();
      res.on('end', () => resolve());
    })
      .on('error', () => resolve())
      .end();
  });
}

/** Requests to the load balancer at `perSecond`, for at most `seconds` (or until stopped): bounded, it ends by itself. */
function requestLoop(perSecond: number, seconds: number): { stop: () => Promise<number> } {
  let sent = 0;
  const inFlight: Array<Promise<void>> = [];
  const timer = setInterval(() => {
    if (sent >= perSecond * seconds) return clearInterval(timer);
    sent++;
    inFlight.push(hit());
  }, 1000 / perSecond);
  return {
    stop: async () => {
      clearInterval(timer);
      await Promise.all(inFlight);
      return sent;
    },
  };
}

describe('provision status on the reference site', () => {
  beforeAll(async () => {
    // Pebble as the lab starts it, and lb-01 serving a long-lived certificate: a run stopped inside 'a certificate
    // near expiry' below leaves Pebble issuing ten-minute certificates and lb-01 serving one (not yet due for renewal).
    await pebbleStart();
    // The site converged from whatever an earlier lab test left (say, web-01 answering and web-02 not): not a
    // rolling deploy, which would rightly refuse to take the only serving app server out; status is tested here.
    const apply = await run('apply', INV, '--serial', '100%');
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    if ((await labExec('lb-01', `openssl x509 -noout -checkend ${22 * 86_400} -in /etc/provision/tls/www.foobar.com/fullchain.pem`)).code !== 0) {
      const renew = await run('renew', INV, '--limit', 'lb-01', '--force');
      expect(renew.code, renew.stdout + renew.stderr).toBe(0);
    }
  });

  afterAll(async () => {
    await labRun('web-02', 'mariadb -e "START SLAVE"').catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('healthy site: exit 0, every host healthy, with its facts', async () => {
    const r = await run('status', INV, '--json');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const { healthy, hosts } = statusOf(r);
    expect(healthy).toBe(true);
    expect(Object.keys(hosts)).toEqual([...LAB_HOSTS]);
    for (const host of LAB_HOSTS) {
      const s = hosts[host]!;
      expect(s, host).toMatchObject({ healthy: true, reachable: true, problems: [], ufw_active: true });
      expect(s.load, host).toHaveLength(3);
      expect(s.disk_used_percent, host).toEqual(expect.any(Number));
      expect(s.memory_used_percent, host).toEqual(expect.any(Number));
      expect(Date.now() - Date.parse(s.last_applied ?? ''), host).toBeLessThan(10 * 60_000);
      expect(s.services?.filter((x) => !x.active), host).toEqual([]);
      expect(s.services?.map((x) => x.name), host).toEqual(expect.arrayContaining(['nginx', 'collector', 'cron']));
      // Nothing sends requests now: the readings' own requests are not counted.
      expect(s.qps, host).toBeLessThan(1);
    }
    expect(hosts['lb-01']!.certificates).toEqual([expect.objectContaining({ name: 'www.foobar.com', days_left: expect.any(Number) })]);
    expect(hosts['lb-01']!.certificates![0]!.days_left).toBeGreaterThan(21);
    expect(hosts['web-02']!.replication).toMatchObject({ running: true, lag_seconds: expect.any(Number) });
    expect(hosts['web-01']!.replication).toBeUndefined();

    const table = await run('status', INV);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^HOST +HEALTH +LOAD/);
    expect(table.stdout).toContain('3 hosts, all healthy');
    expect(table.stdout).not.toContain('\x1b[');
  });

  it('while a request loop hits the load balancer, its requests per second are above 0', async () => {
    const loop = requestLoop(20, 8);
    await sleep(1500);
    const r = await run('status', INV, '--json', '--limit', 'lb-01');
    const sent = await loop.stop();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(sent).toBeGreaterThan(10);
    expect(statusOf(r).hosts['lb-01']!.qps).toBeGreaterThan(0);
  });

  it('reaches hosts over the transports apply uses: the control node itself (local) and a host through a jump host', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'provision-status-transports-'));
    try {
      // Roles away from the inventory: only --roles-path finds them. Thresholds no machine crosses (the control node's own use is not the point).
      mkdirSync(join(dir, 'elsewhere', 'checked'), { recursive: true });
      writeFileSync(join(dir, 'elsewhere', 'checked', 'role.yaml'), 'status:\n  - system: { disk_max_percent: 100, memory_max_percent: 100, load_max_per_cpu: 1000 }\n');
      writeFileSync(
        join(dir, 'inventory.yml'),
        [
          'all:',
          '  hosts:',
          '    control: { ansible_connection: local }',
          '    web-01:',
          `      ansible_host: ${LAB_ADDRESSES['web-01']}`,
          `      ansible_ssh_common_args: "-o ProxyJump=root@${LAB_ADDRESSES['lb-01']} -o StrictHostKeyChecking=no"`,
          '  vars:',
          '    provision_roles: [checked]',
          `    ansible_ssh_private_key_file: ${LAB_SSH_KEY}`,
          `    ssh_known_hosts_file: ${LAB_KNOWN_HOSTS}`,
        ].join('\n'),
      );
      const r = await run('status', join(dir, 'inventory.yml'), '--roles-path', join(dir, 'elsewhere'), '--json');
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const { hosts } = statusOf(r);
      for (const name of ['control', 'web-01']) expect(hosts[name], name).toMatchObject({ reachable: true, healthy: true, problems: [], load: [expect.any(Number), expect.any(Number), expect.any(Number)] });
      // It is the lab's web-01 that answered: the site's apply above left its stamp there.
      expect(Date.now() - Date.parse(hosts['web-01']!.last_applied ?? ''), JSON.stringify(hosts['web-01'])).toBeLessThan(10 * 60_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('replication stopped on the replica: exit 1, naming replication on web-02', async () => {
    await labRun('web-02', 'mariadb -e "STOP SLAVE"');
    try {
      // Both readings at once: they only read.
      const [r, table] = await Promise.all([run('status', INV, '--json'), run('status', INV)]);
      expect(r.code).toBe(1);
      const { healthy, hosts } = statusOf(r);
      expect(healthy).toBe(false);
      expect(hosts['web-02']).toMatchObject({ healthy: false, replication: { running: false } });
      expect(hosts['web-02']!.problems).toEqual([expect.stringMatching(/^replication is not running \(IO thread No, SQL thread No/)]);
      expect(hosts['lb-01']!.healthy).toBe(true);
      expect(hosts['web-01']!.healthy).toBe(true);
      expect(table.code).toBe(1);
      expect(table.stdout.split('\n')[1]).toMatch(/^web-02 +PROBLEM /);
      expect(table.stdout).toContain('PROBLEM web-02: replication is not running');
    } finally {
      await labRun('web-02', 'mariadb -e "START SLAVE"');
    }
    let again = await run('status', INV, '--json', '--limit', 'web-02');
    for (let i = 0; i < 20 && again.code !== 0; i++) {
      await sleep(500);
      again = await run('status', INV, '--json', '--limit', 'web-02');
    }
    expect(again.code, again.stdout).toBe(0);
  });

  it('the status page goes in even while the load balancer\'s site is broken for now (its certificate gone)', async () => {
    await labRun('lb-01', 'rm -f /etc/nginx/sites-enabled/provision-status.conf /etc/provision/tls/www.foobar.com/fullchain.pem /etc/provision/tls/www.foobar.com/privkey.pem');
    const apply = await run('apply', INV, '--limit', 'lb-01');
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect(await labRun('lb-01', 'curl -fsS http://127.0.0.1:8081/nginx_status')).toMatch(/^Active connections: \d+/);
  });

  describe('a certificate near expiry', () => {
    beforeAll(async () => {
      // Ten-minute certificates from Pebble, and one ordered now for lb-01.
      await pebbleStart({ validitySeconds: 600 });
      const renew = await run('renew', INV, '--limit', 'lb-01', '--force');
      expect(renew.code, renew.stdout + renew.stderr).toBe(0);
    });

    afterAll(async () => {
      // Pebble back with its defaults, and lb-01 left with a long-lived certificate for later tests.
      await pebbleStart();
      const renew = await run('renew', INV, '--limit', 'lb-01', '--force');
      expect(renew.code, renew.stdout + renew.stderr).toBe(0);
    });

    it('is a problem with the default thresholds (0 days left), and a warning when critical is lower', async () => {
      // nginx's reload returns before its new workers take over.
      let r = await run('status', INV, '--json', '--limit', 'lb-01');
      for (let i = 0; i < 10 && statusOf(r).hosts['lb-01']!.certificates?.[0]?.days_left !== 0; i++) {
        await sleep(300);
        r = await run('status', INV, '--json', '--limit', 'lb-01');
      }
      expect(r.code).toBe(1);
      const lb = statusOf(r).hosts['lb-01']!;
      expect(lb.certificates).toEqual([expect.objectContaining({ name: 'www.foobar.com', days_left: 0 })]);
      expect(lb.problems).toEqual([expect.stringMatching(/^certificate www\.foobar\.com expires .* \(0 days left, critical below 7\)$/)]);

      // Both readings at once: they only read.
      const lower = ['--limit', 'lb-01', '-e', '{"status_certificate_critical_days": 0}'];
      const [lowered, table] = await Promise.all([run('status', INV, '--json', ...lower), run('status', INV, ...lower)]);
      expect(lowered.code, lowered.stdout).toBe(0);
      const warned = statusOf(lowered).hosts['lb-01']!;
      expect(warned).toMatchObject({ healthy: true, problems: [] });
      expect(warned.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^certificate www\.foobar\.com expires .* \(0 days left, warning below 21\)$/)]));
      expect(table.stdout).toMatch(/warning lb-01: certificate www\.foobar\.com expires/);
    });
  });
});
