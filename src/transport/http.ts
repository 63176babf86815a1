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
}

/** Sends one request; rejects only when no answer came (network, timeout). */
export type Http = (request: HttpRequest) => Promise<HttpResponse>;

/** Seconds to wait for an answer. */
const TIMEOUT_SECONDS = 30;

/** The real client (Node's fetch). */
export const fetchHttp: Http = async (request) => {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (request.auth) headers.authorization = `Basic ${Buffer.from(`${String(request.auth.user)}:${request.auth.password.reveal()}`).toString('base64')}`;
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: AbortSignal.timeout(TIMEOUT_SECONDS * 1000),
      redirect: 'error',
    });
  } catch (err) {
    // fetch hides the reason (refused, DNS, timeout) in `cause`.
    const cause = (err as { cause?: { message?: string; code?: string } }).cause;
    throw new Error(`${request.method} ${request.url}: no answer (${cause?.code ?? cause?.message ?? (err as Error).message})`);
  }
  const text = await response.text();
  let body: unknown = text;
  if (text !== '' && (response.headers.get('content-type') ?? '').includes('json')) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: response.status, body };
};

/** The same client refusing anything but GET: what a resource may use to read state (plan changes nothing). */
export function readOnly(http: Http): Http {
  return async (request) => {
    if (request.method !== 'GET') throw new Error(`refused ${request.method} ${request.url}: reading state may only GET`);
    return http(request);
  };
}
