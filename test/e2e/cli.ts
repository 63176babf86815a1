import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Repository root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What a CLI run printed and returned. */
export interface CliRun {
  /** Exit code. */
  code: number | null;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** The test inventory's secret, set in the environment of every CLI run. */
export const TEST_SECRET = 'Sup3r-Secret-Db-Pa55';

/** The lab's age identity (made by `lab.sh up`): inventory/lab.yaml reads its secrets from a SOPS file encrypted for it. */
export const LAB_AGE_KEY_FILE = `${ROOT}test/lab/.state/age-key.txt`;

/** The lab inventory's secrets in plain text (made by `lab.sh up`, the source of its SOPS file), to check that output never shows them. */
export function labSecrets(): Record<string, string> {
  const file = `${ROOT}test/lab/.state/secrets.env`;
  if (!existsSync(file)) return {};
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** Runs the built CLI (dist/, as installed by npm) from the repository root, without a TTY, with the lab's age key. */
export function provision(args: string[], options: { env?: Record<string, string>; onStdout?: (text: string) => void; onSpawn?: (child: ChildProcess) => void } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/bundle/provision.js', ...args], {
      cwd: ROOT,
      env: { ...process.env, SOPS_AGE_KEY_FILE: LAB_AGE_KEY_FILE, PROVISION_TEST_DB_PASSWORD: TEST_SECRET, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    options.onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      options.onStdout?.(stdout);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Parses a `--json` run's output. */
export function report(run: CliRun): JsonReport {
  try {
    return JSON.parse(run.stdout) as JsonReport;
  } catch {
    throw new Error(`not JSON (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
}

/** The `--json` document's shape. */
export interface JsonReport {
  /** Per-host counts. */
  hosts: Record<string, { ok: number; changed: number; unknown: number; failed: number; skipped: number; unreachable: boolean; error?: string; transport?: { execs: number } }>;
  /** Per-resource results. */
  results: Array<{ host: string; role: string; resource: string; status: string; changed: boolean; handler: boolean; changes: string[]; diff: string; reason?: string; note?: string; error?: string }>;
}
