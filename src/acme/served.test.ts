/** The served-certificate check against a TLS server on loopback that switches certificates like a reloading nginx. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leafOf, waitUntilServed } from './served.js';

/** A self-signed certificate made with openssl. */
function selfSigned(dir: string, name: string): { key: string; cert: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  execFileSync('openssl', ['req', '-x509', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-subj', `/CN=${name}`, '-days', '1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

describe('waitUntilServed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provision-served-'));
  const old = selfSigned(dir, 'old');
  const fresh = selfSigned(dir, 'new');
  let current = old;
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer({ key: old.key, cert: old.cert });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  // Each later handshake gets the certificate of the moment.
  const serve = (pair: { key: string; cert: string }): void => {
    current = pair;
    server.setSecureContext({ key: pair.key, cert: pair.cert });
  };

  it('resolves once the host serves the new certificate (after a moment on the old one)', async () => {
    serve(old);
    setTimeout(() => serve(fresh), 300);
    await waitUntilServed({ address: '127.0.0.1', port, servername: 'www.example.org', chain: fresh.cert, timeoutMs: 5000, intervalMs: 50 });
    expect(current).toBe(fresh);
  });

  it('says what is served instead when the new one never is', async () => {
    serve(old);
    const serial = leafOf(old.cert).serialNumber;
    await expect(waitUntilServed({ address: '127.0.0.1', port, servername: 'www.example.org', chain: fresh.cert, timeoutMs: 300, intervalMs: 50 })).rejects.toThrow(
      `127.0.0.1:${port} (www.example.org) still serves certificate serial ${serial}, not the new certificate (serial ${leafOf(fresh.cert).serialNumber}), 0 s after it was deployed`,
    );
  });

  it('says why nothing is served', async () => {
    await expect(waitUntilServed({ address: '127.0.0.1', port: 1, servername: 'x', chain: fresh.cert, timeoutMs: 100, intervalMs: 50 })).rejects.toThrow(/still serves no certificate \(connect ECONNREFUSED 127\.0\.0\.1:1\)/);
  });
});
