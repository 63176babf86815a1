/**
 * Whether a host serves a given certificate, seen from the control node over
 * TLS: a deployed certificate is done only once the server (after its reload,
 * whose old workers may still answer for a moment) hands it out.
 */
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';

/** Where to look and what to look for. */
export interface ServedCheck {
  /** Host address. */
  address: string;
  /** TLS port. */
  port: number;
  /** Name sent as SNI. */
  servername: string;
  /** The certificate that must be served: the chain's first PEM block is the leaf. */
  chain: string;
  /** Give up after this long (ms). */
  timeoutMs: number;
  /** Time between tries (ms). */
  intervalMs?: number;
}

/** The leaf of a PEM chain. */
export function leafOf(chain: string): X509Certificate {
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(chain)?.[0];
  if (pem === undefined) throw new Error('the chain holds no certificate');
  return new X509Certificate(pem);
}

/** Resolves once the host serves the chain's leaf; rejects with what it serves instead (or why it cannot be reached) after the timeout. */
export async function waitUntilServed(check: ServedCheck): Promise<void> {
  const wanted = leafOf(check.chain);
  const deadline = Date.now() + check.timeoutMs;
  let last = 'nothing';
  for (;;) {
    try {
      const served = await servedCertificate(check);
      if (served.fingerprint256 === wanted.fingerprint256) return;
      last = `certificate serial ${served.serialNumber}`;
    } catch (err) {
      last = `no certificate (${(err as Error).message})`;
    }
    if (Date.now() >= deadline) {
      throw new Error(`${check.address}:${check.port} (${check.servername}) still serves ${last}, not the new certificate (serial ${wanted.serialNumber}), ${Math.round(check.timeoutMs / 1000)} s after it was deployed`);
    }
    await new Promise((resolve) => setTimeout(resolve, check.intervalMs ?? 250));
  }
}

/** One TLS handshake: the peer's certificate. Trust is not the question here (the exact certificate is), so the chain is not verified. */
function servedCertificate(check: ServedCheck): Promise<{ fingerprint256: string; serialNumber: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: check.address, port: check.port, servername: check.servername, rejectUnauthorized: false, timeout: 5000 }, () => {
      const peer = socket.getPeerCertificate();
      socket.end();
      if (!peer || !peer.fingerprint256) reject(new Error('the server sent no certificate'));
      else resolve({ fingerprint256: peer.fingerprint256, serialNumber: peer.serialNumber });
    });
    socket.on('timeout', () => socket.destroy(new Error('timed out')));
    socket.on('error', reject);
  });
}
