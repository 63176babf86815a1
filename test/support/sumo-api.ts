/** Unit tests of the Sumo types run against the lab's fake content APIs, in memory. */
import { emptyContent, handleContentApi, unauthorised, type SumoContent } from '../lab/sumo-fake/content-api.js';
import { Secret } from '../../src/secrets.js';
import type { Http, HttpRequest } from '../../src/transport/http.js';
import type { Change, ControlResourceType, Decision } from '../../src/resources/types.js';

export const ACCESS_ID = 'suABCDEF123456';
export const ACCESS_KEY = 'unit-test-sumo-access-key-0123456789';
export const ENDPOINT = 'https://api.us2.sumologic.com/api/';

/** Endpoint arguments of a declaration. */
export const endpointArgs = { deployment: 'us2', access_id: ACCESS_ID, access_key: new Secret(ACCESS_KEY) };

/** The fake behind an Http: what it holds and every request it got. */
export function fakeSumo(): { http: Http; content: SumoContent; requests: HttpRequest[] } {
  const content = emptyContent();
  const requests: HttpRequest[] = [];
  const http: Http = async (request) => {
    requests.push(request);
    const url = new URL(request.url);
    if (!url.href.startsWith(ENDPOINT)) return { status: 404, body: 'wrong endpoint' };
    const authorised = request.auth !== undefined && String(request.auth.user) === ACCESS_ID && request.auth.password.reveal() === ACCESS_KEY;
    const answer = authorised
      ? handleContentApi(content, { method: request.method, path: url.pathname.slice('/api/'.length), query: url.searchParams, body: request.body === undefined ? undefined : JSON.parse(JSON.stringify(request.body)) })
      : unauthorised();
    return answer === undefined ? { status: 404, body: 'no such API' } : { status: answer.status, body: answer.body ?? '' };
  };
  return { http, content, requests };
}

/** Only the requests that change something. */
export function writes(requests: HttpRequest[]): string[] {
  return requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${new URL(r.url).pathname.slice('/api/'.length)}`);
}

/** Like the engine: read, decide, write the decision when it has changes; returns the changes and the changes a second read finds. */
export async function converge<D, C, X extends Decision>(type: ControlResourceType<D, C, X>, args: Record<string, unknown>, http: Http): Promise<{ before: Change[]; after: Change[] }> {
  const desired = type.validate(args);
  const decision = type.decide(desired, await type.read(desired, http));
  if (decision.changes.length > 0) await type.write(desired, decision, http);
  return { before: decision.changes, after: type.decide(desired, await type.read(desired, http)).changes };
}
