/**
 * vitest globalSetup of the lab project: boots the lab once (`lab.sh up`, which
 * builds it the first time). When the lab cannot come up, the whole lab suite
 * fails with lab.sh's own reason: lab tests never skip silently.
 * The lab is left up afterwards; `npm run lab -- down` stops it.
 */
import { spawn } from 'node:child_process';
import { LAB_REPO_ROOT, LAB_SH, tail } from './lab.js';

export default async function setup(): Promise<void> {
  const started = Date.now();
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve, reject) => {
    const child = spawn('bash', [LAB_SH, 'up'], { cwd: LAB_REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const forward = (d: Buffer): void => {
      output += d.toString('utf8');
      // Progress of a first build (about a minute) shows in the test log.
      process.stderr.write(d);
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    child.on('error', reject);
    child.on('close', (exit, signal) => resolve({ code: exit ?? (signal ? 128 : 1), output }));
  });
  if (code !== 0) {
    throw new Error(
      `the lab did not come up: lab.sh up exited ${code} after ${Math.round((Date.now() - started) / 1000)} s:\n${tail(output, 40)}`,
    );
  }
}
