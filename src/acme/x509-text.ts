/** Reads a certificate from its PEM text, on the control node (no openssl on the host). */
import { X509Certificate } from 'node:crypto';
import type { DeployedCertificate } from './renewal.js';

/** A DNS name as certificates hold it (a wildcard allowed first). */
const DNS_NAME = /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/**
 * Pure: the first certificate of PEM text (a chain's leaf) → its dates, names, serial and issuer (the issuer in openssl's
 * one-line form, `C = US, O = Let's Encrypt, CN = E5`), and its key type; undefined when it holds none that parses.
 */
export function parsePemCertificate(pem: string): DeployedCertificate | undefined {
  const block = /-----BEGIN CERTIFICATE-----[^]*?-----END CERTIFICATE-----/.exec(pem)?.[0];
  if (block === undefined) return undefined;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(block.replace(/\r/g, ''));
  } catch {
    return undefined;
  }
  const notBefore = opensslDate(cert.validFrom);
  const notAfter = opensslDate(cert.validTo);
  if (!notBefore || !notAfter) return undefined;
  const san = (cert.subjectAltName ?? '').split(', ').filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4));
  const cn = /^CN=(.*)$/m.exec(cert.subject)?.[1]?.trim();
  const names = san.length > 0 ? san : cn !== undefined && DNS_NAME.test(cn) ? [cn] : [];
  const keyType = KEY_TYPES[cert.publicKey.asymmetricKeyType ?? ''];
  const issuer = cert.issuer.split('\n').map((part) => part.replace('=', ' = ')).join(', ');
  return { notBefore, notAfter, names, serial: cert.serialNumber.toUpperCase(), issuer, ...(keyType ? { keyType } : {}) };
}

/** node's key type → the certificate's (others: not told). */
const KEY_TYPES: Record<string, 'ecdsa' | 'rsa'> = { ec: 'ecdsa', rsa: 'rsa' };

/** "Feb 21 14:51:37 2027 GMT" → Date; undefined when absent or unreadable. */
function opensslDate(text: string | undefined): Date | undefined {
  if (!text) return undefined;
  const date = new Date(text.replace(/\s+/g, ' '));
  return Number.isNaN(date.getTime()) ? undefined : date;
}
