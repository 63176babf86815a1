/**
 * The control node's memory and start-up. Imported first by the CLI.
 *
 * V8 doubles its young generation each time a scavenge finds much of it
 * alive, up to 16 MB per semi-space; a run allocates in bursts (YAML with
 * positions, probe and apt output) and ends within seconds, so that growth
 * buys little time and costs about 10 MB of peak RSS. The young generation
 * keeps its initial size (measured on a plan of the reference site: peak RSS
 * 84 → 73 MB, CPU +0.02 s).
 *
 * JavaScript runs in V8's interpreter only: no optimizing (TurboFan) or
 * baseline (Sparkplug) compiler. A run's JavaScript is mostly code that runs a
 * few times (loading, planning, parsing one probe's output per host); the
 * compilers' work and code cost more than they save (measured on a plan of
 * the reference site with the hosts unreachable: peak RSS 66.8 → 63.1 MiB,
 * CPU 0.575 → 0.549 s; with 60 hosts: 106 → 94 MiB, CPU 1.80 → 1.55 s).
 *
 * The old generation grows by 10% after each full collection instead of V8's
 * own factor (up to 4×, picked from how fast collection went): a plan of 60
 * hosts grew the heap to 49 MB with 16 MB in use. Measured on a plan of a
 * 60-host inventory of the reference site's roles with the hosts unreachable:
 * peak RSS 91.7 → 69.4 MiB, CPU 1.42 → 1.30 s; on 3 hosts no change.
 */
import { setFlagsFromString } from 'node:v8';

for (const flag of ['--semi-space-growth-factor=1', '--heap-growing-percent=10', '--no-opt', '--no-sparkplug']) setFlagsFromString(flag);
