import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LAB_HOSTS, fingerprint, labExec, labRun, labReset, labStart, labStop } from '../lab/lab.js';
import { TEST_SECRET, provision, report, type JsonReport } from './cli.js';

const INV = 'test/fixtures/project/inventory.yaml';

/** host|resource of every result that changed (or would change). */
const changedSet = (r: JsonReport): string[] => r.results.filter((x) => x.changed).map((x) => `${x.host}|${x.resource}`).sort();

const onHost = labRun;

describe('the engine on three fresh lab hosts', () => {
  beforeAll(async () => {
    await labReset();
  });

  it('--check changes nothing on any host', async () => {
    const before = await Promise.all(LAB_HOSTS.map(fingerprint));
    const run = await provision(['apply', INV, '--check', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const r = report(run);
    for (const host of LAB_HOSTS) expect(r.hosts[host]).toMatchObject({ failed: 0, unreachable: false });
    for (const host of LAB_HOSTS) expect(r.hosts[host]!.changed).toBeGreaterThan(5);
    const plan = await provision(['plan', INV, '--detailed-exitcode']);
    expect(plan.code, plan.stderr).toBe(3);
    expect(plan.stdout).toContain('+web-01 is managed by provision');
    expect(plan.stdout).not.toContain(TEST_SECRET);
    expect(await Promise.all(LAB_HOSTS.map(fingerprint))).toEqual(before);
  });

  it('a first apply changes only what plan said, and never shows the secret', async () => {
    const planned = report(await provision(['plan', INV, '--json']));
    const run = await provision(['apply', INV, '--json']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const applied = report(run);
    // Packages are installed first and what follows is read again: plan decided it as apply then finds it
    // (cron's package enables and starts it, so the service is in state).
    expect(changedSet(applied)).toEqual(changedSet(planned));
    expect(planned.results.filter((r) => r.resource === 'service cron').map((r) => r.status)).toEqual(LAB_HOSTS.map(() => 'ok'));
    expect(planned.results.filter((r) => r.status === 'unknown')).toEqual([]);
    expect(run.stdout + run.stderr).not.toContain(TEST_SECRET);
    expect(JSON.stringify(planned)).not.toContain(TEST_SECRET);

    expect(await onHost('web-02', 'stat -c %U:%G:%a /srv/app/secret.env')).toBe('root:root:600\n');
    expect(await onHost('web-02', 'cat /srv/app/secret.env')).toBe(`DB_PASSWORD=${TEST_SECRET}\n`);
    expect(await onHost('web-01', 'stat -c %U:%G:%a /srv/app /srv/app/config.ini')).toBe('appsvc:appsvc:750\nappsvc:appsvc:640\n');
    expect(await onHost('web-01', 'cat /srv/app/config.ini')).toContain('peer = web-02');
    expect(await onHost('lb-01', 'systemctl is-active cron; systemctl is-enabled cron')).toBe('active\nenabled\n');
    expect(await onHost('lb-01', 'grep -x GREETING=hello /etc/default/provision-test')).toBe('GREETING=hello\n');
    expect(await onHost('web-01', 'cat /etc/provision-app-host')).toBe('app\n');
    expect((await labExec('lb-01', 'test -e /etc/provision-app-host')).code).toBe(1);
  });

  it('a second apply changes nothing, with one remote call per host', async () => {
    const r = report(await provision(['apply', INV, '--json']));
    for (const host of LAB_HOSTS) {
      expect(r.hosts[host]).toMatchObject({ changed: 0, failed: 0, unreachable: false });
      expect(r.hosts[host]!.transport?.execs).toBe(1);
    }
  });

  it('plan shows hand edits as a diff, and apply changes exactly what plan said', async () => {
    await onHost('web-01', "echo 'hand edit' >> /etc/motd; chmod 0600 /etc/motd; systemctl stop cron; rm /etc/default/provision-test");
    const plan = await provision(['plan', INV, '--limit', 'web-01']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/^\s+-hand edit$/m);
    expect(plan.stdout).toContain('0600 → 0644');
    expect(plan.stdout).toContain('state: inactive → started');
    const planned = report(await provision(['plan', INV, '--limit', 'web-01', '--json']));
    const run = report(await provision(['apply', INV, '--limit', 'web-01', '--json']));
    expect(changedSet(run)).toEqual(changedSet(planned));
    expect(changedSet(run)).toEqual(['web-01|file /etc/motd', 'web-01|line /etc/default/provision-test', 'web-01|restart cron', 'web-01|service cron'].sort());
    expect(await onHost('web-01', 'cat /etc/motd; stat -c %a /etc/motd')).toBe('web-01 is managed by provision\n644\n');
  });

  it('--limit touches only the selected host', async () => {
    for (const host of ['web-01', 'web-02']) await onHost(host, "echo 'hand edit' >> /etc/motd");
    const run = report(await provision(['apply', INV, '--limit', 'web-02', '--json']));
    expect(Object.keys(run.hosts)).toEqual(['web-02']);
    expect(await onHost('web-01', 'tail -n1 /etc/motd')).toBe('hand edit\n');
    expect(await onHost('web-02', 'tail -n1 /etc/motd')).toBe('web-02 is managed by provision\n');
    const unmatched = await provision(['apply', INV, '--limit', 'web-99']);
    expect(unmatched.code).toBe(2);
    expect(unmatched.stderr).toContain("'web-99' matches no host");
    await provision(['apply', INV, '--limit', 'web-01']);
  });

  it('exec runs a command on the selected hosts, as root with become', async () => {
    const run = await provision(['exec', INV, '--', 'hostname']);
    expect(run.code, run.stderr).toBe(0);
    for (const host of LAB_HOSTS) expect(run.stdout).toContain(`${host} | ok\n${host}`);
    const become = await provision(['exec', INV, '--limit', 'web-02', '--', 'id -un; echo $SUDO_USER']);
    expect(become.stdout).toBe('web-02 | ok\nroot\ndeploy\n');
    const failing = await provision(['exec', INV, '--limit', 'lb-01', '--', 'echo oops >&2; exit 4']);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toBe('lb-01 | FAILED rc=4\noops\n');
  });

  it('a host that dies mid-run stops only itself: exit 1 names it, the others converge, the next apply repairs it', async () => {
    let stopped: Promise<void> | undefined;
    const started = Date.now();
    const timer = setTimeout(() => (stopped = labStop('web-01')), 1500);
    const run = await provision(['apply', INV, '-e', 'slow=true']);
    clearTimeout(timer);
    await stopped;
    expect(stopped, 'web-01 was stopped during the run').toBeDefined();
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^UNREACHABLE web-01: /m);
    expect(run.stdout).toMatch(/^lb-01 +: ok=\d+ +changed=2 +unreachable=0 +failed=0$/m);
    expect(run.stdout).toMatch(/^web-02 +: ok=\d+ +changed=2 +unreachable=0 +failed=0$/m);
    const after = report(await provision(['apply', INV, '--json']));
    expect(after.hosts['web-01']).toMatchObject({ unreachable: true });
    expect(after.hosts['lb-01']).toMatchObject({ changed: 0, failed: 0 });
    await labStart('web-01');
    const repaired = await provision(['apply', INV, '--json']);
    expect(repaired.code, repaired.stdout).toBe(0);
  });
});

describe('connection safety', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provision-e2e-'));

  it('refuses an unknown host key unless told to accept it, and records it', async () => {
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, '');
    const refused = await provision(['apply', INV, '--check', '--limit', 'lb-01', '-e', `ssh_known_hosts_file=${knownHosts}`]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/UNREACHABLE lb-01: host key for 10\.77\.0\.11 is not known \(fingerprint SHA256:[A-Za-z0-9+/]{43}\)/);
    const accepted = await provision(['apply', INV, '--check', '--limit', 'lb-01', '--accept-new-host-keys', '-e', `ssh_known_hosts_file=${knownHosts}`]);
    expect(accepted.code, accepted.stdout).toBe(0);
    expect(accepted.stdout).toContain('trusted new host key SHA256:');
    expect(readFileSync(knownHosts, 'utf8')).toMatch(/^10\.77\.0\.11 ssh-ed25519 /);
  });

  it('refuses a changed host key even with --accept-new-host-keys', async () => {
    const knownHosts = join(dir, 'known_hosts_wrong');
    writeFileSync(knownHosts, `10.77.0.11 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEsuPDF0bF6MHq5HzHwJ4vGz0F1n0r5xq4m5lO6fX8a7\n`);
    const run = await provision(['exec', INV, '--limit', 'lb-01', '--accept-new-host-keys', '-e', `ssh_known_hosts_file=${knownHosts}`, '--', 'true']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('HOST KEY CHANGED for 10.77.0.11');
  });

  it('says clearly when become needs a sudo password', async () => {
    await onHost('web-02', 'id askpw >/dev/null 2>&1 || useradd -m -s /bin/sh askpw; install -d -o askpw -m 700 /home/askpw/.ssh; install -o askpw -m 600 /home/deploy/.ssh/authorized_keys /home/askpw/.ssh/; echo "askpw ALL=(ALL) ALL" > /etc/sudoers.d/askpw');
    const run = await provision(['exec', INV, '--limit', 'web-02', '-e', 'user=askpw', '--', 'true']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('sudo asks for a password');
  });

  it('reports a bad inventory before contacting any host', async () => {
    const inventory = join(dir, 'bad.yaml');
    writeFileSync(inventory, 'all:\n  children:\n    web:\n      roles: [evrything]\n      hosts:\n        h1: { address: 10.77.0.11 }\n');
    const started = Date.now();
    const run = await provision(['apply', inventory, '--roles-path', 'test/fixtures/project/roles']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^error: ${inventory}:4:15: role 'evrything' not found; did you mean 'everything'\\? \\(looked in `));
    expect(run.stdout).toBe('');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
