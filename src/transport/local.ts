import type { Shell } from '../shell/quote.js';
import { isSecretValue } from '../secrets.js';
import { spawn } from 'node:child_process';
import { userInfo } from 'node:os';
import { becomeCommand, becomeFailure } from './become.js';
import { BecomeError, feedInput, type ConnectTarget, type Connection, type ExecResult, type RunScriptOptions, type TransportStats } from './types.js';

/**
 * The control node itself (Ansible's `ansible_connection: local`): scripts run
 * in a local `sh -s` (through sudo with become), over stdin like on a remote
 * host, behind the same Connection interface.
 */
export async function connectLocal(target: ConnectTarget): Promise<Connection> {
  return new LocalConnection(target);
}

class LocalConnection implements Connection {
  readonly stats: TransportStats = { execs: 0, bytesSent: 0, bytesReceived: 0 };
  readonly #become: ReturnType<typeof becomeCommand>;

  constructor(target: ConnectTarget) {
    this.#become = becomeCommand(target, userInfo().username);
  }

  runScript(script: Shell, { onStdout, reply }: RunScriptOptions = {}): Promise<ExecResult> {
    this.stats.execs++;
    const input = this.#become.input(script);
    return new Promise((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', this.#become.command], { stdio: ['pipe', 'pipe', 'pipe'], env: loginEnvironment(process.env) });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        onStdout?.(chunk.toString());
      });
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => {
        this.stats.bytesReceived += Buffer.byteLength(stdout) + Buffer.byteLength(stderr);
        const refused = code !== 0 ? becomeFailure(stderr) : undefined;
        if (refused) reject(new BecomeError(refused));
        else resolve({ stdout, stderr, code });
      });
      // A script that exits before reading all its input must not crash the run.
      child.stdin.on('error', () => undefined);
      feedInput(child.stdin, input, reply, (bytes) => (this.stats.bytesSent += bytes));
    });
  }

  async close(): Promise<void> {}
}

// What a login on a host has too, and the SSH agent and proxies the operator's session uses (a script
// fetching through the proxy, or cloning over SSH, works as from their shell); the rest of provision's
// environment (secrets read with `{ secret: ENV }`, SOPS_AGE_KEY, vault passwords) is provision's own.
const LOGIN_VARIABLES = /^(PATH|HOME|USER|LOGNAME|SHELL|LANG|LANGUAGE|LC_[A-Z]+|TZ|TERM|TMPDIR|SSH_AUTH_SOCK)$/;
const PROXY_VARIABLES = /^(http|https|ftp|all|no)_proxy$/i;

/** The environment scripts run in on the control node: only what a login on a host would also have (sudo resets it too), never a secret's value. */
function loginEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name, value]) => (LOGIN_VARIABLES.test(name) || PROXY_VARIABLES.test(name)) && !isSecretValue(value ?? '')));
}
