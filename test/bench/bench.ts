/**
 * npm run bench: wall time of provision's common runs on the lab.
 * Boots the lab, converges it once, then times each scenario RUNS times and
 * prints median and spread, plus SSH exec calls and bytes per host for a no-op.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const INVENTORY = process.argv[2] ?? 'inventory/lab.yaml';

function provision(args: string[]): { ms: number; stdout: string; code: number | null } {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['dist/cli/main.js', ...args], { cwd: ROOT, encoding: 'utf8' });
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, stdout: r.stdout, code: r.status };
}

function stats(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return `median ${median.toFixed(0).padStart(5)} ms   min ${sorted[0]!.toFixed(0).padStart(5)}   max ${sorted.at(-1)!.toFixed(0).padStart(5)}`;
}

function time(label: string, args: string[]): void {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = provision(args);
    if (r.code !== 0) throw new Error(`${label}: provision ${args.join(' ')} exited ${r.code}\n${r.stdout}`);
    samples.push(r.ms);
  }
  console.log(`${label.padEnd(28)} ${stats(samples)}   (${RUNS} runs)`);
}

execFileSync('bash', ['test/lab/lab.sh', 'up'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
const converge = provision(['apply', INVENTORY]);
if (converge.code !== 0) throw new Error(`converging the lab failed:\n${converge.stdout}`);

console.log(`provision benchmark on the lab (${INVENTORY}), node ${process.version}`);
time('--version (start-up)', ['--version']);
time('apply, no-op', ['apply', INVENTORY]);
time('plan, nothing to change', ['plan', INVENTORY]);

const json = JSON.parse(provision(['apply', INVENTORY, '--json']).stdout) as { hosts: Record<string, { transport?: { execs: number; bytesSent: number; bytesReceived: number } }> };
console.log('\nno-op apply, per host (after connecting):');
for (const [host, h] of Object.entries(json.hosts)) {
  console.log(`  ${host.padEnd(10)} exec calls ${h.transport?.execs}   sent ${h.transport?.bytesSent} B   received ${h.transport?.bytesReceived} B`);
}
