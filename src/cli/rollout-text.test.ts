import { describe, expect, it } from 'vitest';
import type { HostResult, HostRollout } from '../engine/results.js';
import { formatRecap, jsonReport } from './recap.js';
import { formatRolloutPlan, rolloutEventLine, rolloutRecapLines } from './rollout-text.js';

const rollout = (over: Partial<HostRollout>): HostRollout => ({ set: 'group app', batch: 1, batches: 3, serial: '1', drained: [], foundDrained: [], health: ['http://127.0.0.1/health answers 200 within 60 s'], leftDrained: [], ...over });
const host = (name: string, over: Partial<HostResult> = {}): HostResult => ({ name, ok: 5, changed: 0, unknown: 0, failed: 0, skipped: 0, unreachable: false, results: [], elapsedMs: 10, ...over });

describe('formatRolloutPlan', () => {
  it('lists hosts that do not roll, then each batch with its steps', () => {
    const text = formatRolloutPlan([
      host('lb-01', { changed: 1 }),
      host('web-01', { changed: 2, rollout: rollout({ drained: ['lb-01'] }) }),
      host('web-02', { rollout: rollout({ batch: 2, foundDrained: ['lb-01'], atOnce: 'out of lb-01 since an earlier run' }) }),
      host('web-3', { rollout: rollout({ batch: 3 }) }),
    ]);
    expect(text).toBe(
      [
        'ROLLOUT (what apply would do, in this order; a failed batch stops the rest)',
        '  first, all at once: lb-01',
        '  then group app, serial 1:',
        '    batch 1/3  web-01  out of lb-01 → change → wait until http://127.0.0.1/health answers 200 within 60 s → back into lb-01',
        '    batch 2/3  web-02  at once, not waiting for its batch: out of lb-01 (left so by an earlier run) → wait until http://127.0.0.1/health answers 200 within 60 s → back into lb-01',
        '    batch 3/3  web-3   no change: stays in service',
      ].join('\n'),
    );
  });

  it.each<[string, Partial<HostResult>, string]>([
    ['in place', { changed: 1, rollout: rollout({ notDrained: 'every host lb-01 routes to is in this batch, so none is taken out' }) }, 'change in place → wait until http://127.0.0.1/health answers 200 within 60 s (every host lb-01 routes to is in this batch, so none is taken out)'],
    ['not behind a load balancer', { changed: 1, rollout: rollout({}) }, 'change (no load balancer routes to it) → wait until http://127.0.0.1/health answers 200 within 60 s'],
    ['nothing that interrupts serving', { changed: 1, rollout: rollout({ health: [] }) }, 'change (nothing that interrupts serving): stays in service'],
    ['unreachable', { unreachable: true, error: 'timed out', rollout: rollout({}) }, 'cannot tell: timed out'],
    ['not read (Ctrl-C before its turn)', { ok: 0, notAttempted: 'the run was interrupted', rollout: rollout({}) }, 'not read: the run was interrupted'],
    ['out by its note, changing what it serves', { changed: 1, rollout: rollout({ foundDrained: ['lb-01'], drained: ['lb-01'] }) }, 'out of lb-01 (left so by an earlier run; taken out again before the change) → change → wait until http://127.0.0.1/health answers 200 within 60 s → back into lb-01'],
  ])('%s', (_, over, steps) => {
    expect(formatRolloutPlan([host('w', over)])!.split('\n').pop()).toBe(`    batch 1/3  w  ${steps}`);
  });

  it('nothing when no host rolls', () => {
    expect(formatRolloutPlan([host('lb-01')])).toBeUndefined();
  });
});

describe('the recap of a rollout', () => {
  const hosts = [
    host('web-01', { failed: 1, error: 'health check http://127.0.0.1/health did not answer 200 within 60 s (last: status 502)', rollout: rollout({ drained: ['lb-01'], healthy: false, healthDetail: 'health check failed', leftDrained: [{ balancer: 'lb-01', undrain: 'undrain-it web-01' }] }) }),
    host('web-02', { ok: 0, notAttempted: 'the rollout stopped after batch 1/3 of group app, where web-01 failed', rollout: rollout({ batch: 2 }) }),
  ];

  it('names the hosts left out of a load balancer and how to put them back, and the hosts not attempted', () => {
    expect(rolloutRecapLines(hosts)).toEqual([
      'DRAINED web-01: still out of lb-01 (health check failed); the next provision apply puts it back once it is healthy, or by hand on lb-01: undrain-it web-01',
      'NOT ATTEMPTED web-02: the rollout stopped after batch 1/3 of group app, where web-01 failed',
    ]);
    expect(formatRecap(hosts, false).split('\n').slice(0, 3)).toEqual(['RECAP', 'web-01 : ok=5    changed=0    unreachable=0    failed=1', 'web-02 : not attempted']);
  });

  it('--json has each host\'s rollout', () => {
    const report = jsonReport(hosts, false) as { hosts: Record<string, Record<string, unknown>> };
    expect(report.hosts['web-02']).toMatchObject({ not_attempted: 'the rollout stopped after batch 1/3 of group app, where web-01 failed', rollout: { batch: 2, drained: [] } });
    expect(report.hosts['web-01']!.rollout).toMatchObject({ healthy: false, left_drained: [{ balancer: 'lb-01', undrain: 'undrain-it web-01' }] });
    const resumed = jsonReport([host('web-02', { rollout: rollout({ foundDrained: ['lb-01'], atOnce: 'out of lb-01 since an earlier run' }) })], true) as { hosts: Record<string, { rollout: object }> };
    expect(resumed.hosts['web-02']!.rollout).toMatchObject({ found_drained: ['lb-01'], at_once: 'out of lb-01 since an earlier run' });
  });

  it('live lines for batches and steps', () => {
    expect(rolloutEventLine({ kind: 'batch', set: 'group app', batch: 1, batches: 2, hosts: ['web-01'] })).toBe('== group app: batch 1/2: web-01');
    expect(rolloutEventLine({ kind: 'rollout', host: 'web-01', step: 'health', ok: false, message: 'no' })).toBe('web-01 | health failed | no');
  });
});
