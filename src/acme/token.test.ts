import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderCertificate } from './order.js';
import { checkedToken } from './token.js';

describe('checkedToken', () => {
  it.each(['evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA', 'a', 'A_b-9'])('accepts the base64url token %j', (token) => {
    expect(checkedToken(token)).toBe(token);
  });

  it.each([
    '../../../../../etc/cron.d/x',
    '..',
    '.',
    'a/b',
    'a.b',
    'a b',
    'a\nb',
    'a=',
    '',
    'x'.repeat(257),
    'tök',
    '$(id)',
  ])('refuses %j: it would not be just a file name in the webroot', (token) => {
    expect(() => checkedToken(token)).toThrow(/challenge token that is not base64url .*; the order was stopped and no challenge file was written/);
  });

  it('refuses a token that is not a string', () => {
    expect(() => checkedToken(42)).toThrow('not base64url (letters, digits, - and _): number');
  });
});

/**
 * An ACME server on this machine's loopback that hands out a hostile HTTP-01
 * token: the whole order path (acme-client included) must stop before the
 * challenge files are touched.
 */
describe('an order from an ACME server that sends a path as its token', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provision-acme-token-'));
  let server: Server;
  let base = '';

  beforeAll(async () => {
    execFileSync('openssl', ['req', '-x509', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
      const send = (status: number, body: unknown, location?: string): void => {
        res.writeHead(status, { 'content-type': 'application/json', 'replay-nonce': `n${Date.now()}${Math.random()}`.replace('.', ''), ...(location ? { location } : {}) });
        res.end(body === undefined ? '' : JSON.stringify(body));
      };
      req.resume();
      req.on('end', () => {
        if (req.url === '/dir') return send(200, { newNonce: `${base}/nonce`, newAccount: `${base}/account`, newOrder: `${base}/order` });
        if (req.url === '/nonce') return send(200, undefined);
        if (req.url === '/account' || req.url === '/acct/1') return send(200, { status: 'valid' }, `${base}/acct/1`);
        if (req.url === '/order') return send(201, { status: 'pending', identifiers: [{ type: 'dns', value: 'www.foobar.com' }], authorizations: [`${base}/authz/1`], finalize: `${base}/finalize/1` }, `${base}/order/1`);
        if (req.url === '/authz/1') {
          return send(200, { status: 'pending', identifier: { type: 'dns', value: 'www.foobar.com' }, challenges: [{ type: 'http-01', url: `${base}/chall/1`, status: 'pending', token: '../../../../../etc/cron.d/x' }] });
        }
        return send(200, {});
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails the order with a clear error and writes (or removes) no challenge file', async () => {
    const written: string[] = [];
    const order = orderCertificate({
      directoryUrl: `${base}/dir`,
      caFile: join(dir, 'cert.pem'),
      domains: ['www.foobar.com'],
      keyType: 'ecdsa',
      stateDir: dir,
      challenges: { put: async (token) => void written.push(`put ${token}`), remove: async (token) => void written.push(`remove ${token}`) },
    });
    await expect(order).rejects.toThrow('the ACME server sent an HTTP-01 challenge token that is not base64url (letters, digits, - and _): "../../../../../etc/cron.d/x"; the order was stopped and no challenge file was written');
    expect(written).toEqual([]);
  });

  // Each TLS context parses every system CA (about 1 MB): one per connection was most of an order's memory.
  it("makes the order's requests, one connection each, over one TLS context", async () => {
    const tls = createRequire(import.meta.url)('node:tls') as typeof import('node:tls');
    const original = tls.createSecureContext;
    let contexts = 0;
    let connections = 0;
    const count = (): void => void connections++;
    server.on('secureConnection', count);
    tls.createSecureContext = (options) => {
      contexts++;
      return original(options);
    };
    try {
      const challenges = { put: async () => undefined, remove: async () => undefined };
      await expect(orderCertificate({ directoryUrl: `${base}/dir`, caFile: join(dir, 'cert.pem'), domains: ['www.foobar.com'], keyType: 'ecdsa', stateDir: dir, challenges })).rejects.toThrow(/not base64url/);
    } finally {
      tls.createSecureContext = original;
      server.off('secureConnection', count);
    }
    expect(connections).toBeGreaterThanOrEqual(5);
    expect(contexts).toBeLessThanOrEqual(1);
  });
});
