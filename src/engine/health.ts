/**
 * Health checks of a rolling deploy (pure): a script that asks each URL on the
 * host itself until it answers the expected status or its timeout passes, and
 * the reading of what it printed.
 */
import type { HealthCheck } from '../roles/rolling.js';
import { insert, joinShell, sh, trusted, type Shell } from '../shell/quote.js';

/** A health check for output: `http://127.0.0.1/health answers 200 within 60 s`. */
export function describeCheck(check: HealthCheck): string {
  return `${check.url} answers ${check.status} within ${check.timeoutSeconds} s`;
}

/**
 * One script for all of a host's checks, one after the other: curl every half
 * second (each try at most 5 s) until the status is the expected one or the
 * check's timeout has passed. Prints one `check N ok|failed CODE SECONDS [curl's error]` line per check.
 * `once`: one try per check, read-only, for the probe call: does the host serve now?
 */
export function healthScript(checks: readonly HealthCheck[], once = false): Shell {
  const calls = joinShell(checks.map((c, i) => sh`provision_health ${i} ${c.url} ${c.status} ${once ? 0 : c.timeoutSeconds} ${c.insecure ? '-k' : '--'}`), ' &&\n');
  return sh`${insert(HEALTH_FUNCTION)}
${insert(calls)}
`;
}

/**
 * `provision_health N URL STATUS SECONDS CURL_OPTION`: asks URL every half second until it answers STATUS or SECONDS pass.
 * curl's status code and its error come in one capture (no temporary file): the code is the line of three digits.
 * With SECONDS 0 (one try) no clock is read.
 */
const HEALTH_FUNCTION = trusted(`command -v curl >/dev/null 2>&1 || { echo 'curl is not installed: the health check needs it'; exit 2; }
provision_health() {
  provision_took=0
  if [ "$4" -gt 0 ]; then provision_start=$(date +%s); fi
  while :; do
    provision_out=$(curl -sS -o /dev/null -w '\\n%{http_code}\\n' --max-time 5 "$5" "$2" 2>&1) || true
    provision_code=
    provision_why=
    while IFS= read -r provision_said; do
      case $provision_said in [0-9][0-9][0-9]) provision_code=$provision_said ;; ?*) provision_why=$provision_said ;; esac
    done <<provision_eof
$provision_out
provision_eof
    if [ "$4" -gt 0 ]; then provision_took=$(( $(date +%s) - provision_start )); fi
    if [ "$provision_code" = "$3" ]; then echo "check $1 ok $provision_code $provision_took"; return 0; fi
    if [ "$provision_took" -ge "$4" ]; then echo "check $1 failed \${provision_code:-000} $provision_took $provision_why"; return 1; fi
    sleep 0.5
  done
}`);

/** The outcome of a health script: healthy or not, and what it saw, in words. */
export function healthOutcome(checks: readonly HealthCheck[], output: string, code: number | null): { healthy: boolean; detail: string } {
  if (code === null) return { healthy: false, detail: 'the connection dropped during the health check' };
  const seen: Array<{ ok: boolean; text: string }> = [];
  for (const line of output.split('\n')) {
    const m = /^check (\d+) (ok|failed) (\d{3}) (\d+)(?: (.*))?$/.exec(line);
    const check = m ? checks[Number(m[1])] : undefined;
    if (!m || !check) continue;
    if (m[2] === 'ok') {
      seen.push({ ok: true, text: `${check.url} answered ${m[3]} after ${m[4]} s` });
    } else {
      const got = m[3] === '000' ? `no answer${m[5]?.trim() ? ` (${m[5].trim()})` : ''}` : `status ${m[3]}`;
      seen.push({ ok: false, text: `health check ${check.url} did not answer ${check.status} within ${check.timeoutSeconds} s (last: ${got})` });
    }
  }
  const failed = seen.find((s) => !s.ok);
  if (failed) return { healthy: false, detail: failed.text };
  if (code === 0 && seen.length === checks.length) return { healthy: true, detail: seen.map((s) => s.text).join('; ') };
  return { healthy: false, detail: `the health check could not run: ${output.trim().split('\n').pop() || `exit ${code}`}` };
}
