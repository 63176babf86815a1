/** What `provision renew` prints: nothing when nothing was due, a line per renewal, the reason for each failure. */

/** The part of a host's run result the report reads (the engine's HostResult fits). */
export interface RenewHostResult {
  /** Host name. */
  name: string;
  /** The host could not be reached. */
  unreachable: boolean;
  /** Why the host failed or was unreachable. */
  error?: string;
  /** Its resources and handlers. */
  results: ReadonlyArray<{ resource: string; status: string; handler: boolean; changes: ReadonlyArray<{ summary: string }>; error?: string }>;
}

/** Lines for stdout (news) and stderr (failures). */
export interface RenewReport {
  /** Renewals done (or, in a dry run, due). */
  out: string[];
  /** Failures, with their real cause. */
  err: string[];
}

/** Pure: the report of a renew run; `quiet` keeps failures only. */
export function renewReport(hosts: readonly RenewHostResult[], options: { dryRun: boolean; quiet: boolean }): RenewReport {
  const report: RenewReport = { out: [], err: [] };
  for (const host of hosts) {
    if (host.unreachable) report.err.push(`${host.name}: unreachable: ${host.error ?? 'unknown reason'}`);
    let failed = false;
    for (const r of host.results) {
      if (r.status === 'failed') {
        failed = true;
        const cause = r.error ?? 'unknown reason';
        report.err.push(
          r.handler
            ? `${host.name} ${r.resource} after the renewal failed: ${cause}; the new certificate is installed but served only after a reload`
            : `${host.name} ${r.resource}: renewal failed: ${cause}; the deployed certificate was left as it was`,
        );
      }
      if (r.status === 'changed' && !r.handler && !options.quiet) {
        const summary = r.changes.map((c) => c.summary).join('; ');
        report.out.push(options.dryRun ? `${host.name} ${r.resource}: would ${summary}` : `${host.name} ${r.resource}: done (${summary})`);
      }
    }
    if (!failed && !host.unreachable && host.error) report.err.push(`${host.name}: ${host.error}`);
  }
  return report;
}
