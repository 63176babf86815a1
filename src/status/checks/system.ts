/**
 * `system`: what every host is checked for - load, memory and disk use of /,
 * and when provision last applied there. Thresholds: `disk_max_percent`
 * (default 90) and `memory_max_percent` (95) are problems, `load_max_per_cpu`
 * (4) a warning. `provision status` runs it on every host; a role's `system`
 * declaration sets the thresholds.
 */
import { HOST_STATE_DIR, lastSuccessNotes } from '../../engine/host-state.js';
import { type Args, onlyKeys, optionalInteger } from '../../resources/shared/args.js';
import { integerField, parseFields } from '../../resources/shared/probe-output.js';
import { lines, sh } from '../../shell/quote.js';
import { ArgError } from '../../resources/types.js';
import type { FactValue, Finding, StatusColumn, StatusCheckType } from '../types.js';

/** Validated `system` declaration. */
export interface SystemDesired {
  /** Disk use of / above this percentage is a problem. */
  diskMaxPercent: number;
  /** Memory use above this percentage is a problem. */
  memoryMaxPercent: number;
  /** A 1-minute load above this per CPU is a warning. */
  loadMaxPerCpu: number;
}

function percent(args: Args, key: string, fallback: number): number {
  const v = optionalInteger(args, key) ?? fallback;
  if (v < 1 || v > 100) throw new ArgError(key, `'${key}' must be a percentage from 1 to 100, got ${v}`);
  return v;
}

function validate(args: Args): SystemDesired {
  onlyKeys(args, ['disk_max_percent', 'memory_max_percent', 'load_max_per_cpu']);
  const load = args.load_max_per_cpu === undefined || args.load_max_per_cpu === null ? 4 : Number(args.load_max_per_cpu);
  if (!Number.isFinite(load) || load <= 0) throw new ArgError('load_max_per_cpu', `'load_max_per_cpu' must be a positive number, got ${JSON.stringify(args.load_max_per_cpu)}`);
  return { diskMaxPercent: percent(args, 'disk_max_percent', 90), memoryMaxPercent: percent(args, 'memory_max_percent', 95), loadMaxPerCpu: load };
}

const SCRIPT = lines(
  `printf 'cpus=%s\\n' "$(nproc 2>/dev/null || echo 1)"`,
  `printf 'loadavg=%s\\n' "$(cut -d' ' -f1-3 /proc/loadavg)"`,
  `awk '/^MemTotal:/ { print "mem_total_kb=" $2 } /^MemAvailable:/ { print "mem_available_kb=" $2 }' /proc/meminfo`,
  `df -P / | awk 'NR == 2 { sub("%", "", $5); print "disk_used_percent=" $5 }'`,
  `printf 'now=%s\\n' "$(date +%s)"`,
  // When an apply last ended with every change made: the notes' modification times (the newest says it), on one line.
  sh`printf 'last_apply=%s\\n' "$(echo $(stat -c %Y ${lastSuccessNotes(HOST_STATE_DIR)} 2>/dev/null))"`,
);

/** Rounded to one decimal. */
const oneDecimal = (n: number): number => Math.round(n * 10) / 10;

/** Pure: the script's output → facts, problems and warnings. */
export function readSystem(output: string, desired: SystemDesired): Finding {
  const fields = parseFields(output);
  const finding: Finding = { facts: {}, problems: [], warnings: [] };
  const cpus = integerField(fields, 'cpus') ?? 1;
  const load = (fields.get('loadavg') ?? '').split(' ').map(Number).filter((n) => Number.isFinite(n));
  if (load.length === 3) {
    finding.facts.load = load;
    finding.facts.cpus = cpus;
    if (load[0]! > desired.loadMaxPerCpu * cpus) finding.warnings.push(`load ${load[0]} is above ${desired.loadMaxPerCpu} per CPU (${cpus} CPUs)`);
  }
  const total = integerField(fields, 'mem_total_kb');
  const available = integerField(fields, 'mem_available_kb');
  if (total !== undefined && available !== undefined && total > 0) {
    const used = oneDecimal(((total - available) / total) * 100);
    finding.facts.memory_used_percent = used;
    if (used > desired.memoryMaxPercent) finding.problems.push(`memory ${used}% used (threshold ${desired.memoryMaxPercent}%)`);
  }
  const disk = integerField(fields, 'disk_used_percent');
  if (disk !== undefined) {
    finding.facts.disk_used_percent = disk;
    if (disk > desired.diskMaxPercent) finding.problems.push(`disk / ${disk}% full (threshold ${desired.diskMaxPercent}%)`);
  }
  const times = (fields.get('last_apply') ?? '').split(' ').filter((t) => /^[0-9]+$/.test(t)).map(Number);
  const applied = times.length > 0 ? Math.max(...times) : undefined;
  finding.facts.last_applied = applied === undefined ? null : new Date(applied * 1000).toISOString();
  if (applied === undefined) finding.warnings.push('no completed provision apply recorded here');
  return finding;
}

/** "3m ago", "5h ago", "2d ago"; "never" for null (no apply recorded). */
export function ago(iso: FactValue | undefined, now: Date): string {
  if (typeof iso !== 'string') return iso === null ? 'never' : '-';
  const seconds = Math.max(0, Math.round((now.getTime() - new Date(iso).getTime()) / 1000));
  if (seconds < 120) return `${seconds}s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m ago`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h ago`;
  return `${Math.round(seconds / 86_400)}d ago`;
}

const percentCell = (v: FactValue | undefined): string => (typeof v === 'number' ? `${v}%` : '-');

const COLUMNS: StatusColumn[] = [
  { header: 'LOAD', cell: (f) => (Array.isArray(f.load) ? String(f.load[0]) : '-') },
  { header: 'MEM', cell: (f) => percentCell(f.memory_used_percent) },
  { header: 'DISK', cell: (f) => percentCell(f.disk_used_percent) },
  { header: 'APPLIED', cell: (f, now) => ago(f.last_applied, now) },
];

/** The `system` status check. */
export const systemCheck: StatusCheckType<SystemDesired> = {
  name: 'system',
  validate,
  label: () => 'load, memory, disk, last apply',
  check: (desired) => ({ key: 'system', script: SCRIPT, read: (output) => readSystem(output, desired), columns: COLUMNS }),
};
