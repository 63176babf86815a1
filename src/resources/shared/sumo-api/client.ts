/**
 * A small client of Sumo Logic's REST APIs (JSON, Basic auth), over the HTTP
 * the engine hands a resource: errors are Sumo's own (`errors[].code` and
 * `message`), lists are followed page by page.
 */
import type { Http, HttpRequest } from '../../../transport/http.js';
import type { SumoEndpoint } from './endpoint.js';
import { shorten } from '../../../secrets.js';

/** Query parameters; undefined ones are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

/** Sumo answered with an error. */
export class SumoApiError extends Error {
  constructor(
    /** HTTP status. */
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'SumoApiError';
  }
}

/** Pages followed at most when listing (at 100 a page: 10,000 objects). */
const MAX_PAGES = 100;

/** Tries of one request at most: Sumo answers 429 above 4 requests a second (or 10 at once) per access key. */
const MAX_TRIES = 5;
/** Longest wait before a retry, whatever `Retry-After` asks (seconds). */
const MAX_WAIT_SECONDS = 30;
/** Server errors worth asking again, for methods that may be repeated (not POST: it could create twice). */
const RETRIED_SERVER_ERRORS = [500, 502, 503, 504];

/** Seconds to wait before try `tries + 1`: what `Retry-After` asks (seconds or a date), else 1, 2, 4, 8; at most MAX_WAIT_SECONDS. */
export function retryDelaySeconds(tries: number, retryAfter: string | undefined, now = Date.now()): number {
  const asked = retryAfter === undefined ? Number.NaN : /^\s*\d+\s*$/.test(retryAfter) ? Number(retryAfter) : (Date.parse(retryAfter) - now) / 1000;
  const wait = Number.isFinite(asked) ? Math.max(0, asked) : 2 ** (tries - 1);
  return Math.min(wait, MAX_WAIT_SECONDS);
}

/** Whether an answer is worth asking again: rate limited (any method: it was not done), or a server error of a repeatable method. */
function retried(method: HttpRequest['method'], status: number): boolean {
  return status === 429 || (method !== 'POST' && RETRIED_SERVER_ERRORS.includes(status));
}

const pause = (seconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

/** One API of one account. */
export class SumoApi {
  constructor(
    private readonly endpoint: SumoEndpoint,
    private readonly http: Http,
    /** How to wait between tries (tests pass one that does not). */
    private readonly sleep: (seconds: number) => Promise<void> = pause,
  ) {}

  /** GET; with `missingOk`, a 404 gives undefined. */
  async get(path: string, query?: Query, missingOk = false): Promise<unknown> {
    return this.call('GET', path, { query, missingOk });
  }

  async post(path: string, body: unknown, query?: Query): Promise<unknown> {
    return this.call('POST', path, { query, body });
  }

  async put(path: string, body: unknown): Promise<unknown> {
    return this.call('PUT', path, { body });
  }

  async delete(path: string, query?: Query): Promise<void> {
    await this.call('DELETE', path, { query });
  }

  /** Every item of a list that pages with `limit` and a `token` (`next` in the answer; absent or null at the end). */
  async listAll(path: string, itemsKey: string, limit: number, query: Query = {}): Promise<Array<Record<string, unknown>>> {
    const items: Array<Record<string, unknown>> = [];
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const answer = (await this.get(path, { ...query, limit, token })) as Record<string, unknown> | undefined;
      const list = answer?.[itemsKey];
      if (!Array.isArray(list)) throw new Error(`${this.#describe('GET', path)}: the answer has no '${itemsKey}' list`);
      items.push(...(list as Array<Record<string, unknown>>));
      const next = answer?.next;
      if (typeof next !== 'string' || next === '') return items;
      token = next;
    }
    throw new Error(`${this.#describe('GET', path)}: more than ${MAX_PAGES} pages`);
  }

  async call(method: HttpRequest['method'], path: string, options: { query?: Query; body?: unknown; missingOk?: boolean } = {}): Promise<unknown> {
    const url = new URL(path, this.endpoint.url);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const request: HttpRequest = { method, url: url.toString(), auth: { user: this.endpoint.accessId, password: this.endpoint.accessKey }, body: options.body };
    let response = await this.http(request);
    for (let tries = 1; tries < MAX_TRIES && retried(method, response.status); tries++) {
      await this.sleep(retryDelaySeconds(tries, response.retryAfter));
      const again = await this.http(request);
      // A DELETE whose first answer was lost on the way may have been done: gone is what it asked for.
      response = method === 'DELETE' && again.status === 404 ? { status: 204, body: '' } : again;
    }
    if (response.status === 404 && options.missingOk) return undefined;
    if (response.status >= 200 && response.status < 300) return response.body;
    throw new SumoApiError(response.status, `${this.#describe(method, path)} answered ${response.status}: ${errorText(response.body)}`);
  }

  #describe(method: string, path: string): string {
    return `Sumo Logic API ${method} ${new URL(path, this.endpoint.url).toString()}`;
  }
}

/** Sumo's error answer (`{"id", "errors": [{"code", "message", "detail"}]}`, or `{"code", "message"}`) as one line. */
export function errorText(body: unknown): string {
  if (body !== null && typeof body === 'object') {
    const b = body as { errors?: Array<{ code?: string; message?: string; detail?: string }>; code?: string; message?: string };
    if (Array.isArray(b.errors) && b.errors.length > 0) return b.errors.map((e) => [e.code, e.message, e.detail].filter(Boolean).join(': ')).join('; ');
    if (b.message !== undefined) return [b.code, b.message].filter(Boolean).join(': ');
  }
  const text = typeof body === 'string' ? body.trim() : JSON.stringify(body);
  return text === '' ? '(no body)' : shorten(text, 300);
}
