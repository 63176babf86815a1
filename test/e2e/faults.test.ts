import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labRun, labStart, labStop } from '../lab/lab.js';
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
    expect(await labRun('lb-01', 'cat /var/tmp/provision-slow.log')).toBe('start\nend\nstart\nend\n');
    expect(Date.now() - started).toBeGreaterThanOrEqual(6000);
  });

  it('Ctrl-C lets the running step finish, prints the recap and exits 130; the next apply converges', async () => {
    await labRun('lb-01', 'rm -f /var/tmp/provision-slow.log');
    const run = await provision(['apply', INV, '--limit', 'lb-01', '-e', 'slow=true'], { onSpawn: (child) => setTimeout(() => child.kill('SIGINT'), 1500) });
    expect(run.code).toBe(130);
    expect(run.stderr).toContain('interrupted: letting running steps finish');
    expect(run.stdout).toMatch(/^RECAP$/m);
    expect(await labRun('lb-01', 'cat /var/tmp/provision-slow.log')).toBe('start\nend\n');
    expect((await provision(['apply', INV, '--limit', 'lb-01'])).code).toBe(0);
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
    expect(JSON.parse(readFileSync(planFile, 'utf8')).hosts['lb-01'].map((c: { resource: string }) => c.resource)).toEqual(['file /etc/motd']);
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
