import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { MASK, Secret, clearSecretsForTests, redact } from './secrets.js';

afterEach(() => clearSecretsForTests());

describe('Secret', () => {
  it('reveals its value only on purpose and masks itself everywhere else', () => {
    const s = new Secret('hunter2-long');
    expect(s.reveal()).toBe('hunter2-long');
    expect(`${s}`).toBe('hunter2-long');
    expect(JSON.stringify({ s })).toBe(`{"s":"${MASK}"}`);
    expect(inspect({ s })).not.toContain('hunter2');
  });

  it('is redacted from any text once known', () => {
    new Secret('s3cr3t-value');
    expect(redact('password=s3cr3t-value; again s3cr3t-value')).toBe(`password=${MASK}; again ${MASK}`);
    expect(redact('nothing here')).toBe('nothing here');
  });
});
