import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAB_KNOWN_HOSTS, LAB_SSH_KEY, labRun, labStart, labStop } from '../lab/lab.js';
import { provision, report } from './cli.js';

const INV = 'test/fixtures/project/inventory.yaml';

describe('faults', () => {
  beforeAll(async () => {
    const run = await provision(['apply', INV, '--limit', 'lb-01']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
  });

  it('two applies at once on the same host: the second waits for the first, their steps never interleave', async () => {
    await labRun('lb-01', 'rm -f /var/tmp/provision-slow.log');
    const started = Date.now();
    const [a, b] = await Promise.all([
      provision(['apply', INV, '--limit', 'lb-01', '-e', 'slow=true']),
      provision(['apply', INV, '--limit', 'lb-01', '-e', 'slow=true']),
    ]);
    expect(a.code, a.stdout).toBe(0);
    expect(b.code, b.stdout).toBe(0);
    expect(await labRun('lb-01', 'cat /var/tmp/provision-slow.log')).toBe('start\nend\nafter\nstart\nend\nafter\n');
    expect(Date.now() - started).toBeGreaterThanOrEqual(6000);
  });

  it('Ctrl-C lets the running step finish, stops before the next one, prints the recap and exits 130; the next apply converges', async () => {
    await labRun('lb-01', 'rm -f /var/tmp/provision-slow.log');
    // Ctrl-C once the slow step has begun on the host (a fixed delay came too early on a loaded machine).
    const slowStepBegun = () =>
      labRun('lb-01', 'for i in $(seq 1 1200); do grep -qs start /var/tmp/provision-slow.log && exit 0; sleep 0.05; done; exit 1');
    const run = await provision(['apply', INV, '--limit', 'lb-01', '-e', 'slow=true'], {
      onSpawn: (child) => void slowStepBegun().then(
        () => child.kill('SIGINT'),
        () => child.kill('SIGKILL'), // never began: the exit code fails the test
      ),
    });
    expect(run.code).toBe(130);
    expect(run.stderr).toContain('interrupted: each host finishes the step it is running, then stops');
    expect(run.stdout).toMatch(/^RECAP$/m);
    expect(run.stdout).toMatch(/skipped.*after the slow step|after the slow step.*skipped/);
    // The slow step ran to its end; the step after it never started.
    expect(await labRun('lb-01', 'cat /var/tmp/provision-slow.log')).toBe('start\nend\n');
    expect(await labRun('lb-01', 'flock -n /run/provision.lock true && echo free || echo locked')).toBe('free\n');
    expect((await provision(['apply', INV, '--limit', 'lb-01'])).code).toBe(0);
  });

  it('a connection dropped while a file is uploaded leaves the old file whole; the next apply converges', async () => {
    const project = mkdtempSync(join(tmpdir(), 'provision-upload-'));
    mkdirSync(join(project, 'roles', 'big', 'templates'), { recursive: true });
    writeFileSync(join(project, 'roles', 'big', 'role.yaml'), 'resources:\n  - file: { path: /var/tmp/provision-big.txt, template: big.txt }\n');
    writeFileSync(
      join(project, 'inventory.yaml'),
      `all:\n  vars: { ssh_private_key_file: ${LAB_SSH_KEY}, ssh_known_hosts_file: ${LAB_KNOWN_HOSTS} }\n  roles: [big]\n  hosts:\n    lb-01: { address: 10.77.0.11 }\n`,
    );
    const inventory = join(project, 'inventory.yaml');
    const template = join(project, 'roles', 'big', 'templates', 'big.txt');
    writeFileSync(template, 'old content\n');
    expect((await provision(['apply', inventory])).code).toBe(0);
    // About 40 MB of script to send: the upload takes a while, the connection drops in its middle.
    writeFileSync(template, `${'new content, a long line of it. '.repeat(30)}\n`.repeat(30_000));
    const dropped = provision(['apply', inventory]);
    // On the host: once the apply holds the host's lock it is reading the file's step; end its SSH session (by pid).
    const killed = await labRun(
      'lb-01',
      `for i in $(seq 1 600); do flock -n /run/provision.lock true || break; sleep 0.02; done
shell=$(pgrep -x -f 'sh -s' | head -n 1)
session=$(ps -o ppid= -p "$shell" | tr -d ' ')
kill "$session" && echo "killed sshd session $session"`,
    );
    expect(killed).toMatch(/^killed sshd session \d+\n$/);
    const run = await dropped;
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/lb-01 +: .*unreachable=1/);
    expect(await labRun('lb-01', 'cat /var/tmp/provision-big.txt; ls -a /var/tmp | grep -c "^\\.provision\\." || true')).toBe('old content\n0\n');
    // The lock went with the killed session: the next apply does not wait for it (the wait is 60 s).
    const rerun = Date.now();
    expect((await provision(['apply', inventory])).code).toBe(0);
    expect(Date.now() - rerun).toBeLessThan(30_000);
    expect(await labRun('lb-01', 'sha256sum < /var/tmp/provision-big.txt | cut -d" " -f1')).toBe(`${createHash('sha256').update(readFileSync(template)).digest('hex')}\n`);
    await labRun('lb-01', 'rm -f /var/tmp/provision-big.txt');
  });

  it('hosts that did not succeed go to a retry file, and --limit @FILE runs only them', async () => {
    const retryFile = 'test/fixtures/project/inventory.retry';
    await labStop('web-01');
    try {
      const run = await provision(['apply', INV, '--limit', 'lb-01,web-01']);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(`--limit @${retryFile}`);
      expect(readFileSync(retryFile, 'utf8')).toBe('web-01\n');
    } finally {
      await labStart('web-01');
    }
    const retried = report(await provision(['apply', INV, '--limit', `@${retryFile}`, '--json']));
    expect(Object.keys(retried.hosts)).toEqual(['web-01']);
    expect(retried.hosts['web-01']).toMatchObject({ failed: 0, unreachable: false });
    expect(existsSync(retryFile)).toBe(true);
  });

  it('apply --plan applies exactly a saved plan, and refuses a stale one without changing anything', async () => {
    const planFile = join(mkdtempSync(join(tmpdir(), 'provision-plan-')), 'plan.json');
    await labRun('lb-01', 'echo drift >> /etc/motd');
    expect((await provision(['plan', INV, '--limit', 'lb-01', '--out', planFile])).code).toBe(0);
    const saved = JSON.parse(readFileSync(planFile, 'utf8')).hosts['lb-01'] as Array<{ resource: string; status: string }>;
    // Every resource, with what plan said of it: only the motd will change.
    expect(saved.filter((c) => c.status !== 'ok').map((c) => c.resource)).toEqual(['file /etc/motd']);
    expect(saved.length).toBeGreaterThan(5);
    await labRun('lb-01', 'chmod 0600 /etc/motd');
    const stale = await provision(['apply', INV, '--limit', 'lb-01', '--plan', planFile]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain(`error: refusing to apply ${planFile}, nothing was changed:\n  lb-01: the plan is stale: what would change differs for file /etc/motd; make a new plan`);
    expect(await labRun('lb-01', 'tail -n1 /etc/motd; stat -c %a /etc/motd')).toBe('drift\n600\n');
    expect((await provision(['plan', INV, '--limit', 'lb-01', '--out', planFile])).code).toBe(0);
    const fresh = await provision(['apply', INV, '--limit', 'lb-01', '--plan', planFile]);
    expect(fresh.code, fresh.stdout + fresh.stderr).toBe(0);
    expect(await labRun('lb-01', 'tail -n1 /etc/motd; stat -c %a /etc/motd')).toBe('lb-01 is managed by provision\n644\n');
  });
});
