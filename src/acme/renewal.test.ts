import { describe, expect, it } from 'vitest';
import { decideRenewal, type DeployedCertificate } from './renewal.js';

const DAY = 86_400_000;
const start = new Date('2026-01-01T00:00:00Z');
/** A 90-day certificate for www.foobar.com. */
const cert = (over: Partial<DeployedCertificate> = {}): DeployedCertificate => ({
  notBefore: start,
  notAfter: new Date(start.getTime() + 90 * DAY),
  names: ['www.foobar.com'],
  serial: '01',
  issuer: 'CN = Pebble Intermediate CA 5c2b0d',
  ...over,
});
const at = (days: number): Date => new Date(start.getTime() + days * DAY);

describe('decideRenewal', () => {
  it.each([
    ['no certificate', undefined, at(0), undefined, false, 'issue'],
    ['fresh', cert(), at(1), undefined, false, 'ok'],
    ['just before two thirds of the lifetime', cert(), new Date(at(60).getTime() - 1000), undefined, false, 'ok'],
    ['exactly a third left (not less)', cert(), at(60), undefined, false, 'ok'],
    ['less than a third left', cert(), new Date(at(60).getTime() + 1000), undefined, false, 'renew'],
    ['one day left', cert(), at(89), undefined, false, 'renew'],
    ['expired', cert(), at(91), undefined, false, 'issue'],
    ['forced while fresh', cert(), at(1), undefined, true, 'renew'],
    ['renew_before_days 10, 11 days left', cert(), at(79), 10, false, 'ok'],
    ['renew_before_days 10, 9 days left', cert(), at(81), 10, false, 'renew'],
    ['renew_before_days 0 never renews early', cert(), at(89.9), 0, false, 'ok'],
    ['other names', cert({ names: ['foobar.com'] }), at(1), undefined, false, 'issue'],
    ['names differ only in case and order', cert({ names: ['WWW.foobar.com'] }), at(1), undefined, false, 'ok'],
    ['a 10-minute certificate after 7 minutes', cert({ notAfter: new Date(start.getTime() + 600_000) }), new Date(start.getTime() + 420_000), undefined, false, 'renew'],
    ['a 10-minute certificate after 6 minutes', cert({ notAfter: new Date(start.getTime() + 600_000) }), new Date(start.getTime() + 360_000), undefined, false, 'ok'],
  ] as const)('%s → %s', (_name, deployed, now, renewBeforeDays, force, action) => {
    expect(decideRenewal({ deployed, domains: ['www.foobar.com'], now, renewBeforeDays, force }).action).toBe(action);
  });

  it.each([
    ['ECDSA wanted, ECDSA deployed', { keyType: 'ecdsa' as const }, {}, 'ok'],
    ['RSA wanted, ECDSA deployed', { keyType: 'rsa' as const }, { keyType: 'ecdsa' as const }, 'issue'],
    ['RSA wanted, key type unknown', { keyType: 'rsa' as const }, { keyType: undefined }, 'ok'],
    ['production, staging certificate', { production: true }, { issuer: "C = US, O = (STAGING) Let's Encrypt, CN = (STAGING) Ersatz Edamame E1" }, 'issue'],
    ['staging, staging certificate', { production: false }, { issuer: "C = US, O = (STAGING) Let's Encrypt, CN = (STAGING) Ersatz Edamame E1" }, 'ok'],
    ['production, production certificate', { production: true }, { issuer: "C = US, O = Let's Encrypt, CN = E5" }, 'ok'],
  ])('%s', (_name, input, deployed, action) => {
    expect(decideRenewal({ deployed: cert({ keyType: 'ecdsa', ...deployed }), domains: ['www.foobar.com'], now: at(1), force: false, ...input }).action).toBe(action);
  });

  it('says the days left and when it renews', () => {
    const d = decideRenewal({ deployed: cert(), domains: ['www.foobar.com'], now: at(10), force: false });
    expect(d).toEqual({ action: 'ok', reason: '80 days left of 90 days; renews in 50 days', renewAt: at(60) });
    expect(decideRenewal({ deployed: cert(), domains: ['www.foobar.com'], now: at(70), force: false }).reason).toBe('valid until 2026-04-01T00:00:00Z (lifetime 90 days); due since 2026-03-02T00:00:00Z');
    expect(decideRenewal({ deployed: cert(), domains: ['www.foobar.com'], now: at(1), force: true }).reason).toBe('valid until 2026-04-01T00:00:00Z (lifetime 90 days); forced');
    expect(decideRenewal({ deployed: cert(), domains: ['www.foobar.com'], now: at(91), force: false }).reason).toBe('the deployed certificate expired at 2026-04-01T00:00:00Z');
    expect(decideRenewal({ deployed: cert({ names: [] }), domains: ['a.example', 'b.example'], now: at(1), force: false }).reason).toBe(
      'the deployed certificate is for no DNS name, not a.example, b.example',
    );
  });
});

// A plan saved with `plan --out` is applied later: what an issue or renew says must not change while the decision stands.
describe('decideRenewal over time', () => {
  it.each([
    ['due', cert(), [at(70), new Date(at(70).getTime() + 61_000), at(85)], false],
    ['forced', cert(), [at(1), at(2)], true],
    ['expired', cert(), [at(91), at(95)], false],
  ] as const)('%s: the same reason later', (_name, deployed, times, force) => {
    const reasons = times.map((now) => decideRenewal({ deployed, domains: ['www.foobar.com'], now, force }).reason);
    expect(new Set(reasons).size).toBe(1);
  });
});
