import { describe, expect, it } from 'vitest';
import { Secret } from '../../../secrets.js';
import type { Http, HttpRequest, HttpResponse } from '../../../transport/http.js';
import { retryDelaySeconds, SumoApi } from './client.js';

const endpoint = { url: 'https://api.us2.sumologic.com/api/', accessId: 'suABC', accessKey: new Secret('unit-test-key-0123456789') };
const busy: HttpResponse = { status: 429, body: { id: 'X', errors: [{ code: 'rate_limit_exceeded', message: 'Rate limit exceeded.' }] } };
const down: HttpResponse = { status: 503, body: { id: 'X', errors: [{ code: 'service_unavailable', message: 'Service is unavailable.' }] } };
const fine: HttpResponse = { status: 200, body: { id: '0000000000000ABC' } };

/** An API whose answers come from a list (the last one repeats), recording the requests and the waits. */
function scripted(answers: HttpResponse[]) {
  const requests: HttpRequest[] = [];
  const waits: number[] = [];
  const http: Http = async (request) => {
    requests.push(request);
    return answers[Math.min(requests.length - 1, answers.length - 1)]!;
  };
  const api = new SumoApi(endpoint, http, async (seconds) => void waits.push(seconds));
  return { api, requests, waits };
}

describe('SumoApi: rate limits and server errors are asked again, a bounded number of times', () => {
  it.each([
    ['GET after a 429', 'GET', [busy, fine], 2, [1]],
    ['POST after a 429 (it was not done)', 'POST', [busy, fine], 2, [1]],
    ['GET after a 503', 'GET', [down, fine], 2, [1]],
    ['PUT after two 503s, waiting longer each time', 'PUT', [down, down, fine], 3, [1, 2]],
    ['the wait Retry-After asks', 'GET', [{ ...busy, retryAfter: '3' }, fine], 2, [3]],
    ['at most 30 s, whatever Retry-After asks', 'GET', [{ ...busy, retryAfter: '86400' }, fine], 2, [30]],
  ] as const)('%s', async (_, method, answers, tries, waits) => {
    const t = scripted([...answers]);
    expect(await t.api.call(method, 'v1/monitors', { body: method === 'GET' ? undefined : {} })).toEqual(fine.body);
    expect(t.requests).toHaveLength(tries);
    expect(t.waits).toEqual(waits);
  });

  it.each([
    ['a POST after a 503 (it may have been done)', 'POST', down, 1],
    ['a 429 that does not end: five tries', 'GET', busy, 5],
    ['a 503 that does not end: five tries', 'DELETE', down, 5],
  ] as const)('fails with Sumo\'s error: %s', async (_, method, answer, tries) => {
    const t = scripted([answer]);
    await expect(t.api.call(method, 'v1/monitors')).rejects.toThrow(`answered ${answer.status}`);
    expect(t.requests).toHaveLength(tries);
  });

  it('a DELETE retried after a lost answer that finds the object gone has done its work', async () => {
    const t = scripted([down, { status: 404, body: { errors: [{ code: 'api:not_found', message: 'gone' }] } }]);
    await expect(t.api.delete('v1/monitors/0000000000000ABC')).resolves.toBeUndefined();
  });

  it.each([
    ['no header: 1, 2, 4, 8 s', 3, undefined, 4],
    ['seconds', 1, '7', 7],
    ['an HTTP date', 1, new Date(Date.UTC(2026, 0, 1, 0, 0, 12)).toUTCString(), 12],
    ['a date already past', 1, new Date(Date.UTC(2025, 0, 1)).toUTCString(), 0],
    ['nonsense: the default', 2, 'soon', 2],
  ])('retryDelaySeconds: %s', (_, tries, header, seconds) => {
    expect(retryDelaySeconds(tries, header, Date.UTC(2026, 0, 1))).toBe(seconds);
  });
});
