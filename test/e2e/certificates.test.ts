/**
 * Let's Encrypt certificates on the lab, with Pebble as the ACME server: lb-01
 * only (--limit lb-01), and its own control-node state directory (account key,
 * backoff files), so other tests' state is not touched.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_ADDRESSES, labExec, PEBBLE_CA_FILE, PEBBLE_DIRECTORY_URL, PEBBLE_ROOTS_URL, pebbleStart, pebbleStop } from '../lab/lab.js';
import { provision, report } from './cli.js';

const INV = 'inventory/lab.yaml';
const LB = LAB_ADDRESSES['lb-01'];
const DOMAIN = 'www.foobar.com';
const TLS_DIR = `/etc/provision/tls/${DOMAIN}`;
const CERTIFICATE = `certificate ${DOMAIN}`;
const stateDir = mkdtempSync(join(tmpdir(), 'provision-certificates-e2e-'));
const run = (...args: string[]) => provision(args, { env: { PROVISION_STATE_DIR: stateDir } });

/** Pebble's issuing root (a new one at every Pebble start), fetched over HTTPS trusting the lab's CA. */
function pebbleRoot(): Promise<string> {
  return new Promise((resolve, reject) => {
    get(PEBBLE_ROOTS_URL, { ca: readFileSync(PEBBLE_CA_FILE, 'utf8'), timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`roots: HTTP ${res.statusCode}`))));
    }).on('error', reject);
  });
}

/** What lb-01 serves on 443 for www.foobar.com: serial, validity, and whether it verifies against `root` (name included). */
interface Served {
  serial: string;
  validFrom: Date;
  validTo: Date;
  names: string;
  authorized: boolean;
  authorizationError?: string;
}

function served(root?: string): Promise<Served> {
  return new Promise((resolve, reject) => {
    // Verification is read from `authorized`, so that a test can also look at a certificate that does not verify.
    const socket = connect({ host: LB, port: 443, servername: DOMAIN, ca: root ? [root] : undefined, rejectUnauthorized: false, timeout: 5000 }, () => {
      const cert = socket.getPeerCertificate();
      resolve({
        serial: cert.serialNumber,
        validFrom: new Date(cert.valid_from),
        validTo: new Date(cert.valid_to),
        names: cert.subjectaltname ?? '',
        authorized: socket.authorized,
        authorizationError: socket.authorizationError?.toString(),
      });
      socket.end();
    });
    socket.on('timeout', () => socket.destroy(new Error('TLS connection to lb-01:443 timed out')));
    socket.on('error', reject);
  });
}

/** What lb-01 serves once `done` holds, or after 5 s: nginx reloads gracefully, old workers may answer for a moment. */
async function servedOnceReloaded(root: string, done: (c: Served) => boolean): Promise<Served> {
  let current = await served(root);
  for (const deadline = Date.now() + 5000; !done(current) && Date.now() < deadline; current = await served(root)) await sleep(100);
  return current;
}

const onLb = async (command: string): Promise<string> => {
  const r = await labExec('lb-01', command);
  if (r.code !== 0) throw new Error(`lb-01: ${command} failed (${r.code}): ${r.stdout}${r.stderr}`);
  return r.stdout;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Let\'s Encrypt certificates (Pebble) on lb-01', () => {
  beforeAll(async () => {
    await pebbleStart();
    // Start from "no certificate deployed" whatever ran before: apply makes the placeholder, then orders.
    await onLb(`rm -f ${TLS_DIR}/fullchain.pem ${TLS_DIR}/privkey.pem`);
  });

  afterAll(async () => {
    // Pebble back with its defaults, and lb-01 left with a long-lived certificate for later tests.
    await pebbleStart();
    rmSync(join(stateDir, 'acme'), { recursive: true, force: true });
    await run('renew', INV, '--limit', 'lb-01', '--force');
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('a first apply issues a certificate that https://www.foobar.com serves, verified against Pebble\'s root', async () => {
    const apply = await run('apply', INV, '--limit', 'lb-01', '--json');
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect(apply.stdout + apply.stderr).not.toContain('PRIVATE KEY');
    const cert = report(apply).results.find((r) => r.resource === CERTIFICATE);
    expect(cert).toMatchObject({ status: 'changed' });
    expect(JSON.stringify(cert)).toContain('issue: no certificate deployed');

    const site = await servedOnceReloaded(await pebbleRoot(), (c) => c.authorized);
    expect(site.authorizationError).toBeUndefined();
    expect(site.authorized).toBe(true);
    expect(site.names).toContain(`DNS:${DOMAIN}`);
    expect((await onLb(`stat -c '%a %U' ${TLS_DIR}/privkey.pem`)).trim()).toBe('600 root');
    // Challenge files are removed; the account key stays on the control node, private.
    expect((await onLb('ls -A /var/www/acme/.well-known/acme-challenge/')).trim()).toBe('');
    const accountKeys = readdirSync(join(stateDir, 'acme')).filter((f) => f.startsWith('account-'));
    expect(accountKeys.map((f) => statSync(join(stateDir, 'acme', f)).mode & 0o777)).toEqual([0o600]);
  });

  it('a second apply does not order again', async () => {
    const before = await served();
    const apply = report(await run('apply', INV, '--limit', 'lb-01', '--json'));
    expect(apply.hosts['lb-01']).toMatchObject({ changed: 0, failed: 0 });
    expect(apply.results.find((r) => r.resource === CERTIFICATE)).toMatchObject({ status: 'ok' });
    expect((await served()).serial).toBe(before.serial);
  });

  it('plan says when certbot renews the same name; apply refuses unless acme_take_over_certbot', async () => {
    const before = await served();
    await onLb(`mkdir -p /etc/letsencrypt/renewal && echo '# certbot' >/etc/letsencrypt/renewal/${DOMAIN}.conf && echo '0 */12 * * * root certbot -q renew' >/etc/cron.d/certbot`);
    try {
      const plan = await run('plan', INV, '--limit', 'lb-01');
      expect(plan.stdout).toContain(`certbot renews ${DOMAIN} on this host (/etc/letsencrypt/renewal/${DOMAIN}.conf)`);
      const refused = await run('apply', INV, '--limit', 'lb-01');
      expect(refused.code).toBe(1);
      expect(refused.stdout).toContain('apply refuses to fight it');
      const taken = await run('apply', INV, '--limit', 'lb-01', '-e', 'acme_take_over_certbot=true');
      expect(taken.code, taken.stdout + taken.stderr).toBe(0);
      expect(await onLb('ls /etc/letsencrypt/renewal/')).toBe(`${DOMAIN}.conf.provision-disabled\n`);
      expect((await served()).serial).toBe(before.serial);
    } finally {
      await onLb('rm -rf /etc/letsencrypt /etc/cron.d/certbot');
    }
  });

  it('with short certificates, renew renews in the last third of the lifetime while nginx keeps answering', async () => {
    await pebbleStart({ validitySeconds: 30 });
    const forced = await run('renew', INV, '--limit', 'lb-01', '--force');
    expect(forced.code, forced.stdout + forced.stderr).toBe(0);
    expect(forced.stdout).toContain(`lb-01 ${CERTIFICATE}: done (renew:`);
    // nginx's reload returns before its new workers take over: give them a moment.
    const short = await servedOnceReloaded(await pebbleRoot(), (c) => c.authorized);
    expect(short.authorized).toBe(true);

    // Not due yet: silent, nothing changes.
    const early = await run('renew', INV, '--limit', 'lb-01');
    expect({ code: early.code, stdout: early.stdout, stderr: early.stderr }).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await served()).serial).toBe(short.serial);

    const lifetime = short.validTo.getTime() - short.validFrom.getTime();
    await sleep(Math.max(0, short.validTo.getTime() - lifetime / 3 - Date.now()) + 2000);
    const plan = await run('plan', INV, '--limit', 'lb-01');
    expect(plan.stdout).toMatch(/renew: valid until \S+Z \(lifetime \d+ s\); due since \S+Z/);

    let answered = 0;
    const failures: string[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        await served().then(
          () => answered++,
          (err: Error) => failures.push(err.message),
        );
        await sleep(100);
      }
    })();
    const renew = await run('renew', INV, '--limit', 'lb-01');
    polling = false;
    await poller;
    expect(renew.code, renew.stdout + renew.stderr).toBe(0);
    // Due, or already expired when the machine is so loaded that the 10 s between the plan and this renew ran out.
    expect(renew.stdout).toMatch(/due since|the deployed certificate expired at/);
    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThan(0);
    const renewed = await servedOnceReloaded(await pebbleRoot(), (c) => c.serial !== short.serial);
    expect(renewed.serial).not.toBe(short.serial);
    expect(renewed.authorized).toBe(true);
  });

  it('with Pebble stopped, renew --force fails with the real cause, backs off, and the old certificate is still served', async () => {
    const before = await served();
    await pebbleStop();
    const failed = await run('renew', INV, '--limit', 'lb-01', '--force');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(`error: lb-01 ${CERTIFICATE}: renewal failed: cannot reach the ACME server ${PEBBLE_DIRECTORY_URL}: connection refused (ECONNREFUSED)`);
    expect(failed.stderr).not.toContain("reading 'config'");
    expect((await served()).serial).toBe(before.serial);

    const again = await run('renew', INV, '--limit', 'lb-01', '--force');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/not ordering: the last order failed at .*; backing off until /);
    expect((await served()).serial).toBe(before.serial);
  });
});
