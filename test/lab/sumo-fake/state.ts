/** What the lab's fake Sumo Logic records; the tests read it through `GET /fake/state`. */
import { emptyContent, type SumoContent } from './content-api.js';

/** One collector registration (a collector's first start, or a re-registration). */
export interface FakeRegistration {
  /** Collector name it registered under. */
  name: string;
  /** Access id it used. */
  accessId: string;
  /** Whether the access id/key were accepted. */
  accepted: boolean;
  /** Address it came from. */
  from: string;
  /** When (ISO time). */
  at: string;
}

/** A registered collector, as the Collector Management API shows it. */
export interface FakeCollector {
  /** Numeric id. */
  id: number;
  /** Collector name. */
  name: string;
  /** Secret code of its HTTP receiver URL (`/receiver/v1/http/<code>`). */
  code: string;
  /** Version the collector reported. */
  version: string;
  /** Last heartbeat (ms since the epoch). */
  lastSeen: number;
}

/** One log line that arrived at the receiver. */
export interface FakeLine {
  /** Collector name the receiver code belongs to. */
  collector: string;
  /** `X-Sumo-Category`. */
  category: string;
  /** `X-Sumo-Host`. */
  host: string;
  /** `X-Sumo-Name` (the source's name). */
  source: string;
  /** The line itself. */
  line: string;
}

/** Everything the fake remembers (kept in a file, so a restart of the fake loses nothing). */
export interface FakeState {
  /** Installer downloads served so far. */
  downloads: number;
  /** Every registration attempt, in order. */
  registrations: FakeRegistration[];
  /** Registered collectors by name (a new registration under a name replaces the old one, like `clobber=true`). */
  collectors: Record<string, FakeCollector>;
  /** Received lines, oldest first (the last MAX_LINES). */
  received: FakeLine[];
  /** Monitors, dashboards and connections (the content APIs). */
  content: SumoContent;
  /** Every content API request, oldest first (the last MAX_CALLS). */
  apiCalls: FakeApiCall[];
}

/** One request to a content API (the credentials are not recorded). */
export interface FakeApiCall {
  /** HTTP method. */
  method: string;
  /** Path after /api/, e.g. v1/monitors/search. */
  path: string;
  /** The query string, without `?`. */
  query: string;
  /** The status answered. */
  status: number;
  /** When (ms since the epoch). */
  at: number;
}

/** How many content API requests the fake keeps. */
export const MAX_CALLS = 2000;

/** How many received lines the fake keeps. */
export const MAX_LINES = 5000;

/** Seconds without a heartbeat after which a collector is no longer alive. */
export const ALIVE_SECONDS = 30;

/** A state with nothing in it. */
export function emptyState(): FakeState {
  return { downloads: 0, registrations: [], collectors: {}, received: [], content: emptyContent(), apiCalls: [] };
}
