/**
 * `PROVISION_TIMINGS=FILE`: the run writes where it spent its time to FILE
 * (JSON: spans per host and phase, milliseconds since the process started;
 * `npm run bench` reads it). Unset, nothing is measured.
 */
import { writeFileSync } from 'node:fs';
import { now, type OnSpan, type Span } from '../engine/timing.js';

/** The run's span receiver, when the environment asks for timings; the start-up (everything before the hosts) is its first span. */
export function timingsFromEnv(env: NodeJS.ProcessEnv = process.env): { onSpan?: OnSpan } {
  const file = env.PROVISION_TIMINGS;
  if (!file) return {};
  const spans: Span[] = [{ host: '', phase: 'start-up', start: 0, end: now() }];
  process.on('exit', () => writeFileSync(file, `${JSON.stringify({ spans, end: now() })}\n`));
  return { onSpan: (span) => spans.push(span) };
}
