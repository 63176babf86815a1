/**
 * A Connection (the transport's interface) for tests: each script runs in a
 * local `sh -s`, fed on stdin as the transports do, so the engine's own
 * batching and framing are what run (and its reply, RunScriptOptions.reply). Counts its calls and keeps the scripts.
 */
import { spawn } from 'node:child_process';
import type { Shell } from '../../src/shell/quote.js';
import { type Connection, type ExecResult, feedInput, type RunScriptOptions } from '../../src/transport/types.js';
import { exitCodeOf } from '../../src/transport/exit-code.js';

/** How the local connection behaves. */
export interface LocalConnectionOptions {
  /** Directory the scripts run in (default: the test's working directory). */
  cwd?: string;
  /** The connection is lost after this many calls: later ones end with code null, like a dropped SSH session. */
  dropAfter?: number;
}

/** A local connection; `scripts` holds every script it was given, in order. */
export function localConnection({ cwd, dropAfter = Infinity }: LocalConnectionOptions = {}): Connection & { scripts: Shell[] } {
  const scripts: Shell[] = [];
  const connection: Connection & { scripts: Shell[] } = {
    scripts,
    stats: { execs: 0, bytesSent: 0, bytesReceived: 0 },
    runScript(script: Shell, options?: RunScriptOptions): Promise<ExecResult> {
      scripts.push(script);
      connection.stats.execs++;
      if (scripts.length > dropAfter) return Promise.resolve({ stdout: '', stderr: '', code: null });
      // Asynchronous: a server the test runs (a health check) answers while the script runs.
      return new Promise((resolve, reject) => {
        const child = spawn('sh', ['-s'], { cwd });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          options?.onStdout?.(d.toString());
        });
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('error', reject);
        child.on('close', (code, signal) => resolve({ stdout, stderr, code: exitCodeOf(code, signal) }));
        child.stdin.on('error', () => undefined);
        feedInput(child.stdin, script, options?.reply, (bytes) => (connection.stats.bytesSent += bytes));
      });
    },
    async close() {},
  };
  return connection;
}
