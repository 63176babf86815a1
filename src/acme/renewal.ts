/** When a deployed certificate must be issued or renewed: pure, so `plan`, `apply` and `renew` decide alike. */
import { formatDuration } from '../duration.js';

/** What the probe read from the deployed certificate. */
export interface DeployedCertificate {
  /** Start of validity. */
  notBefore: Date;
  /** End of validity. */
  notAfter: Date;
  /** DNS names it covers (subjectAltName, else the subject's CN). */
  names: string[];
  /** Serial number, hex. */
  serial: string;
  /** Issuer, as openssl prints it ("" when unknown). */
  issuer: string;
  /** Type of its key, when known. */
  keyType?: 'ecdsa' | 'rsa' | 'other';
}

/** Inputs of the decision. */
export interface RenewalInput {
  /** The deployed certificate; undefined when there is none (or it cannot be read). */
  deployed: DeployedCertificate | undefined;
  /** The names the certificate must cover, exactly. */
  domains: string[];
  /** Now. */
  now: Date;
  /** Renew when fewer days than this remain; undefined: when less than a third of the lifetime remains. */
  renewBeforeDays?: number;
  /** Renew even when not due (`renew --force`). */
  force: boolean;
  /** The key type wanted: a certificate with another (known) one is issued again. */
  keyType?: 'ecdsa' | 'rsa';
  /** Ordering from Let's Encrypt production: a certificate from its staging CA (untrusted) is issued again. */
  production?: boolean;
}

/** issue: no usable certificate; renew: a valid one is due (or forced); ok: valid and not due. */
export type RenewalDecision =
  | { action: 'issue'; reason: string }
  | { action: 'renew'; reason: string }
  | { action: 'ok'; reason: string; renewAt: Date };

const DAY_MS = 86_400_000;

/** Decides what to do with one certificate. */
export function decideRenewal(input: RenewalInput): RenewalDecision {
  const { deployed, now } = input;
  if (!deployed) return { action: 'issue', reason: 'no certificate deployed' };
  const wanted = normalisedNames(input.domains);
  const have = normalisedNames(deployed.names);
  if (wanted.join(' ') !== have.join(' ')) {
    return { action: 'issue', reason: `the deployed certificate is for ${have.join(', ') || 'no DNS name'}, not ${wanted.join(', ')}` };
  }
  if (input.keyType && deployed.keyType && deployed.keyType !== input.keyType) {
    return { action: 'issue', reason: `the deployed certificate has an ${deployed.keyType.toUpperCase()} key, not ${input.keyType.toUpperCase()}` };
  }
  if (input.production && deployed.issuer.includes('(STAGING)')) return { action: 'issue', reason: "the deployed certificate is from Let's Encrypt's staging CA" };
  // An issue or renew reason is a plan's change: written with dates, not with the time left, so
  // that a plan saved with `plan --out` still matches at apply while the decision stands.
  const left = deployed.notAfter.getTime() - now.getTime();
  if (left <= 0) return { action: 'issue', reason: `the deployed certificate expired at ${timestamp(deployed.notAfter)}` };
  const lifetime = deployed.notAfter.getTime() - deployed.notBefore.getTime();
  const window = input.renewBeforeDays !== undefined ? input.renewBeforeDays * DAY_MS : lifetime / 3;
  const renewAt = new Date(deployed.notAfter.getTime() - window);
  const validity = `valid until ${timestamp(deployed.notAfter)} (lifetime ${formatDuration(lifetime)})`;
  if (input.force) return { action: 'renew', reason: `${validity}; forced` };
  if (left < window) return { action: 'renew', reason: `${validity}; due since ${timestamp(renewAt)}` };
  return { action: 'ok', reason: `${formatDuration(left)} left of ${formatDuration(lifetime)}; renews in ${formatDuration(left - window)}`, renewAt };
}

/** "2026-03-31T00:00:00Z": UTC, to the second. Not toISOString: its first call reads ~0.6 MB of ICU's pages into every run (a no-op's certificate decision called it). */
function timestamp(date: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${String(date.getUTCFullYear()).padStart(4, '0')}-${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())}T${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}Z`;
}

/** Lower-case, sorted, without duplicates: certificate names compare as sets. */
function normalisedNames(names: string[]): string[] {
  return [...new Set(names.map((n) => n.toLowerCase()))].sort();
}
