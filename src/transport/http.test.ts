/** The control node's HTTP client against a loopback server: what it sends, what it makes of the answers, and how it fails. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../secrets.js';
import { httpWithin, nodeHttp, readOnly } from './http.js';

let server: Server;
let base: string;
const seen: Array<{ method?: string; url?: string; auth?: string; type?: string; body: string }> = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, type: req.headers['content-type'], body: Buffer.concat(chunks).toString() });
      if (req.url === '/json') res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end('{"a":[1,2]}');
      else if (req.url === '/text') res.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
      else if (req.url === '/bad-json') res.writeHead(500, { 'content-type': 'application/json' }).end('{oops');
      else if (req.url === '/busy') res.writeHead(429, { 'retry-after': '2', 'content-type': 'application/json' }).end('{"errors":[]}');
      else if (req.url === '/drip') {
        // A byte every 50 ms, never the end: only a deadline on the whole answer stops it.
        res.writeHead(200, { 'content-type': 'application/json' });
        const drip = setInterval(() => res.write(' '), 50);
        res.on('close', () => clearInterval(drip));
      } else if (req.url === '/moved') res.writeHead(302, { location: 'http://127.0.0.1:9/' }).end();
      else res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('nodeHttp', () => {
  it.each([
    ['JSON is parsed', '/json', { status: 200, body: { a: [1, 2] } }],
    ['text stays text', '/text', { status: 404, body: 'not here' }],
    ['JSON that does not parse stays text', '/bad-json', { status: 500, body: '{oops' }],
    ['an empty answer is an empty string', '/empty', { status: 204, body: '' }],
    ['Retry-After is passed on', '/busy', { status: 429, body: { errors: [] }, retryAfter: '2' }],
  ])('%s', async (_, path, expected) => {
    expect(await nodeHttp({ method: 'GET', url: `${base}${path}` })).toEqual(expected);
  });

  it('sends the body as JSON and Basic auth, with the secret only in the header', async () => {
    seen.length = 0;
    await nodeHttp({ method: 'POST', url: `${base}/post`, auth: { user: 'id', password: new Secret('s3cret') }, body: { name: 'x' } });
    expect(seen).toEqual([{ method: 'POST', url: '/post', auth: `Basic ${Buffer.from('id:s3cret').toString('base64')}`, type: 'application/json', body: '{"name":"x"}' }]);
  });

  it.each([
    ['no server listens', 'http://127.0.0.1:9/', /^GET http:\/\/127\.0\.0\.1:9\/: no answer \(ECONNREFUSED\)$/],
    ['a redirect is not followed', '/moved', /: redirected \(status 302\), not followed$/],
  ])('fails when %s', async (_, url, message) => {
    await expect(nodeHttp({ method: 'GET', url: url.startsWith('/') ? `${base}${url}` : url })).rejects.toThrow(message);
  });

  it('an answer that keeps coming a byte at a time is cut off at the deadline', async () => {
    const started = Date.now();
    await expect(httpWithin({ method: 'GET', url: `${base}/drip` }, 400)).rejects.toThrow(/\/drip: no answer \((ETIMEDOUT|ECONNRESET|aborted)\)$/);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('read-only: anything but GET is refused before it is sent', async () => {
    seen.length = 0;
    await expect(readOnly(nodeHttp)({ method: 'PUT', url: `${base}/put` })).rejects.toThrow(/^refused PUT .*: reading state may only GET$/);
    expect(seen).toEqual([]);
  });
});
