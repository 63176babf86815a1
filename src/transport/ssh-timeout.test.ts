/**
 * The connection timeout a host's inventory sets (ansible_timeout, ansible_ssh_timeout) is the one
 * its SSH connection waits for, not the run's (--timeout, ansible.cfg), as in Ansible: against a
 * loopback server that accepts and never speaks SSH.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from './ssh.js';
import { UnreachableError } from './types.js';

let server: Server;
let port: number;
const sockets: Socket[] = [];
const dir = mkdtempSync(join(tmpdir(), 'provision-ssh-timeout-'));
const keyFile = join(dir, 'key');

beforeAll(async () => {
  // A key file to log in with: without one no connection is tried. The server never gets as far as asking for it.
  writeFileSync(keyFile, 'not a key: never read by a server that never speaks', { mode: 0o600 });
  server = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(() => {
  for (const socket of sockets) socket.destroy();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the connection timeout', () => {
  it("a host's own timeout beats the run's", async () => {
    const started = Date.now();
    const target = { name: 'mute', address: '127.0.0.1', port, privateKeyFile: keyFile, knownHostsFile: join(dir, 'known_hosts'), become: false, timeoutSeconds: 1 };
    await expect(connect(target, { acceptNewHostKeys: false, timeoutMs: 60_000 })).rejects.toBeInstanceOf(UnreachableError);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(900);
    expect(waited).toBeLessThan(5_000);
  }, 10_000);

  it("without one, the run's", async () => {
    const started = Date.now();
    const target = { name: 'mute', address: '127.0.0.1', port, privateKeyFile: keyFile, knownHostsFile: join(dir, 'known_hosts'), become: false };
    await expect(connect(target, { acceptNewHostKeys: false, timeoutMs: 1_000 })).rejects.toBeInstanceOf(UnreachableError);
    expect(Date.now() - started).toBeLessThan(5_000);
  }, 10_000);
});
