/**
 * HTTP from the control node, for resources whose state lives behind an API
 * (Sumo Logic). Like the SSH transport it only moves bytes: JSON in, JSON (or
 * text) out, Basic auth from secrets that never reach a message.
 */
import type { Secret } from '../secrets.js';

/** One HTTP request. */
export interface HttpRequest {
  /** The method; a read-only client accepts GET only. */
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Absolute URL. */
  url: string;
  /** Basic auth credentials. */
  auth?: { user: Secret | string; password: Secret };
  /** Sent as JSON. */
  body?: unknown;
}

/** What came back. */
export interface HttpResponse {
  /** HTTP status code. */
  status: number;
  /** The body: parsed JSON when it is JSON, else the text ('' when empty). */
  body: unknown;
  /** The `Retry-After` header, when the answer has one (a 429 or 503 says when to ask again). */
  retryAfter?: string;
}

/** Sends one request; rejects only when no answer came (network, timeout). */
export type Http = (request: HttpRequest) => Promise<HttpResponse>;

/** Seconds to wait for a whole answer. */
const TIMEOUT_SECONDS = 30;

/**
 * The real client, on node:http and node:https (Node's fetch would load undici,
 * about 6 MB more of the control node's memory for a few calls). Redirects are
 * refused, not followed. An answer must be complete within `timeoutMs` from the
 * request: a server that keeps sending a byte now and then is cut off too.
 */
export const nodeHttp: Http = (request) => httpWithin(request, TIMEOUT_SECONDS * 1000);

/** nodeHttp with its deadline given (tests use a short one). */
export async function httpWithin(request: HttpRequest, timeoutMs: number): Promise<HttpResponse> {
  const url = new URL(request.url);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (request.auth) headers.authorization = `Basic ${Buffer.from(`${String(request.auth.user)}:${request.auth.password.reveal()}`).toString('base64')}`;
  const payload = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body));
  if (payload) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(payload.length) });
  const { request: send } = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const { status, type, text, retryAfter } = await new Promise<{ status: number; type: string; text: string; retryAfter?: string }>((resolve, reject) => {
    const failed = (why: string): void => reject(new Error(`${request.method} ${request.url}: no answer (${why})`));
    const req = send(url, { method: request.method, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (err: NodeJS.ErrnoException) => failed(err.code ?? err.message));
      const after = res.headers['retry-after'];
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8'), ...(after !== undefined ? { retryAfter: after } : {}) }));
    });
    const late = (): void => void req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }));
    const deadline = setTimeout(late, timeoutMs);
    req.on('close', () => clearTimeout(deadline));
    req.on('timeout', late);
    req.on('error', (err: NodeJS.ErrnoException) => failed(err.code ?? err.message));
    req.end(payload);
  });
  if (status >= 300 && status < 400) throw new Error(`${request.method} ${request.url}: redirected (status ${status}), not followed`);
  let body: unknown = text;
  if (text !== '' && type.includes('json')) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status, body, ...(retryAfter !== undefined ? { retryAfter } : {}) };
}

/** The same client refusing anything but GET: what a resource may use to read state (plan changes nothing). */
export function readOnly(http: Http): Http {
  return async (request) => {
    if (request.method !== 'GET') throw new Error(`refused ${request.method} ${request.url}: reading state may only GET`);
    return http(request);
  };
}
