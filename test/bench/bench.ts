/**
 * npm run bench: wall time of provision's common runs on the lab.
 * Boots the lab, converges it, then times each scenario BENCH_RUNS times
 * (default 7) and prints median and spread, and the CPU the controller, the
 * hosts and the whole machine used (test/bench/cpu.ts); then SSH exec calls and
 * bytes per host of a no-op, and the control process's peak RSS.
 * BENCH_CONVERGE_RUNS (default 5; the lab is reset before each) times first
 * converges from fresh hosts.
 *
 * Ansible (scenario ansible, only when BENCH_ONLY names it: it needs Ansible
 * on the control node): the same job done by the playbook in
 * test/bench/ansible, timed the same way: first converges from fresh hosts,
 * no-op runs, and --check --diff after the drift of the plan scenario.
 * BENCH_ANSIBLE_UFW picks how the playbook does the firewall: `module`
 * (default: community.general.ufw, one call per setting and rule) or `files`
 * (ufw's files written by templates, one `ufw reload`); its rows name it.
 *
 * Scale: for each host count in BENCH_SCALE (default 3,10,30) it boots the lab
 * with `lab.sh up --hosts N`, converges the generated inventory
 * (test/lab/.state/inventory-N.yaml: every host, role common) once, and times
 * no-op applies. At the end the lab is back to its three hosts (`lab.sh up`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAB_HOSTS, labHostNames, labScaleInventory } from '../lab/lab.js';
import { ensureHostDebs, PLAYBOOK_DIR, parseRecap, requireAnsible, ufwVariantOf } from './ansible-run.js';
import { writeAnsibleSecrets } from './ansible-secrets.js';
import { busyShare, coresOf, labHostsCpuUs, machineBusyUs } from './cpu.js';
import { type ExpectedChanges, oneExecProblem, type ProvisionHost, provisionHosts, provisionRunProblem, recapProblem } from './recap.js';

const CORES = coresOf();

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const CONVERGE_RUNS = Number(process.env.BENCH_CONVERGE_RUNS ?? 5);
const SCALE = (process.env.BENCH_SCALE ?? '3,10,30')
  .split(',')
  .filter((s) => s.trim() !== '')
  .map(Number);
const INVENTORY = process.argv[2] ?? 'inventory/lab.yaml';
const SCENARIOS = ['version', 'noop', 'plan', 'fresh-plan', 'converge', 'renew', 'ansible', 'scale'] as const;
/** Run unless BENCH_ONLY says otherwise: all but ansible, which needs Ansible installed. */
const DEFAULT_SCENARIOS = SCENARIOS.filter((s) => s !== 'ansible');
const ONLY = new Set((process.env.BENCH_ONLY ?? DEFAULT_SCENARIOS.join(',')).split(',').map((s) => s.trim()).filter((s) => s !== ''));
for (const name of ONLY) if (!(SCENARIOS as readonly string[]).includes(name)) throw new Error(`BENCH_ONLY: unknown scenario ${name} (known: ${SCENARIOS.join(', ')})`);
const wanted = (name: (typeof SCENARIOS)[number]): boolean => ONLY.has(name);
// Before the lab and the other scenarios: a bench that cannot run Ansible says so at once.
if (wanted('ansible')) requireAnsible();
const UFW_VARIANT = ufwVariantOf(process.env.BENCH_ANSIBLE_UFW);
/** The host the plan and check scenarios drift (one line added to its /etc/motd). */
const DRIFT_HOST = 'web-01';

/** The lab's age key, so the lab inventory can decrypt its SOPS secrets. */
function labEnv(): NodeJS.ProcessEnv {
  return { ...process.env, SOPS_AGE_KEY_FILE: `${ROOT}test/lab/.state/age-key.txt` };
}

interface Sample {
  ms: number;
  stdout: string;
  stderr: string;
  code: number | null;
  maxRssKb: number;
  /** CPU time of the control process. */
  cpuMs: number;
  /** CPU time of the lab's hosts during the run (every process in their containers), when their cgroups report it. */
  hostsCpuMs?: number;
  /** CPU time of the whole machine during the run (all cores: controller, hosts, Pebble, the Sumo fake, the kernel). */
  machineCpuMs: number;
  /** Where the run spent its time (PROVISION_TIMINGS), when it wrote them. */
  spans?: Span[];
}

/** One span of a run's timings (src/engine/timing.ts). */
interface Span {
  host: string;
  phase: string;
  start: number;
  end: number;
}

const TIMINGS_DIR = mkdtempSync(join(tmpdir(), 'provision-bench-'));
process.on('exit', () => rmSync(TIMINGS_DIR, { recursive: true, force: true }));

/** Runs a command as a bench sample: wall time, CPU of the hosts and the machine, and the process's own figures (on fd 3, from usage.mjs or rusage.py). */
function measure(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Sample {
  const hostsBefore = labHostsCpuUs();
  const machineBefore = machineBusyUs();
  const started = process.hrtime.bigint();
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'], maxBuffer: 1 << 28 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const machineCpuMs = (machineBusyUs() - machineBefore) / 1000;
  const hostsAfter = labHostsCpuUs();
  // Written on exit; a process that died before (a signal) has no figures, and its run fails on its code.
  const usage = JSON.parse(String(r.output[3] || '{"maxRssKb":null,"cpuUs":null}')) as { maxRssKb: number | null; cpuUs: number | null };
  return {
    ms,
    stdout: r.stdout,
    stderr: r.stderr,
    code: r.status,
    maxRssKb: usage.maxRssKb ?? Number.NaN,
    cpuMs: (usage.cpuUs ?? Number.NaN) / 1000,
    machineCpuMs,
    ...(hostsBefore !== undefined && hostsAfter !== undefined ? { hostsCpuMs: (hostsAfter - hostsBefore) / 1000 } : {}),
  };
}

function provision(args: string[]): Sample {
  const timings = join(TIMINGS_DIR, 'timings.json');
  rmSync(timings, { force: true });
  const sample = measure(process.execPath, ['--import', './test/bench/usage.mjs', 'dist/bundle/provision.js', ...args], ROOT, { ...labEnv(), PROVISION_TIMINGS: timings });
  const spans = existsSync(timings) ? (JSON.parse(readFileSync(timings, 'utf8')) as { spans: Span[] }).spans : undefined;
  return { ...sample, ...(spans ? { spans } : {}) };
}

/** The breakdown's columns: a span's phase (engine words: a resource type, a handler, a control step) in the bench's words. */
const PHASES = ['connect', 'probe', 'apt update', 'package install', 'other changes', 'handlers', 'certificate order', 'rollout waits', 'drain + health', 'API (Sumo)', 'study'] as const;
type Phase = (typeof PHASES)[number];

function phaseOf(span: string): Phase | undefined {
  if (span === 'connect' || span === 'probe' || span === 'study') return span;
  if (span === 'apply package: apt-update') return 'apt update';
  if (span === 'apply package: install') return 'package install';
  if (span.startsWith('apply ')) return 'other changes';
  if (span.startsWith('handler ')) return 'handlers';
  if (span === 'control certificate') return 'certificate order';
  if (span === 'wait') return 'rollout waits';
  if (span === 'drain' || span === 'health') return 'drain + health';
  if (span === 'api') return 'API (Sumo)';
  return undefined;
}

/**
 * Per host and phase, the median over the runs of the seconds spent (phases of
 * one host run one after the other, except the API calls, beside the host's own);
 * "host" is from its first span to its last; start-up is everything before the hosts.
 */
function breakdown(samples: Sample[]): string {
  const runs = samples.filter((s) => s.spans);
  if (runs.length === 0) return '(no timings: this build does not write PROVISION_TIMINGS)';
  const hosts = [...new Set(runs.flatMap((r) => r.spans!.map((s) => s.host)))].filter((h) => h !== '');
  const cell = (values: number[]): string => (stats(values).median / 1000).toFixed(2);
  const out = [`| host | ${[...PHASES, 'host total'].join(' | ')} |`, `|---|${[...PHASES, 'total'].map(() => '---|').join('')}`];
  for (const host of hosts) {
    const perRun = runs.map((r) => {
      const spans = r.spans!.filter((s) => s.host === host);
      const sums = new Map<Phase, number>();
      for (const s of spans) {
        const phase = phaseOf(s.phase);
        if (phase) sums.set(phase, (sums.get(phase) ?? 0) + (s.end - s.start));
      }
      return { sums, total: Math.max(...spans.map((s) => s.end)) - Math.min(...spans.map((s) => s.start)) };
    });
    out.push(`| ${host} | ${PHASES.map((p) => cell(perRun.map((r) => r.sums.get(p) ?? 0))).join(' | ')} | ${cell(perRun.map((r) => r.total))} |`);
  }
  const startup = runs.map((r) => r.spans!.find((s) => s.phase === 'start-up')?.end ?? 0);
  const wall = runs.map((r) => r.ms);
  out.push('', `start-up (Node, inventory, roles, plans) median ${cell(startup)} s; whole run median ${cell(wall)} s; seconds, median of ${runs.length} runs`);
  return out.join('\n');
}

function lab(...args: string[]): void {
  execFileSync('bash', ['test/lab/lab.sh', ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** One drift on DRIFT_HOST: a line added to a file its role manages. */
function drift(): void {
  execFileSync('bash', ['test/lab/lab.sh', 'exec', DRIFT_HOST, 'echo drift >> /etc/motd'], { cwd: ROOT, stdio: 'ignore' });
}

interface Stats {
  median: number;
  min: number;
  max: number;
  runs: number;
}

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]!, max: sorted.at(-1)!, runs: samples.length };
}

const row = (label: string, samples: number[], unit = 'ms'): string => {
  const s = stats(samples);
  const f = (n: number): string => n.toFixed(0).padStart(6);
  return `${label.padEnd(34)} median ${f(s.median)} ${unit}   min ${f(s.min)}   max ${f(s.max)}   (${s.runs} runs)`;
};

/** Every timed scenario, for the summary table at the end. */
const summary: { label: string; stats: Stats; peakRssMb: number; cpu: Cpu }[] = [];

/** Medians over a scenario's runs of the CPU seconds each part used. */
interface Cpu {
  controller: number;
  hosts?: number;
  machine: number;
}

function cpuOf(samples: Sample[]): Cpu {
  const median = (values: number[]): number => stats(values).median / 1000;
  const hosts = samples.map((s) => s.hostsCpuMs).filter((v) => v !== undefined);
  return {
    controller: median(samples.map((s) => s.cpuMs)),
    machine: median(samples.map((s) => s.machineCpuMs)),
    ...(hosts.length === samples.length ? { hosts: median(hosts) } : {}),
  };
}

/** The CPU a run needed, and the least wall time that CPU allows on this machine's cores. */
function cpuText(cpu: Cpu): string {
  const hosts = cpu.hosts === undefined ? 'hosts n/a (no cgroup cpu.stat)' : `hosts ${cpu.hosts.toFixed(2)} s`;
  return `medians: controller ${cpu.controller.toFixed(2)} s, ${hosts}, whole machine ${cpu.machine.toFixed(2)} s = ${(cpu.machine / CORES).toFixed(2)} s of wall time on ${CORES} cores`;
}

/** Runs `once` `runs` times (after `before` each time) and prints and records the figures. */
function timed(label: string, runs: number, once: () => Sample, before?: () => void): Sample[] {
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    before?.();
    samples.push(once());
  }
  console.log(row(label, samples.map((s) => s.ms)));
  const cpu = cpuOf(samples);
  console.log(`${''.padEnd(34)} CPU ${cpuText(cpu)}`);
  summary.push({ label, stats: stats(samples.map((s) => s.ms)), peakRssMb: mb(Math.max(...samples.map((s) => s.maxRssKb))), cpu });
  return samples;
}

/** What is wrong with a run, or undefined. */
type RunCheck = (run: Sample) => string | undefined;

const exitsZero: RunCheck = (r) => (r.code === 0 ? undefined : `exited ${r.code}`);

/** A run with --json: exit code `code`, and on `hosts` (the lab's three unless given) the changes `changes` and no failed or unreachable host. */
function recapIs(changes: ExpectedChanges, { code = 0, hosts = LAB_HOSTS }: { code?: number; hosts?: readonly string[] } = {}): RunCheck {
  return (r) => provisionRunProblem(r.code, r.stdout, { code, changes, hosts });
}

/** Times provision `args`, failing loudly on a run `check` finds wrong: a failed run is never timed as a fast one. */
function time(label: string, args: string[], runs: number, check: RunCheck, before?: () => void): Sample[] {
  return timed(
    label,
    runs,
    () => {
      const r = provision(args);
      const problem = check(r);
      if (problem !== undefined) throw new Error(`${label}: provision ${args.join(' ')}: ${problem}\n${r.stdout}${r.stderr}`);
      return r;
    },
    before,
  );
}

/**
 * One ansible-playbook run of the reference site, on SSH connections of its
 * own (a new ControlPath directory), whose ControlPersist masters are ended
 * after the run (they would outlive it by 60 s, connected to the hosts).
 */
function ansible(secrets: string, args: string[], changes: ExpectedChanges): Sample {
  const controlPaths = mkdtempSync(join(TIMINGS_DIR, 'ansible-cp-'));
  const env = { ...process.env, ANSIBLE_SSH_CONTROL_PATH_DIR: controlPaths, ANSIBLE_NOCOLOR: '1' };
  try {
    const playbook = ['site.yaml', '-e', `ufw_variant=${UFW_VARIANT}`, '-e', `@${secrets}`, ...args];
    const r = measure('python3', [join(ROOT, 'test/bench/rusage.py'), 'ansible-playbook', ...playbook], PLAYBOOK_DIR, env);
    const problem = r.code === 0 ? recapProblem(parseRecap(r.stdout), LAB_HOSTS, changes) : `exited ${r.code}`;
    if (problem !== undefined) throw new Error(`ansible-playbook site.yaml ufw_variant=${UFW_VARIANT} ${args.join(' ')}: ${problem}\n${r.stdout}${r.stderr}`);
    return r;
  } finally {
    for (const socket of readdirSync(controlPaths)) spawnSync('ssh', ['-O', 'exit', '-o', `ControlPath=${join(controlPaths, socket)}`, 'lab-host'], { stdio: 'ignore' });
  }
}

/** The proof that the playbook did provision's job: provision plans nothing after Ansible's converge. */
function assertSameJob(): void {
  const r = provision(['plan', INVENTORY, '--detailed-exitcode']);
  if (r.code !== 0) throw new Error(`after Ansible's converge, provision plan ${INVENTORY} exited ${r.code} (0: nothing to change): the playbook no longer does the same job\n${r.stdout}${r.stderr}`);
}

/** The same job by Ansible (test/bench/ansible): first converge, no-op, check after one drift; then the lab is provision's again. */
async function ansibleScenario(): Promise<void> {
  ensureHostDebs();
  const secrets = await writeAnsibleSecrets();
  // A signal skips finally blocks and exit handlers: the decrypted file must not outlive an interrupted bench.
  const onSignal = (signal: NodeJS.Signals): void => {
    rmSync(secrets, { force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  const variant = `(ufw: ${UFW_VARIANT})`;
  try {
    if (CONVERGE_RUNS > 0) timed(`(A-c) Ansible first converge ${variant}`, CONVERGE_RUNS, () => ansible(secrets, [], 'every'), () => lab('reset'));
    else {
      lab('reset');
      ansible(secrets, [], 'every');
    }
    assertSameJob();
    timed(`(A-a) Ansible no-op ${variant}`, RUNS, () => ansible(secrets, [], 'none'));
    drift();
    timed(`(A-b) Ansible --check --diff, one drift ${variant}`, RUNS, () => ansible(secrets, ['--check', '--diff'], { only: [DRIFT_HOST] }));
  } finally {
    rmSync(secrets, { force: true });
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    // Back to provision's lab whatever happened: Ansible's hosts carry its own packages and files.
    lab('reset');
    converge(INVENTORY);
  }
}

/** A no-op apply with --json on `hosts`, which must change nothing and make one SSH exec call per host: each host's figures. */
function noopHosts(inventory: string, hosts: readonly string[]): Record<string, ProvisionHost> {
  const r = provision(['apply', inventory, '--json']);
  const json = provisionHosts(r.stdout);
  const problem = provisionRunProblem(r.code, r.stdout, { code: 0, changes: 'none', hosts }) ?? oneExecProblem(json!);
  if (problem !== undefined) throw new Error(`provision apply ${inventory} --json: ${problem}\n${r.stdout}${r.stderr}`);
  return json!;
}

/**
 * Waits until the machine is idle (under 10% of its cores busy over 2 s) or
 * `maxSeconds` passed: freshly booted hosts keep the cores busy for a while
 * (systemd starting their units), CPU the timed runs would otherwise share.
 */
function settle(maxSeconds = 180): void {
  const deadline = Date.now() + maxSeconds * 1000;
  for (;;) {
    const before = machineBusyUs();
    execFileSync('sleep', ['2']);
    const share = busyShare(before, machineBusyUs(), 2e6, CORES);
    if (share < 0.1) return;
    if (Date.now() > deadline) {
      console.log(`machine still ${(share * 100).toFixed(0)}% busy after ${maxSeconds} s: timing anyway`);
      return;
    }
  }
}

function converge(inventory: string): void {
  const r = provision(['apply', inventory]);
  if (r.code !== 0) throw new Error(`converging ${inventory} failed (exit ${r.code}):\n${r.stdout}${r.stderr}`);
}

const mb = (kb: number): number => Math.round(kb / 1024);
const seconds = (v: number | undefined): string => (v === undefined ? 'n/a' : `${v.toFixed(2)} s`);

interface ScaleRow {
  hosts: number;
  noop: Stats;
  maxExecs: number;
  peakRssMb: number;
  cpu: Cpu;
}

try {
  lab('up');
  converge(INVENTORY);

  console.log(`provision benchmark on the lab (${INVENTORY}), node ${process.version}`);
  const rss: number[] = [];
  if (wanted('version')) rss.push(...time('--version (start-up)', ['--version'], RUNS, exitsZero).map((s) => s.maxRssKb));
  if (wanted('noop')) rss.push(...time('(a) apply, no-op', ['apply', INVENTORY, '--json'], RUNS, recapIs('none')).map((s) => s.maxRssKb));
  if (wanted('plan')) {
    drift();
    rss.push(...time('(b) plan, one drift', ['plan', INVENTORY, '--detailed-exitcode', '--json'], RUNS, recapIs({ only: [DRIFT_HOST] }, { code: 3 })).map((s) => s.maxRssKb));
    converge(INVENTORY);
  }
  if (wanted('fresh-plan') && CONVERGE_RUNS > 0) {
    const runs = time('(e) plan, fresh hosts', ['plan', INVENTORY, '--json'], CONVERGE_RUNS, recapIs('every'), () => lab('reset'));
    console.log(`\n(e) plan of fresh hosts: where the time goes\n\n${breakdown(runs)}\n`);
    lab('reset');
    converge(INVENTORY);
  }
  if (wanted('converge') && CONVERGE_RUNS > 0) {
    const runs = time('(c) first converge, fresh hosts', ['apply', INVENTORY, '--json'], CONVERGE_RUNS, recapIs('every'), () => lab('reset'));
    rss.push(...runs.map((s) => s.maxRssKb));
    console.log(`\n(c) first converge: where the time goes (seconds per host and phase)\n\n${breakdown(runs)}\n`);
  }
  if (wanted('renew')) {
    const printsNothing: RunCheck = (r) => exitsZero(r) ?? (r.stdout !== '' || r.stderr !== '' ? 'with nothing due it must print nothing' : undefined);
    rss.push(...time('(d) renew, nothing due', ['renew', INVENTORY], RUNS, printsNothing).map((s) => s.maxRssKb));
  }
  if (wanted('ansible')) await ansibleScenario();

  if (wanted('noop')) {
    console.log('\n(a) no-op apply, per host: 1 SSH connection each');
    for (const [host, { transport: t }] of Object.entries(noopHosts(INVENTORY, LAB_HOSTS))) {
      console.log(`  ${host.padEnd(10)} exec calls ${t?.execs}   sent ${t?.bytesSent} B   received ${t?.bytesReceived} B`);
    }
  }
  if (rss.length > 0) console.log(`\npeak RSS of the control process: ${mb(Math.max(...rss))} MB (largest of all runs above)`);

  // Scale: the same no-op on 3, 10, 30 hosts (role common), so the growth is visible.
  const scale: ScaleRow[] = [];
  for (const hosts of wanted('scale') ? SCALE : []) {
    lab('up', '--hosts', String(hosts));
    const inventory = relative(ROOT, labScaleInventory(hosts));
    converge(inventory); // extra hosts keep their disk between runs: converged already after the first bench
    settle();
    const names = labHostNames(hosts);
    const samples = time(`no-op apply, ${hosts} hosts (common)`, ['apply', inventory, '--json'], RUNS, recapIs('none', { hosts: names }));
    const transport = Object.values(noopHosts(inventory, names)).map((h) => h.transport);
    if (transport.length !== hosts) throw new Error(`${inventory}: expected ${hosts} hosts in the report, got ${transport.length}`);
    scale.push({
      hosts,
      noop: stats(samples.map((s) => s.ms)),
      maxExecs: Math.max(...transport.map((t) => t?.execs ?? Number.NaN)),
      peakRssMb: mb(Math.max(...samples.map((s) => s.maxRssKb))),
      cpu: cpuOf(samples),
    });
  }

  console.log('\nsummary (markdown)\n');
  console.log(`| run | median | min | max | runs | peak RSS | CPU: controller | CPU: hosts | CPU: machine (${CORES} cores) |\n|---|---|---|---|---|---|---|---|---|`);
  for (const { label, stats: s, peakRssMb, cpu } of summary) {
    console.log(`| ${label} | ${s.median.toFixed(0)} ms | ${s.min.toFixed(0)} ms | ${s.max.toFixed(0)} ms | ${s.runs} | ${peakRssMb} MiB | ${seconds(cpu.controller)} | ${seconds(cpu.hosts)} | ${seconds(cpu.machine)} |`);
  }
  if (scale.length > 0) {
    console.log(`\n| hosts (role common) | no-op apply median | min | max | exec calls per host (max) | peak RSS | CPU: controller | CPU: hosts | CPU: machine (${CORES} cores) |\n|---|---|---|---|---|---|---|---|---|`);
    for (const s of scale) {
      console.log(`| ${s.hosts} | ${s.noop.median.toFixed(0)} ms | ${s.noop.min.toFixed(0)} ms | ${s.noop.max.toFixed(0)} ms | ${s.maxExecs} | ${s.peakRssMb} MB | ${seconds(s.cpu.controller)} | ${seconds(s.cpu.hosts)} | ${seconds(s.cpu.machine)} |`);
    }
  }
} finally {
  // The lab as the test suite expects it: the three reference hosts.
  lab('up');
}
