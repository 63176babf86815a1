import { describe, expect, it } from 'vitest';
import { statusJson, statusTable } from './report.js';
import type { HostStatus } from './run.js';
import type { StatusColumn } from './types.js';

const now = new Date('2026-01-01T12:00:00Z');
/** Columns as checks bring them: each reads one fact. */
const column = (header: string, fact: string): StatusColumn => ({ header, cell: (f) => (f[fact] === undefined ? '-' : String(f[fact])) });
const load = column('LOAD', 'load');
const qps = column('QPS', 'qps');
const lag = column('LAG', 'lag');
const since: StatusColumn = { header: 'SINCE', cell: (f) => `${(now.getTime() - Date.parse(String(f.since))) / 1000}s` };

const status = (name: string, columns: StatusColumn[], facts: HostStatus['facts'], problems: string[] = [], warnings: string[] = []): HostStatus => ({ name, reachable: true, healthy: problems.length === 0, problems, warnings, facts, columns });
const lb = status('lb-01', [load, qps, since], { load: 0.5, qps: 12.5, since: '2026-01-01T11:59:00Z' });
const replica = status('web-02', [load, lag, since], { load: 0.1, lag: 'STOPPED', since: '2026-01-01T11:00:00Z' }, ['replication is not running']);
const warned = status('web-01', [load, qps, since], { load: 2, since: '2026-01-01T11:59:30Z' }, [], ['certificate expires soon']);
const down: HostStatus = { name: 'db-01', reachable: false, healthy: false, problems: ['unreachable: connection refused'], warnings: [], facts: {}, columns: [load, lag] };

describe('statusTable', () => {
  it('puts problems first, then warnings, then healthy hosts; the columns the checks bring, each host\'s order kept; - where a host has none', () => {
    expect(statusTable([lb, warned, replica, down], { colour: false, now })).toBe(
      [
        'HOST    HEALTH       LOAD  LAG      QPS   SINCE',
        'web-02  PROBLEM      0.1   STOPPED  -     3600s',
        'db-01   UNREACHABLE  -     -        -     -',
        'web-01  warning      2     -        -     30s',
        'lb-01   ok           0.5   -        12.5  60s',
        '',
        'PROBLEM web-02: replication is not running',
        'PROBLEM db-01: unreachable: connection refused',
        'warning web-01: certificate expires soon',
        '',
        '4 hosts, 2 not healthy',
      ].join('\n'),
    );
  });

  it('colours only when asked (a terminal)', () => {
    expect(statusTable([lb, replica], { colour: false, now })).not.toContain('\x1b[');
    const coloured = statusTable([lb, replica], { colour: true, now });
    expect(coloured).toContain('\x1b[31mPROBLEM');
    expect(coloured).toContain('\x1b[32mok');
    expect(statusTable([lb], { colour: false, now }).endsWith('1 host, all healthy')).toBe(true);
  });
});

describe('statusJson', () => {
  it('is {"healthy", "hosts": {NAME: {"healthy", "reachable", "problems", "warnings", ...facts}}}', () => {
    expect(statusJson([lb, replica])).toEqual({
      healthy: false,
      hosts: {
        'lb-01': { healthy: true, reachable: true, problems: [], warnings: [], ...lb.facts },
        'web-02': { healthy: false, reachable: true, problems: replica.problems, warnings: [], ...replica.facts },
      },
    });
  });
});
