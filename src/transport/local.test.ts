import { afterEach, describe, expect, it } from 'vitest';
import { trusted } from '../shell/quote.js';
import { connectLocal } from './local.js';

describe('scripts on the control node (ansible_connection: local)', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  });

  it("run without provision's own environment (secrets read from it, the SOPS key), with a login's", async () => {
    process.env.APP_DB_PASSWORD = 'env-Secret-77';
    process.env.SOPS_AGE_KEY = 'AGE-SECRET-KEY-1TEST';
    process.env.LC_ALL = 'C.UTF-8';
    const connection = await connectLocal({ name: 'me', type: 'local', address: 'localhost', become: false });
    const result = await connection.runScript(trusted('env'));
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('env-Secret-77');
    expect(result.stdout).not.toContain('AGE-SECRET-KEY');
    expect(result.stdout).toContain('LC_ALL=C.UTF-8');
    expect(result.stdout).toMatch(/^PATH=/m);
  });
});
