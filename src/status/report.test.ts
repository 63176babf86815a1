import { describe, expect, it } from 'vitest';
import { ago, statusJson, statusTable } from './report.js';
import type { HostStatus } from './run.js';

const now = new Date('2026-01-01T12:00:00Z');
const healthy: HostStatus = {
  name: 'lb-01',
  reachable: true,
  healthy: true,
  problems: [],
  warnings: [],
  facts: { load: [0.5, 0.4, 0.3], memory_used_percent: 12.5, disk_used_percent: 40, qps: 12.5, certificates: [{ name: 'www.foobar.com', days_left: 80 }], services: [{ name: 'nginx', active: true }], ufw_active: true, last_applied: '2026-01-01T11:57:00Z' },
};
const replica: HostStatus = {
  name: 'web-02',
  reachable: true,
  healthy: false,
  problems: ['replication is not running (IO thread No, SQL thread No)'],
  warnings: [],
  facts: { load: [0.1, 0.1, 0.1], memory_used_percent: 20, disk_used_percent: 41, replication: { running: false, lag_seconds: null }, services: [{ name: 'mariadb', active: true }, { name: 'app', active: false }], ufw_active: true, last_applied: '2025-12-30T12:00:00Z' },
};
const warned: HostStatus = { ...healthy, name: 'web-01', warnings: ['certificate www.foobar.com expires soon'], facts: { ...healthy.facts, certificates: [{ name: 'x', days_left: 10 }] } };
const down: HostStatus = { name: 'db-01', reachable: false, healthy: false, problems: ['unreachable: connection refused'], warnings: [], facts: {} };

describe('statusTable', () => {
  it('puts problems first, then warnings, then healthy hosts, and lists what is wrong', () => {
    expect(statusTable([healthy, warned, replica, down], { colour: false, now })).toBe(
      [
        'HOST    HEALTH       LOAD  MEM    DISK  QPS   CERT DAYS  REPLICATION  SERVICES  UFW     APPLIED',
        'web-02  PROBLEM      0.1   20%    41%   -     -          STOPPED      1/2       active  2d ago',
        'db-01   UNREACHABLE  -     -      -     -     -          -            -         -       -',
        'web-01  warning      0.5   12.5%  40%   12.5  10         -            1/1       active  3m ago',
        'lb-01   ok           0.5   12.5%  40%   12.5  80         -            1/1       active  3m ago',
        '',
        'PROBLEM web-02: replication is not running (IO thread No, SQL thread No)',
        'PROBLEM db-01: unreachable: connection refused',
        'warning web-01: certificate www.foobar.com expires soon',
        '',
        '4 hosts, 2 not healthy',
      ].join('\n'),
    );
  });

  it('colours only when asked (a terminal)', () => {
    expect(statusTable([healthy, replica], { colour: false, now })).not.toContain('\x1b[');
    const coloured = statusTable([healthy, replica], { colour: true, now });
    expect(coloured).toContain('\x1b[31mPROBLEM');
    expect(coloured).toContain('\x1b[32mok');
    expect(statusTable([healthy], { colour: false, now }).endsWith('1 host, all healthy')).toBe(true);
  });
});

describe('statusJson', () => {
  it('is {"healthy", "hosts": {NAME: {"healthy", "reachable", "problems", "warnings", ...facts}}}', () => {
    expect(statusJson([healthy, replica])).toEqual({
      healthy: false,
      hosts: {
        'lb-01': { healthy: true, reachable: true, problems: [], warnings: [], ...healthy.facts },
        'web-02': { healthy: false, reachable: true, problems: replica.problems, warnings: [], ...replica.facts },
      },
    });
  });
});

describe('ago', () => {
  it.each([
    ['2026-01-01T11:59:30Z', '30s ago'],
    ['2026-01-01T11:00:00Z', '60m ago'],
    ['2026-01-01T00:00:00Z', '12h ago'],
    ['2025-12-20T12:00:00Z', '12d ago'],
  ])('%s → %s', (iso, text) => {
    expect(ago(iso, now)).toBe(text);
  });

  it('never applied, or not known', () => {
    expect(ago(null, now)).toBe('never');
    expect(ago(undefined, now)).toBe('-');
  });
});
