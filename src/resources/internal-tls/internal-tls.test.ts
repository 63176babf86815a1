import { X509Certificate } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { MASK } from '../../secrets.js';
import { ABSENT } from '../shared/path-state.js';
import { argErrorOf, cleanup, tempDir } from '../../../test/support/resources.js';
import type { ResolveContext } from '../types.js';
import { internalTls } from './index.js';

const stateDir = tempDir();
afterAll(() => cleanup(stateDir));

const control: ResolveContext = {
  template: () => {
    throw new Error('no templates here');
  },
  controlPath: (path) => path,
  host: { name: 'web-01', address: '10.77.0.12' },
  controlStateDir: stateDir,
};

const planned = (args: Record<string, unknown>) => internalTls.validate(internalTls.resolve!(args, control));

describe('internal_tls', () => {
  it("resolves to the host's certificate from the internal CA, with its names", () => {
    const desired = planned({ path: '/etc/nginx/provision-tls/backend.crt', part: 'certificate', mode: '0644' });
    if (desired.state !== 'present') throw new Error('expected a file');
    const certificate = new X509Certificate(desired.content);
    expect(certificate.subjectAltName).toContain('DNS:web-01');
    expect(certificate.subjectAltName).toContain('IP Address:10.77.0.12');
    expect(certificate.checkIssued(new X509Certificate((planned({ path: '/etc/ca.crt', part: 'ca' }) as { content: string }).content))).toBe(true);
  });

  it('keeps the key a secret: masked in the change shown, the real bytes deployed', () => {
    const desired = planned({ path: '/etc/nginx/provision-tls/backend.key', part: 'key', mode: '0600' });
    if (desired.state !== 'present') throw new Error('expected a file');
    expect(desired.content).toContain('PRIVATE KEY');
    expect(desired.sensitive).toBe(true);
    const shown = JSON.stringify(internalTls.decide(desired, { stat: ABSENT }).changes);
    expect(shown).not.toContain('PRIVATE KEY');
    expect(shown).toContain(MASK);
  });

  it('reuses the material run after run', () => {
    const args = { path: '/etc/k', part: 'key' };
    expect(planned(args)).toEqual(planned(args));
  });

  it.each([
    [{ path: '/etc/k' }, 'part', "'part' is required: one of certificate, key, ca"],
    [{ path: '/etc/k', part: 'chain' }, 'part', "'part' must be one of"],
    [{ path: '/etc/k', part: 'key', content: 'mine' }, 'content', "unknown key 'content'"],
  ])('refuses %j', (args, key, message) => {
    const err = argErrorOf({ validate: planned }, args);
    expect(err.key).toBe(key);
    expect(err.message).toContain(message);
  });

  it('refuses content that resolve did not issue', () => {
    expect(argErrorOf(internalTls, { path: '/etc/k', content: 'a key of my own' }).message).toContain("'part' was not resolved on the control node");
  });
});
