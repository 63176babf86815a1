import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
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
});
