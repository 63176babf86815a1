/**
 * `tls_certificate`: the certificate a TLS server on the host serves for a
 * name (SNI), fetched with openssl s_client on the host and read on the
 * control node (as the certificate resource reads a deployed one), and the
 * days it has left. Fewer than `warn_days` (default 21): a warning; fewer
 * than `critical_days` (7), expired, not served, or not for the name: a problem.
 */
import { parsePemCertificate } from '../../acme/x509-text.js';
import { messageOf } from '../../errors.js';
import { hostPort } from '../../formats/host-port.js';
import { type Args, onlyKeys, optionalInteger, optionalString, requiredString } from '../../resources/shared/args.js';
import { dnsNameError } from '../../resources/shared/dns-name.js';
import { integerField, parseFields } from '../../resources/shared/probe-output.js';
import { ArgError } from '../../resources/types.js';
import { lines, sh, type Shell } from '../../shell/quote.js';
import { factList, type Finding, type StatusColumn, type StatusCheckType } from '../types.js';

/** Validated `tls_certificate` declaration. */
export interface TlsCertificateDesired {
  /** The name asked for (SNI) and expected in the certificate. */
  name: string;
  /** Address of the server, on the host. */
  address: string;
  /** Its port. */
  port: number;
  /** Fewer days left: a warning. */
  warnDays: number;
  /** Fewer days left: a problem. */
  criticalDays: number;
}

function validate(args: Args): TlsCertificateDesired {
  onlyKeys(args, ['name', 'address', 'port', 'warn_days', 'critical_days']);
  const name = requiredString(args, 'name').toLowerCase();
  const bad = dnsNameError(name);
  if (bad !== undefined) throw new ArgError('name', `'name' ${bad}`);
  const address = optionalString(args, 'address') ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:-]+$/.test(address)) throw new ArgError('address', `'address' must be a host name or an address, got '${address}'`);
  // As the check will write it (a ':' only in an IPv6 address): refused here, at planning, rather than while status runs.
  try {
    hostPort(address, 443);
  } catch (err) {
    throw new ArgError('address', `'address' ${messageOf(err)}`);
  }
  const port = optionalInteger(args, 'port') ?? 443;
  if (port < 1 || port > 65535) throw new ArgError('port', `'port' must be between 1 and 65535, got ${port}`);
  const warnDays = optionalInteger(args, 'warn_days') ?? 21;
  const criticalDays = optionalInteger(args, 'critical_days') ?? 7;
  if (criticalDays > warnDays) throw new ArgError('critical_days', `'critical_days' (${criticalDays}) must not be above 'warn_days' (${warnDays})`);
  return { name, address, port, warnDays, criticalDays };
}

function script(desired: TlsCertificateDesired): Shell {
  const target = hostPort(desired.address, desired.port);
  return lines(
    `printf 'now=%s\\n' "$(date +%s)"`,
    `if ! command -v openssl >/dev/null 2>&1; then echo 'error=openssl is not installed'; exit 0; fi`,
    sh`provision_pem=$(timeout 10 openssl s_client -connect ${target} -servername ${desired.name} </dev/null 2>/dev/null | sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p')`,
    `if [ -z "$provision_pem" ]; then echo 'error=no certificate served'; exit 0; fi`,
    `printf '%s\\n' "$provision_pem" | sed 's/^/pem=/'`,
  );
}

/** Whether a certificate name (a wildcard covers one label) covers `name`. */
function covers(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase();
  if (!p.startsWith('*.')) return p === name;
  const suffix = p.slice(1);
  const label = name.slice(0, -suffix.length);
  return name.endsWith(suffix) && label !== '' && !label.includes('.');
}

/** Pure: the served certificate's PEM lines → its days left, and what is wrong with it. */
export function readCertificate(output: string, desired: TlsCertificateDesired): Finding {
  const where = `${desired.address}:${desired.port}`;
  const fields = parseFields(output);
  const error = fields.get('error');
  const pem = output.split('\n').filter((l) => l.startsWith('pem=')).map((l) => l.slice('pem='.length));
  const certificate = error === undefined ? parsePemCertificate(pem.join('\n')) : undefined;
  if (certificate === undefined) return { facts: {}, problems: [`certificate for ${desired.name} on ${where}: ${error ?? 'not readable'}`], warnings: [] };
  const now = (integerField(fields, 'now') ?? Math.floor(Date.now() / 1000)) * 1000;
  const daysLeft = Math.floor((certificate.notAfter.getTime() - now) / 86_400_000);
  const finding: Finding = { facts: { certificates: [{ name: desired.name, days_left: daysLeft, not_after: certificate.notAfter.toISOString() }] }, problems: [], warnings: [] };
  if (!certificate.names.some((n) => covers(n, desired.name))) finding.problems.push(`certificate served on ${where} for ${desired.name} is for ${certificate.names.join(', ') || 'no DNS name'}`);
  const left = `certificate ${desired.name} expires ${certificate.notAfter.toISOString()} (${daysLeft} days left`;
  if (certificate.notAfter.getTime() <= now) finding.problems.push(`certificate ${desired.name} expired ${certificate.notAfter.toISOString()}`);
  else if (daysLeft < desired.criticalDays) finding.problems.push(`${left}, critical below ${desired.criticalDays})`);
  else if (daysLeft < desired.warnDays) finding.warnings.push(`${left}, warning below ${desired.warnDays})`);
  return finding;
}

/** The fewest days left of the certificates served on the host. */
const COLUMNS: StatusColumn[] = [
  {
    header: 'CERT DAYS',
    cell: (f) => {
      const days = factList(f.certificates).map((c) => c.days_left).filter((d): d is number => typeof d === 'number');
      return days.length > 0 ? String(Math.min(...days)) : '-';
    },
  },
];

/** The `tls_certificate` status check. */
export const tlsCertificateCheck: StatusCheckType<TlsCertificateDesired> = {
  name: 'tls_certificate',
  validate,
  label: (desired) => `${desired.name} on ${desired.address}:${desired.port}`,
  check: (desired) => ({ key: `tls_certificate ${desired.name} ${desired.address}:${desired.port}`, script: script(desired), read: (output) => readCertificate(output, desired), columns: COLUMNS }),
};
