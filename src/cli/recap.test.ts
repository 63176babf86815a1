import { describe, expect, it } from 'vitest';
import type { HostResult } from '../engine/results.js';
import { formatRecap, jsonReport } from './recap.js';

const host = (over: Partial<HostResult>): HostResult => ({ name: 'h', ok: 0, changed: 0, unknown: 0, failed: 0, skipped: 0, unreachable: false, results: [], elapsedMs: 10, ...over });

const HOSTS = [
  host({
    name: 'lb-01',
    ok: 3,
    changed: 1,
    results: [
      { host: 'lb-01', role: 'web', resource: 'file /etc/motd', status: 'changed', changes: [{ summary: 'content', diff: '--- a\n+++ b\n-x\n+y\n' }, { summary: 'mode 0644 → 0600' }], handler: false },
      { host: 'lb-01', role: 'web', resource: 'package nginx', status: 'ok', changes: [], handler: false },
    ],
  }),
  host({ name: 'web-01', unreachable: true, error: 'connection refused' }),
  host({ name: 'web-02', ok: 1, failed: 1, error: 'service nginx: exit 1' }),
];

describe('formatRecap', () => {
  it('aligns one line per host and explains failures', () => {
    expect(formatRecap(HOSTS, false)).toBe(
      [
        'RECAP',
        'lb-01  : ok=3    changed=1    unreachable=0    failed=0',
        'web-01 : ok=0    changed=0    unreachable=1    failed=0',
        'web-02 : ok=1    changed=0    unreachable=0    failed=1',
        'UNREACHABLE web-01: connection refused',
        'FAILED web-02: service nginx: exit 1',
      ].join('\n'),
    );
  });

  it('says so in check mode', () => {
    expect(formatRecap([{ ...HOSTS[0]!, unknown: 2 }], true).split('\n')).toEqual(['RECAP (check mode: nothing was changed)', 'lb-01 : to change=1    in state=3    decided at apply=2    unreachable=0    failed=0']);
  });
});

describe('jsonReport', () => {
  it('has per-host counts and per-resource diffs', () => {
    const report = jsonReport(HOSTS, false) as { hosts: Record<string, unknown>; results: Array<Record<string, unknown>> };
    expect(report.hosts['lb-01']).toMatchObject({ ok: 3, changed: 1, failed: 0, unreachable: false });
    expect(report.hosts['web-01']).toMatchObject({ unreachable: true, error: 'connection refused' });
    expect(report.results[0]).toEqual({
      host: 'lb-01',
      role: 'web',
      resource: 'file /etc/motd',
      status: 'changed',
      changed: true,
      handler: false,
      changes: ['content', 'mode 0644 → 0600'],
      diff: '--- a\n+++ b\n-x\n+y\n\nmode 0644 → 0600',
    });
    expect(report.results[1]).toMatchObject({ changed: false, diff: '' });
  });
});
