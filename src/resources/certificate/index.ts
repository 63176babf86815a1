/**
 * `certificate`: an ACME (Let's Encrypt) certificate deployed on the host.
 * The probe reads the deployed certificate's PEM with the shell (parse reads it); the diff says issue,
 * renew (with the time left) or nothing; `prepare` orders it from the control
 * node (HTTP-01 files in the webroot on this host); apply installs key (0600)
 * and chain atomically, runs `validate` (nginx -t) and restores the old files
 * when it fails. The handler it notifies (reload nginx) runs only on success.
 */
import { isAbsolute, join, posix, resolve } from 'node:path';
import { decideRenewal, type DeployedCertificate, type RenewalDecision } from '../../acme/renewal.js';
import { LETS_ENCRYPT, resolveDirectory } from '../../acme/directory.js';
import { renewReport } from '../../acme/renew-report.js';
import { acmeStateDir, acquireLock } from '../../acme/state.js';
import { checkedToken } from '../../acme/token.js';
import { parsePemCertificate } from '../../acme/x509-text.js';
import { Secret } from '../../secrets.js';
import { heredocBase64, insert, joinShell, sh, type Shell } from '../../shell/quote.js';
import { type Args, absolutePath, oneOf, onlyKeys, optionalBoolean, optionalInteger, optionalString, requiredString, stringList } from '../shared/args.js';
import { dnsNameError } from '../shared/dns-name.js';
import { integerField, parseFields } from '../shared/probe-output.js';
import { FAIL_FUNCTION, fail, lines, userShell } from '../shared/script.js';
import { casesOf, type Lookahead, type Prediction } from '../shared/lookahead.js';
import { ArgError, type Change, type ControlContext, type Decision, type ResourceType } from '../types.js';

/** Validated `certificate` declaration. */
export interface CertificateDesired {
  /** DNS names, the first one is the CN; the certificate covers exactly these. */
  domains: string[];
  /** Path of the full chain (certificate then intermediates). */
  certificate: string;
  /** Path of the private key (installed 0600). */
  key: string;
  /** Directory served at http://DOMAIN/ on port 80 (challenge files go to .well-known/acme-challenge/ below it). */
  webroot: string;
  /** ACME directory URL. */
  directory: string;
  /** CA file trusted for the ACME server's HTTPS, relative to the inventory's directory or absolute. */
  caFile?: string;
  /** Contact email of the ACME account. */
  email?: string;
  /** Key type of the certificate. */
  keyType: 'ecdsa' | 'rsa';
  /** Renew when fewer days remain; undefined: when less than a third of the lifetime remains. */
  renewBeforeDays?: number;
  /** Disable certbot's renewal of these names instead of refusing to work beside it. */
  takeOverCertbot: boolean;
  /** Command run after the new files are in place (e.g. `nginx -t -q`); when it fails the old files are restored. */
  validate?: string;
  /** Port where the host serves it over TLS: a deployed certificate is done once it is served there. */
  tlsPort: number;
  /** Renew even when not due (`provision renew --force`); never set from a role. */
  force: boolean;
  /** The ordered certificate, filled in by prepare for apply. */
  issued?: { key: Secret; chain: string };
}

/** What the probe found. */
export interface CertificateCurrent {
  /** The host's clock when probed. */
  now: Date;
  /** The deployed certificate, when there is a readable one. */
  deployed?: DeployedCertificate;
  /** certbot's renewal configs for these names, when certbot's timer or cron job would renew them. */
  certbotConfigs: string[];
}

const KEYS = ['domains', 'certificate', 'key', 'webroot', 'directory', 'ca_file', 'email', 'key_type', 'renew_before_days', 'take_over_certbot', 'validate', 'tls_port'];
const CERTBOT_RENEWAL_DIR = '/etc/letsencrypt/renewal';
/** Where a taken-over certbot renewal config is moved (certbot reads only *.conf). */
const CERTBOT_DISABLED_SUFFIX = '.provision-disabled';

function validate(args: Args): CertificateDesired {
  onlyKeys(args, KEYS);
  const written = stringList(args, 'domains', true);
  if (written.length === 0) throw new ArgError('domains', "'domains' must name at least one DNS name");
  for (const d of written) {
    const error = dnsNameError(d);
    if (error !== undefined) throw new ArgError('domains', `'domains' entry ${error}`);
  }
  // DNS ignores case; certificates hold lower-case names.
  const domains = written.map((d) => d.toLowerCase());
  const directoryValue = requiredString(args, 'directory');
  const directory = resolveDirectory(directoryValue);
  if (!directory) throw new ArgError('directory', `'directory' must be production, staging or an https:// URL, got '${directoryValue}'`);
  const email = optionalString(args, 'email');
  if (email !== undefined && !/^[^\s@]+@[^\s@]+$/.test(email)) throw new ArgError('email', `'email' must be an email address, got '${email}'`);
  return {
    domains,
    certificate: absolutePath(args, 'certificate'),
    key: absolutePath(args, 'key'),
    webroot: absolutePath(args, 'webroot'),
    directory,
    caFile: optionalString(args, 'ca_file'),
    email,
    keyType: oneOf(args, 'key_type', ['ecdsa', 'rsa'], 'ecdsa'),
    renewBeforeDays: optionalInteger(args, 'renew_before_days'),
    takeOverCertbot: optionalBoolean(args, 'take_over_certbot', false),
    validate: optionalString(args, 'validate'),
    tlsPort: tlsPortArg(args),
    force: false,
  };
}

/** `tls_port`: where the host serves the certificate (default 443). */
function tlsPortArg(args: Args): number {
  const port = optionalInteger(args, 'tls_port') ?? 443;
  if (port < 1 || port > 65535) throw new ArgError('tls_port', `'tls_port' must be a port number from 1 to 65535, got ${port}`);
  return port;
}

/** Seconds a deployed certificate may take to be served (the reload's old workers answer meanwhile). */
const SERVED_WITHIN_SECONDS = 30;

/** After the deploy and the reload it notified: the host serves the new certificate, seen from the control node over TLS. */
async function confirm(desired: CertificateDesired, control: ControlContext): Promise<void> {
  if (!desired.issued) return;
  const { waitUntilServed } = await import('../../acme/served.js');
  await waitUntilServed({ address: control.address, port: desired.tlsPort, servername: desired.domains[0]!, chain: desired.issued.chain, timeoutMs: SERVED_WITHIN_SECONDS * 1000 });
}

function probe(desired: CertificateDesired): Shell {
  return probeMany([desired]);
}

/**
 * All certificates of a host in one section: the host's clock and whether certbot's cron job or timer runs are read
 * once (systemctl asked only when certbot has a renewal config for one of the names and no cron job), then per
 * certificate what probe prints, followed by `separator` (absent: a single certificate's probe).
 */
function probeMany(items: readonly CertificateDesired[], separator?: string): Shell {
  const configs = [...new Set(items.flatMap((d) => d.domains.map(certbotConfig)))];
  return lines(
    'provision_now=$(date +%s)',
    'provision_certbot=',
    // certbot renews a name when it has a renewal config for it and its cron job or timer runs.
    sh`if ${insert(joinShell(configs.map((c) => sh`[ -f ${c} ]`), ' || '))}; then`,
    '  if [ -f /etc/cron.d/certbot ] || systemctl is-enabled certbot.timer >/dev/null 2>&1; then provision_certbot=yes; fi',
    'fi',
    ...items.map((d) => lines(certificateProbe(d), separator !== undefined && sh`printf '%s\\n' ${separator}`)),
  );
}

/** Lines of the deployed file the probe reads at most: its first certificate is a few dozen (an RSA 4096 one ~40), a key before it (a combined PEM) ~50. */
const PEM_LINES_READ = 200;

/**
 * One certificate's lines: `now=`, the deployed file's first certificate as `pem=` lines, and `certbot=` per
 * name certbot renews. The shell reads the file (parse reads the certificate, no openssl on the host) and
 * prints only certificate text: its BEGIN and END lines as they are spelled, and between them lines of base64
 * alone (a carriage return dropped). It stops at the first other line, so nothing else of the file, such as
 * the private key of a combined key-and-certificate PEM behind a malformed END line, leaves the host.
 */
function certificateProbe(desired: CertificateDesired): Shell {
  const cert = desired.certificate;
  return lines(
    'echo "now=$provision_now"',
    sh`if [ -f ${cert} ] && [ -r ${cert} ]; then`,
    "  provision_n=0 provision_in= provision_cr=$(printf '\\r')",
    `  while [ "$provision_n" -lt ${PEM_LINES_READ} ] && { IFS= read -r provision_line || [ -n "$provision_line" ]; }; do`,
    '    provision_n=$((provision_n + 1))',
    '    provision_line=${provision_line%"$provision_cr"}',
    '    if [ -z "$provision_in" ]; then',
    "      case $provision_line in '-----BEGIN CERTIFICATE-----') provision_in=yes; echo 'pem=-----BEGIN CERTIFICATE-----' ;; esac",
    '      continue',
    '    fi',
    '    case $provision_line in',
    "      '-----END CERTIFICATE-----') echo 'pem=-----END CERTIFICATE-----'; break ;;",
    "      ''|*[!A-Za-z0-9+/=]*) break ;;",
    '    esac',
    "    printf 'pem=%s\\n' \"$provision_line\"",
    sh`  done <${cert}`,
    'fi',
    ...desired.domains.map((d) => sh`if [ -n "$provision_certbot" ] && [ -f ${certbotConfig(d)} ]; then echo ${`certbot=${certbotConfig(d)}`}; fi`),
  );
}

/** certbot's renewal config of a name. */
function certbotConfig(domain: string): string {
  return `${CERTBOT_RENEWAL_DIR}/${domain}.conf`;
}

function parse(output: string, desired: CertificateDesired): CertificateCurrent {
  const fields = parseFields(output);
  const lines = output.split('\n');
  // Only the paths the probe asked about: what the host prints is never a path on its own.
  const expected = new Set(desired.domains.map(certbotConfig));
  const certbotConfigs = lines.filter((l) => l.startsWith('certbot=')).map((l) => l.slice('certbot='.length)).filter((c) => expected.has(c));
  const pem = lines.filter((l) => l.startsWith('pem=')).map((l) => l.slice('pem='.length));
  const deployed = pem.length === 0 ? undefined : parsePemCertificate(pem.join('\n'));
  return { now: new Date((integerField(fields, 'now') ?? 0) * 1000), deployed, certbotConfigs };
}

/** Pure: the renewal decision for this declaration and what the probe found. */
export function decision(desired: CertificateDesired, current: CertificateCurrent): RenewalDecision {
  return decideRenewal({
    deployed: current.deployed,
    domains: desired.domains,
    now: current.now,
    renewBeforeDays: desired.renewBeforeDays,
    force: desired.force,
    keyType: desired.keyType,
    production: desired.directory === LETS_ENCRYPT.production,
  });
}

/** Pure: why apply refuses (certbot renews these names and take_over_certbot is not set); undefined when it does not. */
function certbotConflict(desired: CertificateDesired, current: CertificateCurrent): string | undefined {
  if (current.certbotConfigs.length === 0 || desired.takeOverCertbot) return undefined;
  return `certbot renews ${desired.domains.join(', ')} on this host (${current.certbotConfigs.join(', ')}): apply refuses to fight it; remove certbot's renewal or set acme_take_over_certbot: true`;
}

/** The decision: refuse (certbot conflict), or take over certbot's renewal files and install what was ordered when renewal is due. */
export interface CertificateDecision extends Decision {
  /** Why apply refuses, when it does. */
  readonly conflict?: string;
  /** certbot renewal files to disable. */
  readonly takeOver: readonly string[];
  /** A certificate is to be installed (issue or renew is due). */
  readonly install: boolean;
}

function decide(desired: CertificateDesired, current: CertificateCurrent): CertificateDecision {
  const conflict = certbotConflict(desired, current);
  if (conflict) return { conflict, takeOver: [], install: false, changes: [{ summary: conflict }] };
  const changes: Change[] = current.certbotConfigs.map((c) => ({ summary: `take over from certbot: ${c} → ${c}${CERTBOT_DISABLED_SUFFIX}` }));
  const d = decision(desired, current);
  if (d.action !== 'ok') changes.push({ summary: `${d.action}: ${d.reason}` });
  return { takeOver: current.certbotConfigs, install: d.action !== 'ok', changes };
}

function apply(desired: CertificateDesired, p: CertificateDecision): Shell {
  if (p.conflict) return lines(FAIL_FUNCTION, fail(p.conflict));
  const takeOver = p.takeOver.map((c) => sh`mv -f -- ${c} ${c + CERTBOT_DISABLED_SUFFIX}`);
  if (!p.install) return lines(...takeOver, ':');
  if (!desired.issued) return lines(FAIL_FUNCTION, fail('no certificate was ordered for this change'));
  return lines(...takeOver, installScript(desired, desired.issued));
}

/**
 * Key and chain go to temp files beside their targets (umask 077), must match
 * each other, and replace the old files by rename; the old ones are kept
 * until `validate` passes and put back when it fails.
 */
function installScript(desired: CertificateDesired, issued: { key: Secret; chain: string }): Shell {
  const k = desired.key;
  const c = desired.certificate;
  const restore = sh`for f in ${k} ${c}; do if [ -f "$f.provision-old" ]; then mv -f -- "$f.provision-old" "$f"; fi; done`;
  return lines(
    'umask 077',
    sh`for d in ${posix.dirname(desired.key)} ${posix.dirname(desired.certificate)}; do [ -d "$d" ] || { echo "provision: directory $d does not exist" >&2; exit 1; }; done`,
    sh`kt=$(mktemp -p ${posix.dirname(desired.key)} .provision.XXXXXXXX)`,
    sh`ct=$(mktemp -p ${posix.dirname(desired.certificate)} .provision.XXXXXXXX)`,
    'trap \'rm -f -- "$kt" "$ct"\' EXIT',
    '{', heredocBase64(issued.key.reveal()), '} >"$kt"',
    '{', heredocBase64(issued.chain), '} >"$ct"',
    'chmod 0600 "$kt" && chmod 0644 "$ct"',
    'kp=$(openssl pkey -in "$kt" -pubout -outform DER | sha256sum)',
    'cp=$(openssl x509 -in "$ct" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum)',
    'if [ "$kp" != "$cp" ]; then echo "provision: the new key does not match the new certificate" >&2; exit 1; fi',
    sh`for f in ${k} ${c}; do if [ -f "$f" ] && [ ! -L "$f" ]; then cp -p -- "$f" "$f.provision-old"; fi; done`,
    sh`mv -f -- "$kt" ${k}`,
    sh`mv -f -- "$ct" ${c}`,
    desired.validate !== undefined &&
      lines(
        sh`if ! provision_out=$( ${insert(userShell(desired.validate))} 2>&1); then`,
        sh`  ${insert(restore)}`,
        '  printf \'%s\\n\' "$provision_out" >&2',
        sh`  echo ${`provision: ${desired.validate} failed with the new certificate; the old one was put back`} >&2`,
        '  exit 1',
        'fi',
      ),
    sh`rm -f -- ${`${desired.key}.provision-old`} ${`${desired.certificate}.provision-old`}`,
  );
}

/** Orders the certificate from the control node (only when issue or renew is due); import of acme-client is deferred to here. */
async function prepare(desired: CertificateDesired, current: CertificateCurrent, control: ControlContext): Promise<CertificateDesired> {
  const conflict = certbotConflict(desired, current);
  if (conflict) throw new Error(conflict);
  if (decision(desired, current).action === 'ok') return desired;
  const { orderWithBackoff } = await import('../../acme/issue.js');
  const caFile = desired.caFile === undefined ? undefined : isAbsolute(desired.caFile) ? desired.caFile : resolve(control.inventoryDir, desired.caFile);
  const issued = await orderWithBackoff({
    directoryUrl: desired.directory,
    caFile,
    email: desired.email,
    domains: desired.domains,
    keyType: desired.keyType,
    stateDir: control.controlStateDir,
    challenges: webrootChallenges(desired.webroot, control),
  });
  return { ...desired, issued: { key: new Secret(issued.key), chain: issued.chain } };
}

/** HTTP-01 files in `webroot`/.well-known/acme-challenge/ on the host, through the engine's script runner. */
function webrootChallenges(webroot: string, control: ControlContext) {
  const dir = posix.join(webroot, '.well-known', 'acme-challenge');
  const run = async (script: Shell, what: string): Promise<void> => {
    const r = await control.runScript(script);
    if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}): ${r.stderr.trim()}`);
  };
  return {
    // Checked here too, where the token becomes a path: a file name, never a way out of the directory.
    put: (token: string, content: string) =>
      run(lines('umask 022', sh`mkdir -p -- ${dir}`, '{', heredocBase64(content), sh`} >${posix.join(dir, checkedToken(token))}`), `writing the challenge file in ${dir}`),
    remove: (token: string) => run(sh`rm -f -- ${posix.join(dir, checkedToken(token))}`, `removing the challenge file from ${dir}`),
  };
}

/** The same declaration, renewed even when not due (`provision renew --force`). */
function forced(desired: CertificateDesired): CertificateDesired {
  return { ...desired, force: true };
}

/** The deployed certificate once earlier changes of the run are applied: one that touches its file leaves it to apply. */
function predict(desired: CertificateDesired, current: CertificateCurrent, ahead: Lookahead): Prediction<CertificateCurrent> | undefined {
  const o = ahead.path(desired.certificate);
  if (!o) return undefined;
  const order = decision(desired, { ...current, deployed: undefined });
  return {
    unknown: `${o.by} may change what is at ${desired.certificate}${o.kind === 'unknown' ? `: ${o.why}` : ''}`,
    cases: casesOf([[`it holds a valid certificate for ${desired.domains.join(', ')} that is not due`, []], ['it does not', [{ summary: `${order.action}: ${order.reason}` }]]]),
  };
}

/** The `certificate` resource type. */
export const certificate: ResourceType<CertificateDesired, CertificateCurrent, CertificateDecision> = {
  name: 'certificate',
  validate,
  shellKeys: ['validate'],
  label: (desired) => desired.domains.join(','),
  probe,
  probeMany,
  probeInline: true,
  parse,
  decide,
  apply,
  prepare,
  predict,
  confirm,
  renewal: { forced, lock: (controlStateDir) => acquireLock(join(acmeStateDir(controlStateDir), 'renew.lock')), report: renewReport },
};
