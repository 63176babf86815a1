import { afterEach, describe, expect, it } from 'vitest';
import { clearSecretsForTests, registerSecret } from '../secrets.js';
import { trusted } from '../shell/quote.js';
import { connectLocal } from './local.js';

describe('scripts on the control node (ansible_connection: local)', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
    clearSecretsForTests();
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

  it("keep the operator's SSH agent and proxies, but for a value provision reads as a secret", async () => {
    const passed = { SSH_AUTH_SOCK: '/tmp/agent.sock', http_proxy: 'http://proxy.invalid:3128', HTTPS_PROXY: 'http://proxy.invalid:3129', no_proxy: 'localhost', ALL_PROXY: 'socks5://proxy.invalid:1080', ftp_proxy: 'http://proxy.invalid:21' };
    Object.assign(process.env, passed, { https_proxy: 'http://user:Proxy-Secret-5@proxy.invalid:3128', SOPS_AGE_KEY_FILE: '/tmp/key.txt' });
    registerSecret('http://user:Proxy-Secret-5@proxy.invalid:3128');
    const connection = await connectLocal({ name: 'me', type: 'local', address: 'localhost', become: false });
    const result = await connection.runScript(trusted('env'));
    expect(result.code).toBe(0);
    for (const [name, value] of Object.entries(passed)) expect(result.stdout).toContain(`${name}=${value}`);
    expect(result.stdout).not.toContain('Proxy-Secret-5');
    expect(result.stdout).not.toContain('SOPS_AGE_KEY_FILE');
  });
});
