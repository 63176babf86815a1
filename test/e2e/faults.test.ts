import { beforeAll, describe, expect, it } from 'vitest';
import { labRun } from '../lab/lab.js';
import { provision } from './cli.js';

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
});
