/**
 * The bench's one rule for whether a run did its job, whichever tool ran it:
 * each tool's recap (Ansible's PLAY RECAP, read by ansible-run.ts; provision's
 * `--json` document, read here) becomes the same per-host counts, and
 * recapProblem checks them, so a failed run cannot be timed as a fast one.
 */

/** A host's counts in a run's recap. */
export interface HostRecap {
  changed: number;
  failed: number;
  unreachable: number;
}

/**
 * The hosts a run must report changes on: none (a no-op), every one (a first
 * converge, or its plan, from fresh hosts), or exactly these and none on the
 * others (a plan or check after a drift made on these hosts).
 */
export type ExpectedChanges = 'none' | 'every' | { only: readonly string[] };

/**
 * What is wrong with a run's recap, or undefined: every host must be there,
 * none failed or unreachable, and the changes where `expected` says.
 */
export function recapProblem(recap: Map<string, HostRecap>, hosts: readonly string[], expected: ExpectedChanges): string | undefined {
  const missing = hosts.filter((h) => !recap.has(h));
  if (missing.length > 0) return `no recap for ${missing.join(', ')}`;
  const bad = [...recap].filter(([, r]) => r.failed > 0 || r.unreachable > 0).map(([h]) => h);
  if (bad.length > 0) return `failed or unreachable: ${bad.join(', ')}`;
  const changed = [...recap].filter(([, r]) => r.changed > 0).map(([h]) => h);
  if (expected === 'none') {
    const count = [...recap.values()].reduce((sum, r) => sum + r.changed, 0);
    return count > 0 ? `a no-op changed ${count} things on ${changed.join(', ')}` : undefined;
  }
  if (expected === 'every') {
    const unchanged = hosts.filter((h) => !changed.includes(h));
    return unchanged.length > 0 ? `nothing changed (or was found to change) on ${unchanged.join(', ')}` : undefined;
  }
  const unseen = expected.only.filter((h) => !changed.includes(h));
  if (unseen.length > 0) return `no change found on ${unseen.join(', ')}, which drifted`;
  const others = changed.filter((h) => !expected.only.includes(h));
  if (others.length > 0) return `changes found on ${others.join(', ')}, which did not drift`;
  return undefined;
}

/** One host in `provision apply|plan --json` (src/cli/recap.ts, jsonReport). */
export interface ProvisionHost {
  changed: number;
  /** Check mode: decided at apply. */
  unknown: number;
  failed: number;
  unreachable: boolean;
  /** Why a rolling deploy left the host alone. */
  not_attempted?: string;
  transport?: { execs: number; bytesSent: number; bytesReceived: number };
}

/** The hosts of provision's `--json` document, or undefined when the text is not one. */
export function provisionHosts(stdout: string): Record<string, ProvisionHost> | undefined {
  try {
    return (JSON.parse(stdout) as { hosts?: Record<string, ProvisionHost> }).hosts;
  } catch {
    return undefined;
  }
}

/**
 * provision's hosts as recap counts: a plan's "decided at apply" is a change
 * it found (it may happen), and a host left alone did not do its job (failed).
 */
export function provisionRecap(hosts: Record<string, ProvisionHost>): Map<string, HostRecap> {
  return new Map(
    Object.entries(hosts).map(([name, h]) => [
      name,
      { changed: h.changed + h.unknown, failed: h.failed + (h.not_attempted === undefined ? 0 : 1), unreachable: h.unreachable ? 1 : 0 },
    ]),
  );
}

/** What breaks "one SSH exec per host on a no-op" in provision's `--json` document, or undefined. */
export function oneExecProblem(hosts: Record<string, ProvisionHost>): string | undefined {
  const others = Object.entries(hosts).filter(([, h]) => h.transport?.execs !== 1);
  if (others.length === 0) return undefined;
  return `not one exec call per host: ${others.map(([name, h]) => `${name} ${h.transport?.execs ?? 'no transport counts'}`).join(', ')}`;
}

/** What a provision run with --json must show: its exit code, and the changes where expected on these hosts. */
export interface ExpectedRun {
  code: number;
  changes: ExpectedChanges;
  hosts: readonly string[];
}

/** What is wrong with a provision run (its exit code and `--json` output), or undefined. */
export function provisionRunProblem(code: number | null, stdout: string, expected: ExpectedRun): string | undefined {
  if (code !== expected.code) return `exited ${code}, not ${expected.code}`;
  const hosts = provisionHosts(stdout);
  if (hosts === undefined) return 'its output is not a --json document';
  return recapProblem(provisionRecap(hosts), expected.hosts, expected.changes);
}
