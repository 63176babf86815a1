/** `provision status` output: a table for people (problems first), JSON for programs. */
import type { FactValue } from './types.js';
import type { HostStatus } from './run.js';

/** The `--json` document: `{"healthy", "hosts": {NAME: {"healthy", "reachable", "problems", "warnings", ...facts}}}`. */
export function statusJson(statuses: HostStatus[]): object {
  return {
    healthy: statuses.every((s) => s.healthy),
    hosts: Object.fromEntries(statuses.map((s) => [s.name, { healthy: s.healthy, reachable: s.reachable, problems: s.problems, warnings: s.warnings, ...s.facts }])),
  };
}

/** How to print the table. */
export interface TableOptions {
  /** ANSI colours (a terminal that wants them). */
  colour: boolean;
  /** The time "ago" is measured from. */
  now: Date;
}

const COLOURS = { red: 31, yellow: 33, green: 32 } as const;

/** Problems first, then warnings, then healthy hosts; inventory order within each. */
function rank(s: HostStatus): number {
  if (!s.healthy) return 0;
  return s.warnings.length > 0 ? 1 : 2;
}

function health(s: HostStatus): { text: string; colour: keyof typeof COLOURS } {
  if (!s.reachable) return { text: 'UNREACHABLE', colour: 'red' };
  if (!s.healthy) return { text: 'PROBLEM', colour: 'red' };
  return s.warnings.length > 0 ? { text: 'warning', colour: 'yellow' } : { text: 'ok', colour: 'green' };
}

type Facts = Record<string, FactValue>;
const list = (v: FactValue | undefined): Array<Record<string, FactValue>> => (Array.isArray(v) ? (v as Array<Record<string, FactValue>>) : []);

/** "3m ago", "5h ago", "2d ago". */
export function ago(iso: FactValue | undefined, now: Date): string {
  if (typeof iso !== 'string') return iso === null ? 'never' : '-';
  const seconds = Math.max(0, Math.round((now.getTime() - new Date(iso).getTime()) / 1000));
  if (seconds < 120) return `${seconds}s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m ago`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h ago`;
  return `${Math.round(seconds / 86_400)}d ago`;
}

/** The table's columns: a header and how a host's facts read in it ('-' when the host has no such fact). */
const COLUMNS: Array<[string, (f: Facts, now: Date) => string]> = [
  ['LOAD', (f) => (Array.isArray(f.load) ? String(f.load[0]) : '-')],
  ['MEM', (f) => (typeof f.memory_used_percent === 'number' ? `${f.memory_used_percent}%` : '-')],
  ['DISK', (f) => (typeof f.disk_used_percent === 'number' ? `${f.disk_used_percent}%` : '-')],
  ['QPS', (f) => (typeof f.qps === 'number' ? String(f.qps) : '-')],
  ['CERT DAYS', (f) => (list(f.certificates).length > 0 ? String(Math.min(...list(f.certificates).map((c) => Number(c.days_left))) ) : '-')],
  [
    'REPLICATION',
    (f) => {
      const r = f.replication as { running?: boolean; lag_seconds?: number | null } | undefined;
      if (r === undefined || r === null || typeof r !== 'object') return '-';
      return r.running ? `running ${r.lag_seconds ?? '?'}s` : 'STOPPED';
    },
  ],
  ['SERVICES', (f) => (list(f.services).length > 0 ? `${list(f.services).filter((s) => s.active === true).length}/${list(f.services).length}` : '-')],
  ['UFW', (f) => (f.ufw_active === undefined ? '-' : f.ufw_active ? 'active' : 'INACTIVE')],
  ['APPLIED', (f, now) => ago(f.last_applied, now)],
];

/** The status as a table, then each host's problems and warnings. */
export function statusTable(statuses: HostStatus[], options: TableOptions): string {
  const paint = (text: string, colour: keyof typeof COLOURS): string => (options.colour ? `\x1b[${COLOURS[colour]}m${text}\x1b[0m` : text);
  const ordered = [...statuses].sort((a, b) => rank(a) - rank(b));
  const header = ['HOST', 'HEALTH', ...COLUMNS.map(([h]) => h)];
  const rows = ordered.map((s) => [s.name, health(s).text, ...COLUMNS.map(([, cell]) => (s.reachable ? cell(s.facts, options.now) : '-'))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[], colourOf?: keyof typeof COLOURS): string =>
    cells
      .map((c, i) => {
        const padded = i === cells.length - 1 ? c : c.padEnd(widths[i]!);
        return i === 1 && colourOf ? paint(padded, colourOf) : padded;
      })
      .join('  ')
      .trimEnd();
  const out = [line(header), ...rows.map((r, i) => line(r, health(ordered[i]!).colour))];
  const notes = ordered.flatMap((s) => [...s.problems.map((p) => `${paint('PROBLEM', 'red')} ${s.name}: ${p}`), ...s.warnings.map((w) => `${paint('warning', 'yellow')} ${s.name}: ${w}`)]);
  if (notes.length > 0) out.push('', ...notes);
  const unhealthy = statuses.filter((s) => !s.healthy).length;
  const hosts = `${statuses.length} host${statuses.length === 1 ? '' : 's'}`;
  out.push('', unhealthy === 0 ? `${hosts}, all healthy` : `${hosts}, ${unhealthy} not healthy`);
  return out.join('\n');
}
