/** What `provision renew` prints of certificates: nothing when nothing was due, a line per renewal, the reason for each failure. */
import type { RenewHostResult, RenewReport } from '../resources/types.js';

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
