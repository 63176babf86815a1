/**
 * Ctrl-C ends every command that contacts hosts with exit 130, whatever it was doing: here each is
 * interrupted while its host (a loopback port that accepts and never answers) is being connected to.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// The CLI bundled from the current sources (test/support/cli-bundle.ts).
const CLI = inject('provisionCli');

describe.concurrent('Ctrl-C while a host is being connected to', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provision-interrupt-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'key')]);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // A saved plan: apply --plan checks every host against it before changing any.
  const savedPlan = join(dir, 'plan.json');
  writeFileSync(savedPlan, JSON.stringify({ provision_plan: 2, inventory: 'site.yaml', created: new Date().toISOString(), hosts: { silent: [] } }));

  /** Runs provision on a host that never answers, sends SIGINT once it has connected; its exit and output. */
  async function interrupted(command: string, after: string[]): Promise<{ code: number | null; signal: string | null; out: string }> {
    const sockets = new Set<Socket>();
    let connected: () => void = () => undefined;
    const reached = new Promise<void>((resolve) => (connected = resolve));
    const server = createServer((socket) => {
      sockets.add(socket);
      connected();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const inventory = join(dir, `${command}-${after.length}.yaml`);
    // Absolute: a relative ansible_ssh_private_key_file is read from the current directory (ROOT), as ssh opens it.
    writeFileSync(inventory, `all:\n  hosts:\n    silent: { ansible_host: 127.0.0.1, ansible_port: ${(server.address() as { port: number }).port}, ansible_ssh_private_key_file: ${JSON.stringify(join(dir, 'key'))} }\n`);
    try {
      const child = spawn(process.execPath, [CLI, command, inventory, '--timeout', '3', ...after], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
      await reached;
      child.kill('SIGINT');
      return { ...(await exited), out };
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  }

  it.each([
    ['status', []],
    ['status', ['--watch']],
    ['exec', ['--', 'true']],
    ['apply', []],
    ['apply', ['--plan', savedPlan]],
  ])('%s %j exits 130', async (command, after) => {
    const run = await interrupted(command, after);
    expect({ code: run.code, signal: run.signal }, run.out).toEqual({ code: 130, signal: null });
    expect(run.out).toContain('interrupted: ');
  });
});
