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
  /** ok = in state; changed = changed (or, in check mode, would change); failed; skipped = not run after an earlier failure. */
  status: 'ok' | 'changed' | 'failed' | 'skipped';
  /** The change list (empty when in state). */
  changes: Change[];
  /** Why it failed. */
  error?: string;
  /** True for a handler run because something notified it. */
  handler: boolean;
}

/** The outcome for one host. */
export interface HostResult {
  /** Inventory host name. */
  name: string;
  /** Resources in state. */
  ok: number;
  /** Resources changed (or that would change in check mode). */
  changed: number;
  /** Resources that failed (0 or 1: a host stops at its first failure). */
  failed: number;
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
}

/** Live events, for progress output. */
export type RunEvent =
  | { kind: 'host-start'; host: string }
  | { kind: 'host-connected'; host: string }
  | { kind: 'resource'; result: ResourceResult }
  | { kind: 'resource-start'; host: string; resource: string }
  | { kind: 'host-done'; result: HostResult }
  | { kind: 'notice'; host: string; message: string };
