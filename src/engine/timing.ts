/**
 * Where a run spends its time: spans of work per host and phase, recorded only
 * when asked for (`PROVISION_TIMINGS=FILE`), so a normal run pays nothing.
 */
import { performance } from 'node:perf_hooks';

/** One piece of a run: milliseconds since the process started. */
export interface Span {
  host: string;
  /** e.g. connect, probe, apply <type>, handler <type>, control <type>, wait, drain, health. */
  phase: string;
  start: number;
  end: number;
}

/** Receives spans as they end. */
export type OnSpan = (span: Span) => void;

/** Milliseconds since the process started. */
export const now = (): number => performance.now();

/** Runs `work`, recording its span (also when it throws). */
export async function timed<T>(onSpan: OnSpan | undefined, host: string, phase: string, work: () => Promise<T>): Promise<T> {
  if (!onSpan) return work();
  const start = now();
  try {
    return await work();
  } finally {
    onSpan({ host, phase, start, end: now() });
  }
}
