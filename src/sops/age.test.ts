/** Wrapping and unwrapping a SOPS data key with age, as the control node does on every run that reads a SOPS file. */
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { describe, expect, it } from 'vitest';
import { parseRecipient, unwrapDataKey, wrapDataKey } from './age.js';

describe('unwrapDataKey', () => {
  it.each([
    ['the identity the key was wrapped for', true, 'dataKey'],
    ['another identity', false, 'noMatch'],
  ])('with %s', async (_, same, outcome) => {
    const identity = await generateX25519Identity();
    const dataKey = new Uint8Array(32).map((_, i) => i);
    const enc = await wrapDataKey(dataKey, parseRecipient(await identityToRecipient(identity)));
    const result = await unwrapDataKey(enc, [same ? identity : await generateX25519Identity()]);
    expect(outcome in result).toBe(true);
    if ('dataKey' in result) expect([...result.dataKey]).toEqual([...dataKey]);
  });

  it("does not go through fetch's Response (it would load undici, ~9 MB of the control node, on every run)", async () => {
    const identity = await generateX25519Identity();
    const enc = await wrapDataKey(new Uint8Array(32), parseRecipient(await identityToRecipient(identity)));
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'Response')!;
    Object.defineProperty(globalThis, 'Response', {
      configurable: true,
      get: () => {
        throw new Error('Response used');
      },
    });
    try {
      expect(await unwrapDataKey(enc, [identity])).toEqual({ dataKey: new Uint8Array(32) });
    } finally {
      Object.defineProperty(globalThis, 'Response', saved);
    }
  });
});
