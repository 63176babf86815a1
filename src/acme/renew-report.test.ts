import { describe, expect, it } from 'vitest';
import type { RenewHostResult } from '../resources/types.js';
import { renewReport } from './renew-report.js';

const host = (results: RenewHostResult['results'], extra: Partial<RenewHostResult> = {}): RenewHostResult => ({ name: 'lb-01', unreachable: false, results, ...extra });
const cert = (status: string, summary?: string, error?: string) => ({ resource: 'certificate www.foobar.com', status, handler: false, changes: summary ? [{ summary }] : [], error });
const reload = (status: string) => ({ resource: 'reload nginx', status, handler: true, changes: [{ summary: 'state: active → reloaded' }] });

describe('renewReport', () => {
  it('is empty when nothing was due', () => {
    expect(renewReport([host([cert('ok')])], { dryRun: false, quiet: false })).toEqual({ out: [], err: [] });
  });

  it('says what it renewed, unless quiet', () => {
    const hosts = [host([cert('changed', 'renew: 5 s left of 30 s; due since 5 s'), reload('changed')])];
    expect(renewReport(hosts, { dryRun: false, quiet: false })).toEqual({ out: ['lb-01 certificate www.foobar.com: done (renew: 5 s left of 30 s; due since 5 s)'], err: [] });
    expect(renewReport(hosts, { dryRun: false, quiet: true })).toEqual({ out: [], err: [] });
    expect(renewReport(hosts, { dryRun: true, quiet: false }).out).toEqual(['lb-01 certificate www.foobar.com: would renew: 5 s left of 30 s; due since 5 s']);
  });

  it('gives each failure its cause, even when quiet', () => {
    const hosts = [
      host([cert('failed', 'renew: forced', 'cannot reach the ACME server https://10.77.0.1:14000/dir: connection refused (ECONNREFUSED)')], { error: 'certificate www.foobar.com: cannot reach' }),
      host([], { name: 'lb-02', unreachable: true, error: 'connect ECONNREFUSED 10.0.0.2:22' }),
      host([cert('changed', 'renew: forced'), reload('failed')], { name: 'lb-03' }),
    ];
    expect(renewReport(hosts, { dryRun: false, quiet: true }).err).toEqual([
      'lb-01 certificate www.foobar.com: renewal failed: cannot reach the ACME server https://10.77.0.1:14000/dir: connection refused (ECONNREFUSED); the deployed certificate was left as it was',
      'lb-02: unreachable: connect ECONNREFUSED 10.0.0.2:22',
      'lb-03 reload nginx after the renewal failed: unknown reason; the new certificate is installed but served only after a reload',
    ]);
  });
});
