/**
 * `provision status`: what a host is checked for. Checks come from the host's
 * plan (a resource type may say what to check for a declaration, e.g. that a
 * service runs) and from the roles' `status:` declarations (kinds in
 * checks/). The status command runs every check of a host in one remote call
 * and knows none of them by name.
 */
import type { Shell } from '../shell/quote.js';

/** A value of the status report. */
export type FactValue = string | number | boolean | null | FactValue[] | { [key: string]: FactValue };

/** What one check found. */
export interface Finding {
  /** Facts for the report (`--json`): a list is appended to the same fact of other checks (services, certificates), anything else replaces it. */
  facts: Record<string, FactValue>;
  /** What is wrong: the host is not healthy. */
  problems: string[];
  /** Worth a look; the host stays healthy. */
  warnings: string[];
}

/** A column of the status table: a header and how a host's facts read in it. */
export interface StatusColumn {
  /** Header; columns of one header (from several checks or hosts) are one column. */
  header: string;
  /** The cell of a host that has this column ('-' when its facts lack the value); `now` for times. */
  cell(facts: Record<string, FactValue>, now: Date): string;
}

/** One thing to look at on a host: a read-only script and a pure reading of its output. */
export interface StatusCheck {
  /** Identity: the same check from two declarations runs once (e.g. "service nginx"). */
  key: string;
  /** Read-only POSIX sh script (run as root with become); it must exit 0. */
  script: Shell;
  /** Pure: the script's output → what it found. */
  read(output: string): Finding;
  /** What it adds to the table (its facts are in --json whatever). */
  columns: StatusColumn[];
}

/** A kind of check that roles declare under `status:` (like a resource type, without state to change). */
export interface StatusCheckType<Desired> {
  /** Key used in role.yaml, e.g. "nginx_requests". */
  readonly name: string;
  /** Checks and normalises the rendered declaration; throws ArgError naming the bad key. */
  validate(args: Record<string, unknown>): Desired;
  /** Short label for messages. */
  label(desired: Desired): string;
  /** The check for this declaration. */
  check(desired: Desired): StatusCheck;
}

/** Any status check kind, as stored in the registry. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the registry holds kinds of different Desired; each is used only with its own values
export type AnyStatusCheckType = StatusCheckType<any>;

/** A fact that is a list of records (services, certificates), or none. */
export function factList(value: FactValue | undefined): Array<Record<string, FactValue>> {
  return Array.isArray(value) ? value.filter((v): v is Record<string, FactValue> => v !== null && typeof v === 'object' && !Array.isArray(v)) : [];
}
