import { describe, expect, it } from 'vitest';
import { oneExecProblem, type ProvisionHost, provisionHosts, provisionRunProblem } from '../bench/recap.js';

const HOSTS = ['lb-01', 'web-01', 'web-02'];

/** One host of provision's --json document: in state unless `counts` says otherwise, one exec call. */
function host(counts: Partial<ProvisionHost> = {}): ProvisionHost {
  return { changed: 0, unknown: 0, failed: 0, unreachable: false, transport: { execs: 1, bytesSent: 900, bytesReceived: 4000 }, ...counts };
}

/** provision's --json document (src/cli/recap.ts jsonReport) for these hosts. */
function json(hosts: Record<string, ProvisionHost>): string {
  const withElapsed = Object.fromEntries(Object.entries(hosts).map(([name, h]) => [name, { ok: 30, skipped: 0, elapsed_ms: 120, ...h }]));
  return JSON.stringify({ check: false, hosts: withElapsed, results: [] }, null, 2);
}

const drift = { only: ['web-01'] };

describe('the bench checks provision plan after one drift on web-01', () => {
  it('accepts a change found on web-01 only, with exit code 3', () => {
    const out = json({ 'lb-01': host(), 'web-01': host({ changed: 1 }), 'web-02': host() });
    expect(provisionRunProblem(3, out, { code: 3, changes: drift, hosts: HOSTS })).toBeUndefined();
  });

  it('fails a plan that finds the drift on web-02 instead', () => {
    const out = json({ 'lb-01': host(), 'web-01': host(), 'web-02': host({ changed: 1 }) });
    expect(provisionRunProblem(3, out, { code: 3, changes: drift, hosts: HOSTS })).toBe('no change found on web-01, which drifted');
  });

  it('fails a plan that finds a change on another host too, decided at apply included', () => {
    const out = json({ 'lb-01': host({ unknown: 2 }), 'web-01': host({ changed: 1 }), 'web-02': host() });
    expect(provisionRunProblem(3, out, { code: 3, changes: drift, hosts: HOSTS })).toBe('changes found on lb-01, which did not drift');
  });

  it('fails a plan with an unreachable or failed host, though it found the drift', () => {
    const out = json({ 'lb-01': host({ unreachable: true }), 'web-01': host({ changed: 1 }), 'web-02': host({ failed: 1 }) });
    expect(provisionRunProblem(3, out, { code: 3, changes: drift, hosts: HOSTS })).toBe('failed or unreachable: lb-01, web-02');
  });

  it('fails on the exit code first, and on output that is not the JSON document', () => {
    const out = json({ 'lb-01': host(), 'web-01': host({ changed: 1 }), 'web-02': host() });
    expect(provisionRunProblem(1, out, { code: 3, changes: drift, hosts: HOSTS })).toBe('exited 1, not 3');
    expect(provisionRunProblem(3, 'RECAP (check mode: nothing was changed)\n', { code: 3, changes: drift, hosts: HOSTS })).toBe('its output is not a --json document');
  });
});

describe('the bench checks provision first converge and no-op', () => {
  it('requires a change on every host of a first converge, none left alone', () => {
    const every = { code: 0, changes: 'every', hosts: HOSTS } as const;
    expect(provisionRunProblem(0, json({ 'lb-01': host({ changed: 22 }), 'web-01': host({ changed: 34 }), 'web-02': host({ changed: 33 }) }), every)).toBeUndefined();
    expect(provisionRunProblem(0, json({ 'lb-01': host(), 'web-01': host(), 'web-02': host() }), every)).toBe('nothing changed (or was found to change) on lb-01, web-01, web-02');
    expect(provisionRunProblem(0, json({ 'lb-01': host({ changed: 22 }), 'web-01': host({ changed: 34 }) }), every)).toBe('no recap for web-02');
    const leftAlone = json({ 'lb-01': host({ changed: 22 }), 'web-01': host({ changed: 34 }), 'web-02': host({ not_attempted: 'the rollout stopped' }) });
    expect(provisionRunProblem(0, leftAlone, every)).toBe('failed or unreachable: web-02');
  });

  it('requires a no-op to change nothing anywhere', () => {
    const none = { code: 0, changes: 'none', hosts: HOSTS } as const;
    expect(provisionRunProblem(0, json({ 'lb-01': host(), 'web-01': host(), 'web-02': host() }), none)).toBeUndefined();
    expect(provisionRunProblem(0, json({ 'lb-01': host(), 'web-01': host(), 'web-02': host({ changed: 2 }) }), none)).toBe('a no-op changed 2 things on web-02');
  });

  it('requires one SSH exec call per host of a no-op', () => {
    expect(oneExecProblem(provisionHosts(json({ 'lb-01': host(), 'web-01': host() }))!)).toBeUndefined();
    const two = host({ transport: { execs: 2, bytesSent: 900, bytesReceived: 4000 } });
    const uncounted = { changed: 0, unknown: 0, failed: 0, unreachable: false };
    expect(oneExecProblem(provisionHosts(json({ 'lb-01': two, 'web-01': host(), 'web-02': uncounted }))!)).toBe('not one exec call per host: lb-01 2, web-02 no transport counts');
  });
});
