/**
 * `nginx_requests`: requests per second at nginx, from its `stub_status`
 * page: the `requests` counter read twice, about a second apart, on the host
 * (so only the host's own loopback is asked). The second reading is not
 * counted: qps = (requests₂ − requests₁ − 1) / Δt.
 */
import { type Args, onlyKeys, requiredString } from '../../resources/shared/args.js';
import { parseFields } from '../../resources/shared/probe-output.js';
import { ArgError } from '../../resources/types.js';
import { sh, type Shell } from '../../shell/quote.js';
import type { Finding, StatusColumn, StatusCheckType } from '../types.js';

/** Validated `nginx_requests` declaration. */
export interface NginxRequestsDesired {
  /** The stub_status URL on the host, e.g. http://127.0.0.1:8081/nginx_status. */
  url: string;
}

function validate(args: Args): NginxRequestsDesired {
  onlyKeys(args, ['url']);
  const url = requiredString(args, 'url');
  if (!/^https?:\/\/[A-Za-z0-9.:[\]-]+(:\d+)?\/\S*$/.test(url)) throw new ArgError('url', `'url' must be the http URL of nginx's stub_status on the host, e.g. http://127.0.0.1:8081/nginx_status, got '${url}'`);
  return { url };
}

/** Two readings a second apart: `sample=<ns> <requests>` each, then `active=`; `error=` when the page does not answer. */
function script(desired: NginxRequestsDesired): Shell {
  return sh`provision_sample() {
  provision_t=$(date +%s%N)
  if ! provision_page=$(curl -fsS --max-time 2 ${desired.url} 2>&1); then printf 'error=%s\\n' "$(printf '%s' "$provision_page" | head -n 1)"; return 1; fi
  printf 'sample=%s %s\\n' "$provision_t" "$(printf '%s\\n' "$provision_page" | awk 'NR == 3 { print $3 }')"
}
if ! command -v curl >/dev/null 2>&1; then echo 'error=curl is not installed'
elif provision_sample; then
  sleep 1
  provision_sample && printf '%s\\n' "$provision_page" | awk 'NR == 1 { print "active=" $3 }'
fi`;
}

/** Pure: the readings → requests per second. */
export function readRequests(output: string, desired: NginxRequestsDesired): Finding {
  const fields = parseFields(output);
  const error = fields.get('error');
  if (error !== undefined) return { facts: {}, problems: [`nginx stub_status at ${desired.url} does not answer: ${error}`], warnings: [] };
  const samples = output
    .split('\n')
    .filter((l) => l.startsWith('sample='))
    .map((l) => l.slice('sample='.length).split(' ').map(Number));
  const [first, second] = samples;
  if (!first || !second || samples.some((s) => s.length !== 2 || s.some((n) => !Number.isFinite(n))) || second[0]! <= first[0]!) {
    return { facts: {}, problems: [`nginx stub_status at ${desired.url} did not give two readings of its request counter`], warnings: [] };
  }
  const seconds = (second[0]! - first[0]!) / 1e9;
  const qps = Math.max(0, (second[1]! - first[1]! - 1) / seconds);
  const active = Number(fields.get('active'));
  return { facts: { qps: Math.round(qps * 10) / 10, ...(Number.isFinite(active) ? { active_connections: active } : {}) }, problems: [], warnings: [] };
}

const COLUMNS: StatusColumn[] = [{ header: 'QPS', cell: (f) => (typeof f.qps === 'number' ? String(f.qps) : '-') }];

/** The `nginx_requests` status check. */
export const nginxRequestsCheck: StatusCheckType<NginxRequestsDesired> = {
  name: 'nginx_requests',
  validate,
  label: (desired) => desired.url,
  check: (desired) => ({ key: `nginx_requests ${desired.url}`, script: script(desired), read: (output) => readRequests(output, desired), columns: COLUMNS }),
};
