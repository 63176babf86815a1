import { describe, expect, it } from 'vitest';
import type { HealthCheck } from '../roles/rolling.js';
import { countedCommands, runSh } from '../../test/support/resources.js';
import { describeCheck, healthOutcome, healthScript } from './health.js';

const check = (url: string, timeoutSeconds = 30): HealthCheck => ({ role: 'app', url, status: 200, timeoutSeconds, insecure: false });
const CHECKS = [check('http://127.0.0.1/health'), check('http://127.0.0.1:8080/ready', 10)];

describe('healthOutcome', () => {
  it.each<[string, string, number | null, { healthy: boolean; detail: string }]>([
    ['all pass', 'check 0 ok 200 3\ncheck 1 ok 200 0\n', 0, { healthy: true, detail: 'http://127.0.0.1/health answered 200 after 3 s; http://127.0.0.1:8080/ready answered 200 after 0 s' }],
    ['a status', 'check 0 failed 502 30\n', 1, { healthy: false, detail: 'health check http://127.0.0.1/health did not answer 200 within 30 s (last: status 502)' }],
    [
      'no answer, with curl\'s reason',
      'check 0 ok 200 1\ncheck 1 failed 000 10 curl: (7) Failed to connect to 127.0.0.1 port 8080\n',
      1,
      { healthy: false, detail: 'health check http://127.0.0.1:8080/ready did not answer 200 within 10 s (last: no answer (curl: (7) Failed to connect to 127.0.0.1 port 8080))' },
    ],
    ['no curl', 'curl is not installed: the health check needs it\n', 2, { healthy: false, detail: 'the health check could not run: curl is not installed: the health check needs it' }],
    ['connection dropped', '', null, { healthy: false, detail: 'the connection dropped during the health check' }],
    ['a check missing from the output', 'check 0 ok 200 1\n', 0, { healthy: false, detail: 'the health check could not run: check 0 ok 200 1' }],
  ])('%s', (_, output, code, expected) => {
    expect(healthOutcome(CHECKS, output, code)).toEqual(expected);
  });
});

describe('healthScript', () => {
  it('quotes each URL as one word and skips certificate checks only when asked', () => {
    const script = healthScript([check("http://127.0.0.1/h?a=1&b='x'"), { ...check('https://127.0.0.1/health'), insecure: true }]);
    expect(script).toContain(`provision_health 0 'http://127.0.0.1/h?a=1&b='\\''x'\\''' 200 30 --`);
    expect(script).toContain('provision_health 1 https://127.0.0.1/health 200 30 -k');
  });

  it.each([
    ['answers', "printf '\\n200\\n'", 0, { healthy: true, detail: 'http://127.0.0.1/health answered 200 after 0 s' }],
    ['refuses', "echo 'curl: (7) Failed to connect' >&2; printf '\\n000\\n'; exit 7", 1, { healthy: false, detail: 'health check http://127.0.0.1/health did not answer 200 within 30 s (last: no answer (curl: (7) Failed to connect))' }],
    ['answers another status', "printf '\\n502\\n'", 1, { healthy: false, detail: 'health check http://127.0.0.1/health did not answer 200 within 30 s (last: status 502)' }],
  ])('one try (the probe\'s): starts curl and nothing else, and reads what it says: %s', (_, curl, code, outcome) => {
    const counted = countedCommands(['curl', 'date', 'mktemp', 'rm', 'tail', 'sleep'], { curl });
    const r = runSh(healthScript([CHECKS[0]!], true), counted.env);
    expect([r.code, healthOutcome([CHECKS[0]!], r.stdout, r.code)]).toEqual([code, outcome]);
    expect(counted.calls().map((c) => c.split(' ')[0])).toEqual(['curl']);
  });

  it('waits: tries again until the status comes', () => {
    const counted = countedCommands(['curl', 'sleep'], { curl: `if [ -e "$0.tried" ]; then printf '\\n200\\n'; else : > "$0.tried"; printf '\\n503\\n'; fi`, sleep: ':' });
    const r = runSh(healthScript([check('http://127.0.0.1/health', 5)]), counted.env);
    expect(r.stdout).toMatch(/^check 0 ok 200 \d+\n$/);
    expect(counted.calls().map((c) => c.split(' ')[0])).toEqual(['curl', 'sleep', 'curl']);
  });

  it('describes a check for output', () => {
    expect(describeCheck(CHECKS[1]!)).toBe('http://127.0.0.1:8080/ready answers 200 within 10 s');
  });
});
