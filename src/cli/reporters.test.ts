import { afterEach, describe, expect, it } from 'vitest';
import type { HostResult } from '../engine/results.js';
import { clearSecretsForTests, Secret } from '../secrets.js';
import { JsonReporter, PlainReporter } from './reporters.js';

afterEach(() => clearSecretsForTests());

const SECRET = 'pa"ss\\wo\'rd-%x';

/** A run whose diff, summary and error hold the secret as a JSON file, a shell word and as is. */
function run(): HostResult[] {
  const json = JSON.stringify({ accesskey: SECRET });
  return [
    {
      name: 'web-01', ok: 0, changed: 1, failed: 1, unknown: 0, skipped: 0, unreachable: false, elapsedMs: 1, error: `mysql: Access denied for '${SECRET}'`,
      results: [
        { host: 'web-01', role: 'sumologic', resource: 'file /etc/sumologic/sources.json', status: 'changed', handler: false, changes: [{ summary: 'content changed', diff: `--- a\n+++ b\n+${json}\n` }] },
        { host: 'web-01', role: 'app', resource: 'command', status: 'failed', handler: false, changes: [{ summary: `run printf %s '${SECRET.replace(/'/g, `'\\''`)}'` }], error: `exit 1: ${SECRET}` },
      ],
    },
  ];
}

describe('reporters mask a secret in whatever form the text holds it', () => {
  it.each([
    ['--json', (write: (t: string) => void) => new JsonReporter({ check: true, diff: true, fullDiff: false, hosts: ['web-01'], write })],
    ['plain', (write: (t: string) => void) => new PlainReporter({ check: true, diff: true, fullDiff: false, hosts: ['web-01'], write })],
  ])('%s', async (_, make) => {
    new Secret(SECRET);
    let out = '';
    const reporter = make((t) => (out += t));
    for (const result of run()[0]!.results) reporter.onEvent({ kind: 'resource', result });
    await reporter.done(run());
    expect(out).toContain('********');
    for (const form of [SECRET, JSON.stringify(SECRET).slice(1, -1), 'wo\'rd', 'wo\'\\\'\'rd', 'ss\\\\wo', 'ss\\wo']) expect(out).not.toContain(form);
  });
});

describe("reporters never pass a host's control characters to the terminal", () => {
  // Set the title (OSC), clear the screen (CSI), go back to the line's start to overwrite it, 8-bit CSI.
  const hostile = 'x\u001b]0;PWNED\u0007\u001b[2J\rok: nothing failed\u009b31m';

  it.each([
    ['plain', (write: (t: string) => void) => new PlainReporter({ check: false, diff: true, fullDiff: false, hosts: ['web-01'], write }), 'x\\u001b]0;PWNED\\u0007\\u001b[2J\\u000dok: nothing failed\\u009b31m'],
    // JSON escapes C0 itself (\r as \r); C1 gets the same \u escape, so the document stays valid.
    ['--json', (write: (t: string) => void) => new JsonReporter({ check: false, diff: true, fullDiff: false, hosts: ['web-01'], write }), 'x\\u001b]0;PWNED\\u0007\\u001b[2J\\rok: nothing failed\\u009b31m'],
  ])('%s', async (_, make, shown) => {
    let out = '';
    const reporter = make((t) => (out += t));
    const result = { host: 'web-01', role: 'app', resource: 'command', status: 'failed' as const, handler: false, changes: [{ summary: `run ${hostile}` }], error: `exit 3: ${hostile}` };
    reporter.onEvent({ kind: 'resource', result });
    await reporter.done([{ name: 'web-01', ok: 0, changed: 0, failed: 1, unknown: 0, skipped: 0, unreachable: false, elapsedMs: 1, error: `command: exit 3: ${hostile}`, results: [result] }]);
    expect(out).toContain(shown);
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });
});

describe('--json stays valid JSON when a secret is all digits', () => {
  it.each([
    ['elapsed time holding the digits', 12222, 'web-01'],
    ['elapsed time equal to the secret, host name holding it', 2222, 'web-2222'],
  ])('%s', async (_, elapsedMs, name) => {
    new Secret('2222');
    let out = '';
    const reporter = new JsonReporter({ check: false, diff: true, fullDiff: false, hosts: [name], write: (t) => (out += t) });
    await reporter.done([{ name, ok: 1, changed: 0, failed: 0, unknown: 0, skipped: 0, unreachable: false, elapsedMs, results: [] }]);
    expect(() => JSON.parse(out)).not.toThrow();
    expect(out).not.toContain('2222');
    expect(out).toContain('********');
  });
});
