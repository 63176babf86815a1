import type { Change } from '../resources/types.js';
import type { TransportStats } from '../transport/types.js';

/** What happened to one resource (or handler) on one host. */
export interface ResourceResult {
  /** Inventory host name. */
  host: string;
  /** Role the resource comes from. */
  role: string;
  /** Resource label, e.g. "file /etc/motd". */
  resource: string;
  /** ok = in state; changed = changed (in check mode: will change); unknown (check mode only) = decided at apply, by an earlier change of the run; failed; skipped = not run after an earlier failure. */
  status: 'ok' | 'changed' | 'unknown' | 'failed' | 'skipped';
  /** The change list (empty when in state; for an unknown one, what apply does in each case). */
  changes: Change[];
  /** Why it failed. */
  error?: string;
  /** unknown: why it is decided at apply, naming the earlier change that decides it. */
  reason?: string;
  /** Which earlier change of the run the decision was made against (check mode), or why apply found nothing to do after all. */
  note?: string;
  /** True for a handler run because something notified it. */
  handler: boolean;
}

/** The outcome for one host. */
export interface HostResult {
  /** Inventory host name. */
  name: string;
  /** Resources in state. */
  ok: number;
  /** Resources changed (or that will change, in check mode). */
  changed: number;
  /** Check mode: resources decided at apply (an earlier change of the run decides them). */
  unknown: number;
  /** Resources that failed (a host stops at its first failure; a late change fails alone). */
  failed: number;
  /** Resources not run after an earlier failure. */
  skipped: number;
  /** The host could not be reached (connection or authentication failed, or the connection dropped). */
  unreachable: boolean;
  /** Why the host failed or was unreachable. */
  error?: string;
  /** Per-resource results in order. */
  results: ResourceResult[];
  /** Transport counters, when a connection was made. */
  stats?: TransportStats;
  /** Milliseconds spent on this host. */
  elapsedMs: number;
  /** Its part in a rolling deploy, when it rolls. */
  rollout?: HostRollout;
  /** Why it was left alone: a rolling deploy stopped (or the run was interrupted) before its batch. */
  notAttempted?: string;
}

/** One host's part in a rolling deploy (in check mode: what apply would do). */
export interface HostRollout {
  /** The rolling set (where its serial is set), e.g. "group app". */
  set: string;
  /** Its batch, from 1, and the set's number of batches. */
  batch: number;
  batches: number;
  /** Batch sizes as written, e.g. "1" or "50%". */
  serial: string;
  /** Load balancers it was taken out of while it changed (check mode: would be). */
  drained: string[];
  /** Load balancers an earlier run left it out of (it goes back once healthy). */
  foundDrained: string[];
  /** Why it does not wait for its batch's turn (not serving yet, or an earlier run left it out of a load balancer routing to it). */
  atOnce?: string;
  /** Why a change that interrupts serving happens without draining, e.g. every backend of a load balancer is in the batch. */
  notDrained?: string;
  /** Its health checks, e.g. "http://127.0.0.1/health answers 200 within 60 s". */
  health: string[];
  /** Whether it passed them, when they ran, and what they saw. */
  healthy?: boolean;
  healthDetail?: string;
  /** What a load balancer's drain command wrote on stderr while taking it out ("lb-01: ..."), e.g. that it stopped waiting for requests in flight. */
  drainNotices?: string[];
  /** Load balancers it is still out of when the run ends, with the command that puts it back by hand. */
  leftDrained: Array<{ balancer: string; undrain: string }>;
}

/** Live events, for progress output. */
export type RunEvent =
  | { kind: 'host-start'; host: string }
  | { kind: 'host-connected'; host: string }
  | { kind: 'resource'; result: ResourceResult }
  | { kind: 'resource-start'; host: string; resource: string }
  | { kind: 'host-done'; result: HostResult }
  | { kind: 'notice'; host: string; message: string }
  | { kind: 'batch'; set: string; batch: number; batches: number; hosts: string[] }
  | { kind: 'rollout'; host: string; step: 'drain' | 'health' | 'undrain'; ok: boolean; message: string };
