/**
 * Helpers for tests that run against the lab: thin wrappers over lab.sh.
 * The lab is three Debian hosts (systemd-nspawn containers) on 10.77.0.0/24
 * and a Pebble ACME server on the control side (10.77.0.1); see README.md.
 * For scale runs, `labUp({ hosts: N })` adds plain hosts node-04 ... node-NN.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { FakeState } from './sumo-fake/state.js';

/** The lab's hosts, in inventory order. */
export const LAB_HOSTS = ['lb-01', 'web-01', 'web-02'] as const;
export type LabHost = (typeof LAB_HOSTS)[number];

/** Address of each lab host. */
export const LAB_ADDRESSES: Readonly<Record<LabHost, string>> = {
  'lb-01': '10.77.0.11',
  'web-01': '10.77.0.12',
  'web-02': '10.77.0.13',
};

/** Most hosts `labUp({ hosts })` can start. */
export const LAB_MAX_HOSTS = 60;

/** The host names of a lab of `count` hosts: the three above, then node-04 ... node-NN (10.77.0.14 ...). */
export function labHostNames(count: number): string[] {
  const extra = Array.from({ length: Math.max(0, count - LAB_HOSTS.length) }, (_, i) => `node-${String(i + 4).padStart(2, '0')}`);
  return [...LAB_HOSTS, ...extra];
}

/** A lab host's address: the reference hosts' own, 10.77.0.(10+i) for node-i. */
export function labAddress(host: string): string {
  if (host in LAB_ADDRESSES) return LAB_ADDRESSES[host as LabHost];
  return `10.77.0.${10 + Number(host.slice('node-'.length))}`;
}

/** The control side's address on the lab bridge (Pebble listens here). */
export const LAB_CONTROL_ADDRESS = '10.77.0.1';

/** The inventory of the lab, relative to the repository root. */
export const LAB_INVENTORY = 'inventory/lab.yaml';

/** Repository root. */
export const LAB_REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** lab.sh, and the files it writes for this clone (gitignored). */
export const LAB_SH = fileURLToPath(new URL('./lab.sh', import.meta.url));
const SITE_STATE_SH = fileURLToPath(new URL('./site-state.sh', import.meta.url));
export const LAB_STATE_DIR = fileURLToPath(new URL('./.state/', import.meta.url));
export const LAB_SSH_KEY = `${LAB_STATE_DIR}id_ed25519`;
export const LAB_KNOWN_HOSTS = `${LAB_STATE_DIR}known_hosts`;

/** The inventory `up` writes for a lab of `count` hosts: every host, the `common` role only. */
export function labScaleInventory(count: number): string {
  return `${LAB_STATE_DIR}inventory-${count}.yaml`;
}

/** web-02's non-root login, with passwordless sudo. */
export const LAB_DEPLOY_USER = 'deploy';

/** Pebble: ACME directory, the CA that signed its HTTPS certificate, and its issuing root. */
export const PEBBLE_DIRECTORY_URL = `https://${LAB_CONTROL_ADDRESS}:14000/dir`;
export const PEBBLE_CA_FILE = `${LAB_STATE_DIR}pebble-ca.pem`;
export const PEBBLE_ROOTS_URL = `https://${LAB_CONTROL_ADDRESS}:15000/roots/0`;
/** pebble-challtestsrv's management API (add DNS records, etc.). */
export const PEBBLE_CHALLTESTSRV_URL = `http://${LAB_CONTROL_ADDRESS}:8055`;

/** What a command printed and returned. */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

function assertHost(host: string): void {
  if (!(LAB_HOSTS as readonly string[]).includes(host) && !labHostNames(LAB_MAX_HOSTS).includes(host)) {
    throw new Error(`unknown lab host '${host}' (hosts: ${LAB_HOSTS.join(', ')}, node-04 ... node-${LAB_MAX_HOSTS})`);
  }
}

/** Runs lab.sh with the given arguments; never throws for a non-zero exit. */
export function runLab(args: string[], env: Record<string, string> = {}): Promise<ExecResult> {
  return runScript(LAB_SH, args, env);
}

function runScript(script: string, args: string[], env: Record<string, string>): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, ...args], {
      cwd: LAB_REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
  });
}

/** The last lines of a text, for error messages. */
export function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

async function lab(args: string[], env?: Record<string, string>): Promise<ExecResult> {
  const r = await runLab(args, env);
  if (r.code !== 0) {
    throw new Error(`lab.sh ${args.join(' ')} failed (exit ${r.code}):\n${tail(r.stderr || r.stdout)}`);
  }
  return r;
}

/**
 * Builds (first time) and boots the lab; fast when it is already up. `hosts`
 * (3 to 60, default 3) also boots node-04 ... node-NN; hosts beyond it are stopped.
 */
export async function labUp(options: { hosts?: number } = {}): Promise<void> {
  await lab(options.hosts === undefined ? ['up'] : ['up', '--hosts', String(options.hosts)]);
}

/** Fresh hosts: everything done to them is thrown away (a few seconds). */
export async function labReset(): Promise<void> {
  await lab(['reset']);
}

/** What `npm run demo` finds the reference site in (site-state.sh says what each means). */
export type SiteState = 'fresh' | 'converged' | 'part-way';

/** The state of the lab's reference site, as `npm run demo` reads it before deciding whether to reset the lab. */
export async function siteState(): Promise<SiteState> {
  const r = await runScript(SITE_STATE_SH, [], { SOPS_AGE_KEY_FILE: `${LAB_STATE_DIR}age-key.txt` });
  if (r.code !== 0) throw new Error(`site-state.sh failed (exit ${r.code}):\n${tail(r.stderr || r.stdout)}`);
  return r.stdout.trim() as SiteState;
}

/** Kills a host's container, as if the machine died. Its disk state survives. */
export async function labStop(host: string): Promise<void> {
  assertHost(host);
  await lab(['stop', host]);
}

/** Boots a stopped host again and waits until sshd answers. */
export async function labStart(host: string): Promise<void> {
  assertHost(host);
  await lab(['start', host]);
}

/** One line per host (and pebble): "lb-01 up", "web-01 down", ... */
export async function labStatus(): Promise<Record<string, 'up' | 'down'>> {
  const r = await lab(['status']);
  const status: Record<string, 'up' | 'down'> = {};
  for (const line of r.stdout.split('\n')) {
    const [name, state] = line.split(' ');
    if (name && state) status[name] = state === 'up' ? 'up' : 'down';
  }
  return status;
}

/** Stops Pebble (and its DNS): ACME is unreachable until pebbleStart(). */
export async function pebbleStop(): Promise<void> {
  await lab(['pebble-stop']);
}

/**
 * Starts Pebble if it is not running, or restarts it when the settings differ.
 * `validitySeconds` sets the lifetime of issued certificates (Pebble's default
 * when absent). Pebble's issuing root changes at every (re)start.
 */
export async function pebbleStart(options: { validitySeconds?: number } = {}): Promise<void> {
  const env: Record<string, string> = { LAB_PEBBLE_VALIDITY: options.validitySeconds?.toString() ?? '' };
  await lab(['pebble-start'], env);
}

/** Runs a shell command on a host as root over ssh (lab key, strict known_hosts). */
export async function labExec(host: string, command: string): Promise<ExecResult> {
  assertHost(host);
  return runLab(['exec', host, command]);
}

/** Runs a command on a lab host as root and returns its stdout; throws with the output when it fails. */
export async function labRun(host: string, command: string): Promise<string> {
  const r = await labExec(host, command);
  if (r.code !== 0) throw new Error(`${host}: ${command} failed (${r.code}): ${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** The lab's fake Sumo Logic (test/lab/sumo-fake, started by `lab.sh up`). */
export const SUMO_FAKE_URL = `http://${LAB_CONTROL_ADDRESS}:8070`;
/** Its installer download endpoint (Sumo's own path for 64-bit Linux). */
export const SUMO_INSTALLER_URL = `${SUMO_FAKE_URL}/rest/download/linux/64`;

/** Everything the fake Sumo Logic recorded: downloads, registrations, collectors, received lines. */
export async function sumoFakeState(): Promise<FakeState> {
  const res = await fetch(`${SUMO_FAKE_URL}/fake/state`);
  if (!res.ok) throw new Error(`fake Sumo Logic: GET /fake/state answered ${res.status}`);
  return (await res.json()) as FakeState;
}

/** `GET /api/v1/collectors/name/NAME` with Basic auth, as an operator checks a collector in Sumo. */
export async function sumoCollectorByName(name: string, accessId: string, accessKey: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${SUMO_FAKE_URL}/api/v1/collectors/name/${encodeURIComponent(name)}`, {
    headers: { authorization: `Basic ${Buffer.from(`${accessId}:${accessKey}`).toString('base64')}` },
  });
  return { status: res.status, body: await res.json() };
}

/** Paths whose files a provisioning run may change. */
const FINGERPRINT_ROOTS = ['/etc', '/opt', '/srv', '/home', '/usr/local', '/var/www'];
/** Paths that change by themselves, or belong to the lab. */
const FINGERPRINT_SKIP = [
  '/srv/lab-apt',
  '/etc/mtab',
  '/etc/ld.so.cache',
  '/etc/machine-id',
  '/etc/adjtime',
  '/etc/resolv.conf',
  '/etc/.pwd.lock',
];
/** Services that timers or logins start by themselves. */
const TRANSIENT_SERVICES = '^(apt-daily|apt-daily-upgrade|dpkg-db-backup|e2scrub_all|e2scrub_reap|fstrim|logrotate|man-db|systemd-tmpfiles-clean|user@|user-runtime-dir@)';

const FINGERPRINT_SCRIPT = `
export LC_ALL=C
set -u
roots=""
for d in ${FINGERPRINT_ROOTS.join(' ')}; do [ -e "$d" ] && roots="$roots $d"; done
skip='${FINGERPRINT_SKIP.map((p) => `-path ${p}`).join(' -o ')}'
echo '## files (path type mode owner link)'
find $roots -xdev \\( $skip \\) -prune -o -printf '%p %y %m %u:%g %l\\n' | sort
echo '## contents'
find $roots -xdev \\( $skip \\) -prune -o -type f -print0 | sort -z | xargs -0 -r sha256sum
echo '## packages'
dpkg-query -W -f='\${Package} \${Version} \${db:Status-Abbrev}\\n' | sort
echo '## users'
getent passwd | sort
echo '## groups'
getent group | sort
echo '## enabled units'
systemctl list-unit-files --state=enabled --no-legend --no-pager | awk '{print $1}' | sort
echo '## active services'
systemctl list-units --type=service --state=active --no-legend --no-pager --plain | awk '{print $1}' | grep -Ev '${TRANSIENT_SERVICES}' | sort
`;

/**
 * A listing of the host state that a provisioning run could change: files
 * under /etc /opt /srv /home /usr/local /var/www (type, mode, owner, link
 * target, content hash), installed packages, users and groups, enabled units
 * and active services. Diff two listings to see what changed.
 */
export async function fingerprintListing(host: string): Promise<string> {
  const r = await labExec(host, FINGERPRINT_SCRIPT);
  if (r.code !== 0) throw new Error(`fingerprint of ${host} failed (exit ${r.code}):\n${tail(r.stderr)}`);
  return r.stdout;
}

/** sha256 over fingerprintListing(host): equal before and after means nothing changed. */
export async function fingerprint(host: string): Promise<string> {
  return createHash('sha256').update(await fingerprintListing(host)).digest('hex');
}
