/**
 * npm run bench: wall time of provision's common runs on the lab.
 * Boots the lab, converges it, then times each scenario BENCH_RUNS times
 * (default 7) and prints median and spread; then SSH exec calls and bytes per
 * host of a no-op, and the control process's peak RSS. BENCH_CONVERGE_RUNS
 * (default 0: it resets the lab each time) times first converges from fresh hosts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const CONVERGE_RUNS = Number(process.env.BENCH_CONVERGE_RUNS ?? 0);
const INVENTORY = process.argv[2] ?? 'inventory/lab.yaml';

/** The lab's secrets, so the lab inventory loads. */
function labEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const line of readFileSync(`${ROOT}test/lab/.state/secrets.env`, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

interface Sample {
  ms: number;
  stdout: string;
  code: number | null;
  maxRssKb: number;
}

function provision(args: string[]): Sample {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--import', './test/bench/max-rss.mjs', 'dist/cli/main.js', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: labEnv(),
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    maxBuffer: 1 << 28,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { ms, stdout: r.stdout, code: r.status, maxRssKb: Number(String(r.output[3] ?? '0').trim()) };
}

function lab(...args: string[]): void {
  execFileSync('bash', ['test/lab/lab.sh', ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

function labRun(host: string, command: string): void {
  execFileSync('bash', ['test/lab/lab.sh', 'exec', host, command], { cwd: ROOT, stdio: 'ignore' });
}

const row = (label: string, samples: number[], unit = 'ms'): string => {
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const f = (n: number): string => n.toFixed(0).padStart(6);
  return `${label.padEnd(34)} median ${f(median)} ${unit}   min ${f(sorted[0]!)}   max ${f(sorted.at(-1)!)}   (${samples.length} runs)`;
};

/** Runs `args` `runs` times (after `before` each time), failing loudly on an unexpected exit code. */
function time(label: string, args: string[], runs: number, expectCode = 0, before?: () => void): Sample[] {
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    before?.();
    const r = provision(args);
    if (r.code !== expectCode) throw new Error(`${label}: provision ${args.join(' ')} exited ${r.code}\n${r.stdout}`);
    samples.push(r);
  }
  console.log(row(label, samples.map((s) => s.ms)));
  return samples;
}

lab('up');
const converge = provision(['apply', INVENTORY]);
if (converge.code !== 0) throw new Error(`converging the lab failed:\n${converge.stdout}`);

console.log(`provision benchmark on the lab (${INVENTORY}), node ${process.version}`);
const rss: number[] = [];
rss.push(...time('--version (start-up)', ['--version'], RUNS).map((s) => s.maxRssKb));
rss.push(...time('(a) apply, no-op', ['apply', INVENTORY], RUNS).map((s) => s.maxRssKb));
labRun('web-01', 'echo drift >> /etc/motd');
rss.push(...time('(b) plan, one drift', ['plan', INVENTORY, '--detailed-exitcode'], RUNS, 3).map((s) => s.maxRssKb));
provision(['apply', INVENTORY]);
if (CONVERGE_RUNS > 0) {
  rss.push(...time('(c) first converge, fresh hosts', ['apply', INVENTORY], CONVERGE_RUNS, 0, () => lab('reset')).map((s) => s.maxRssKb));
}

const json = JSON.parse(provision(['apply', INVENTORY, '--json']).stdout) as { hosts: Record<string, { transport?: { execs: number; bytesSent: number; bytesReceived: number } }> };
console.log('\n(a) no-op apply, per host: 1 SSH connection each');
for (const [host, h] of Object.entries(json.hosts)) {
  console.log(`  ${host.padEnd(10)} exec calls ${h.transport?.execs}   sent ${h.transport?.bytesSent} B   received ${h.transport?.bytesReceived} B`);
}
console.log(`\npeak RSS of the control process: ${Math.max(...rss) / 1024 | 0} MB (largest of all runs above)`);
