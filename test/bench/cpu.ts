/**
 * CPU time spent outside the control process during a bench run: by the lab's
 * hosts (each a container in a cgroup of its own, provlab-HOST, whose cpu.stat
 * counts every process of the host: sshd, the probe's programs, the services
 * they ask) and by the whole machine (/proc/stat), so a run's wall time can be
 * set against the CPU it needed from the machine's cores.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** cgroup v2 trees where lab.sh makes the hosts' cgroups (hybrid hierarchy first, then unified-only). */
const CGROUP_ROOTS = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup'];

/** Microseconds of CPU used so far by every lab host together, or undefined when no host's cgroup reports it. */
export function labHostsCpuUs(): number | undefined {
  const root = CGROUP_ROOTS.find((r) => existsSync(r) && readdirSync(r).some((d) => d.startsWith('provlab-') && existsSync(join(r, d, 'cpu.stat'))));
  if (!root) return undefined;
  let total = 0;
  for (const dir of readdirSync(root).filter((d) => d.startsWith('provlab-') && d !== 'provlab-base')) {
    const stat = join(root, dir, 'cpu.stat');
    if (existsSync(stat)) total += usageUs(readFileSync(stat, 'utf8'));
  }
  return total;
}

/** The usage_usec field of a cgroup's cpu.stat. */
export function usageUs(cpuStat: string): number {
  const line = cpuStat.split('\n').find((l) => l.startsWith('usage_usec '));
  if (!line) throw new Error(`cpu.stat without usage_usec: ${cpuStat.slice(0, 80)}`);
  return Number(line.slice('usage_usec '.length));
}

/** Microseconds of CPU the whole machine has been busy so far (every core; idle and iowait excluded). */
export function machineBusyUs(procStat: string = readFileSync('/proc/stat', 'utf8')): number {
  const fields = procStat.split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const ticks = fields.slice(0, 8).reduce((a, b) => a + b, 0) - fields[3]! - fields[4]!;
  return (ticks * 1e6) / 100; // USER_HZ is 100 on Linux
}

/** The machine's cores (the cpuN lines of /proc/stat, the same cores machineBusyUs counts), which the controller and the hosts share in the lab. */
export function coresOf(procStat: string = readFileSync('/proc/stat', 'utf8')): number {
  return procStat.split('\n').filter((l) => /^cpu\d+ /.test(l)).length;
}

/** The share of the machine's cores (0 to 1) busy between two machineBusyUs readings `wallUs` apart. */
export function busyShare(busyBeforeUs: number, busyAfterUs: number, wallUs: number, cores: number): number {
  return (busyAfterUs - busyBeforeUs) / (wallUs * cores);
}
