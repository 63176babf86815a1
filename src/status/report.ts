/**
 * `provision status` output: a table for people (problems first), JSON for
 * programs. The table's columns are the ones the hosts' checks bring.
 */
import type { HostStatus } from './run.js';
import type { StatusColumn } from './types.js';

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

/**
 * Every host's columns once (by header): a header no earlier host brought goes
 * right after the column it follows on its own host, so each host's order holds.
 */
function tableColumns(statuses: HostStatus[]): StatusColumn[] {
  const all: StatusColumn[] = [];
  for (const s of statuses) {
    let after = -1;
    for (const column of s.columns) {
      const at = all.findIndex((c) => c.header === column.header);
      if (at < 0) all.splice(after + 1, 0, column);
      after = at < 0 ? after + 1 : at;
    }
  }
  return all;
}

/** A host's cell: '-' when it is not reached or has no such column. */
function cellOf(s: HostStatus, header: string, now: Date): string {
  const own = s.columns.find((c) => c.header === header);
  return s.reachable && own ? own.cell(s.facts, now) : '-';
}

/** The status as a table, then each host's problems and warnings. */
export function statusTable(statuses: HostStatus[], options: TableOptions): string {
  const paint = (text: string, colour: keyof typeof COLOURS): string => (options.colour ? `\x1b[${COLOURS[colour]}m${text}\x1b[0m` : text);
  const ordered = [...statuses].sort((a, b) => rank(a) - rank(b));
  const columns = tableColumns(statuses);
  const header = ['HOST', 'HEALTH', ...columns.map((c) => c.header)];
  const rows = ordered.map((s) => [s.name, health(s).text, ...columns.map((c) => cellOf(s, c.header, options.now))]);
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
