/**
 * The internal CA that secures traffic between the load balancer and the app
 * servers (backend TLS). Its key never leaves the control node; server keys
 * and certificates are made here with openssl (argv only holds file names)
 * and kept beside it, so they are reused run after run.
 */
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { isIP, SocketAddress } from 'node:net';
import { chmodSync, existsSync } from 'node:fs';
import { writeControlFile } from '../control/write-file.js';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { Secret } from '../secrets.js';
import { privateDir, readPrivate } from '../control/state-dir.js';

/** A server's certificate material, in PEM. */
export interface IssuedCertificate {
  /** The server certificate. */
  certificate: string;
  /** Its private key: a Secret, masked in every output. */
  key: Secret;
  /** The CA certificate that clients trust. */
  ca: string;
}

/** The DNS name every backend certificate carries, so the load balancer can check one name for all backends. */
export const BACKEND_NAME = 'backend.provision.internal';

/** Renew a server certificate when it has fewer days left than this. */
const RENEW_DAYS = 30;

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** The CA in `dir/internal-ca`, created on first use (EC P-256, 10 years). */
export function ensureCa(stateDir: string): { dir: string; certificate: string } {
  const dir = privateDir(join(stateDir, 'internal-ca'));
  privateDir(join(dir, 'issued'));
  if (!existsSync(join(dir, 'ca.crt'))) {
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'ca.key.tmp'], dir);
    openssl(['req', '-x509', '-new', '-key', 'ca.key.tmp', '-subj', '/CN=provision internal CA', '-days', '3650', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'ca.crt.tmp'], dir);
    chmodSync(join(dir, 'ca.key.tmp'), 0o600);
    execFileSync('mv', ['ca.key.tmp', 'ca.key'], { cwd: dir });
    execFileSync('mv', ['ca.crt.tmp', 'ca.crt'], { cwd: dir });
  }
  // The key signs what the load balancer trusts: a key someone else could have replaced is refused.
  readPrivate(join(dir, 'ca.key'));
  return { dir, certificate: readPrivate(join(dir, 'ca.crt')) };
}

/** Subject alternative names for a host: its name, the shared backend name, and its address. */
export function subjectAltNames(hostName: string, address: string): string[] {
  const ip = isIP(address) !== 0;
  // A certificate's IP address is the address's 4 or 16 bytes: a zone id (fe80::1%eth0) has no place there.
  if (ip && address.includes('%')) throw new UserError(`internal CA: ${JSON.stringify(address)} cannot be in a certificate: an IPv6 address with a zone id (%...) is only meaningful on one host; give the host a global address`);
  // They go into openssl's extension file, where a comma or a line break would add names or settings.
  for (const name of [hostName, ...(ip ? [] : [address])]) {
    if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new UserError(`internal CA: ${JSON.stringify(name)} cannot be a certificate's DNS name (letters, digits, '.', '_' and '-' only)`);
  }
  return [`DNS:${hostName}`, `DNS:${BACKEND_NAME}`, ...(ip ? [`IP:${address}`] : address !== hostName ? [`DNS:${address}`] : [])];
}

/**
 * `/CN=name` for openssl's -subj, where `/` starts another name and `+` adds
 * one to the same entry: those and `\` are escaped with a backslash (openssl's
 * rule), a control character is refused.
 */
export function subjectOf(commonName: string): string {
  if (/[\u0000-\u001f\u007f]/.test(commonName)) throw new UserError(`internal CA: ${JSON.stringify(commonName)} cannot be a certificate's name: it holds a control character`);
  return `/CN=${commonName.replace(/[\\/+]/g, (c) => `\\${c}`)}`;
}

/** Whether an existing certificate can be kept: same names, not close to expiry. */
export function stillGood(pem: string, names: string[], now = new Date()): boolean {
  const cert = new X509Certificate(pem);
  const daysLeft = (new Date(cert.validTo).getTime() - now.getTime()) / 86_400_000;
  return sameNames(cert.subjectAltName ?? '', names) && daysLeft > RENEW_DAYS;
}

/**
 * Whether a certificate's names (X509Certificate.subjectAltName: `DNS:a, IP Address:2001:DB8:0:0:0:0:0:1`)
 * are `names` as subjectAltNames writes them (`IP:2001:db8::1`), in any order: an address compared as the
 * address it is (OpenSSL prints IPv6 in full and upper case), a DNS name without regard to case.
 */
export function sameNames(certificateNames: string, names: readonly string[]): boolean {
  const comparable = (list: readonly string[]): string => JSON.stringify(list.map(comparableName).sort());
  return comparable(certificateNames === '' ? [] : certificateNames.split(', ')) === comparable(names);
}

function comparableName(name: string): string {
  const ip = /^IP(?: Address)?:(.*)$/.exec(name);
  const family = ip ? isIP(ip[1]!) : 0;
  if (ip && family !== 0) return `IP:${new SocketAddress({ address: ip[1]!, family: family === 6 ? 'ipv6' : 'ipv4' }).address}`;
  return /^DNS:/.test(name) ? name.toLowerCase() : name;
}

/**
 * The file name (without extension) of a host's certificate. Names are letters, digits, '.', '_'
 * and '-' (subjectAltNames refuses others): one starting with a dot ('..' would leave the folder,
 * '.x' would hide) gets its dots replaced and a hash of the name, so that it stays apart.
 */
function fileBase(hostName: string): string {
  if (!hostName.startsWith('.')) return hostName;
  return `${hostName.replace(/\./g, '_')}-${createHash('sha256').update(hostName).digest('hex').slice(0, 12)}`;
}

/** A server certificate for the host signed by the internal CA (1 year), issued or reused. */
export function serverCertificate(stateDir: string, hostName: string, address: string): IssuedCertificate {
  const ca = ensureCa(stateDir);
  const names = subjectAltNames(hostName, address);
  const base = join(ca.dir, 'issued', fileBase(hostName));
  if (!existsSync(`${base}.crt`) || !stillGood(readPrivate(`${base}.crt`), names)) {
    const ext = `${base}.ext`;
    writeControlFile(ext, `subjectAltName=${names.join(',')}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n`);
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${base}.key`], ca.dir);
    chmodSync(`${base}.key`, 0o600);
    openssl(['req', '-new', '-key', `${base}.key`, '-subj', subjectOf(hostName), '-out', `${base}.csr`], ca.dir);
    openssl(['x509', '-req', '-in', `${base}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '365', '-extfile', ext, '-out', `${base}.crt`], ca.dir);
  }
  return { certificate: readPrivate(`${base}.crt`), key: new Secret(readPrivate(`${base}.key`)), ca: ca.certificate };
}
