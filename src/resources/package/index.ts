/**
 * `package`: Debian packages installed (or the newest version), or removed.
 * Several package resources of a host are applied by one applyMany script:
 * one removal call, at most one `apt-get update`, one `apt-get install`.
 * Each waits at most `lock_timeout` seconds for apt's and dpkg's locks.
 */
import { insert, sh, trusted, type Shell } from '../../shell/quote.js';
import { aptCall, aptFunctions, DEFAULT_LOCK_TIMEOUT, MAX_LOCK_TIMEOUT } from './apt.js';
import { secretAsInteger } from '../../secrets.js';
import { type Args, describe, matching, oneOf, onlyKeys, optionalBoolean, optionalInteger, stringList } from '../shared/args.js';
import { type Fields, integerField, parseFields } from '../shared/probe-output.js';
import { debEffects } from './deb-effects.js';
import { parseStudy, studyScript } from './deb-study.js';
import { lines, phase } from '../shared/script.js';
import { ArgError, type Change, type Decision, type ResourceType } from '../types.js';

/** Validated `package` declaration. */
export interface PackageDesired {
  /** Package names (optionally with an architecture, e.g. "libc6:i386"). */
  names: string[];
  /** present: installed in any version; latest: the candidate version; absent: not installed. */
  state: 'present' | 'latest' | 'absent';
  /** absent: also remove configuration files (apt-get purge). */
  purge: boolean;
  /** Apt lists older than this many seconds are refreshed before installing. */
  cacheValidTime: number;
  /** Seconds apt-get waits for another apt or dpkg run to release its lock before the step fails. */
  lockTimeout: number;
}

/** One package as dpkg and apt see it. */
export interface PackageInfo {
  /** dpkg status: installed, config-files, not-installed, half-installed, ... */
  status: string;
  /** Installed version, when there is one. */
  version?: string;
  /** Version apt would install, when the probe asked for it and apt knows one. */
  candidate?: string;
}

/** What the probe found. */
export interface PackageCurrent {
  /** Per package name. */
  packages: Record<string, PackageInfo>;
  /** Seconds since the apt lists were last updated (undefined when unknown: treated as too old). */
  listsAge?: number;
}

/** The decision: what apply does, and the changes plan shows. */
export interface PackageDecision extends Decision {
  /** Packages to install or upgrade. */
  install: string[];
  /** Packages to remove, keeping configuration files. */
  remove: string[];
  /** Packages to purge. */
  purge: string[];
  /** Why `apt-get update` runs first, when it does. */
  updateReason?: string;
  /** One change per package (plus the update), for the diff. */
  changes: Change[];
}

/** dpkg statuses of a package that is there and working. */
const INSTALLED = new Set(['installed', 'triggers-pending', 'triggers-awaited']);

function decide(desired: PackageDesired, current: PackageCurrent): PackageDecision {
  const result: PackageDecision = { install: [], remove: [], purge: [], changes: [] };
  const listsStale = current.listsAge === undefined || current.listsAge > desired.cacheValidTime;
  for (const name of desired.names) {
    const info = current.packages[name] ?? { status: 'not-installed' };
    const installed = INSTALLED.has(info.status);
    const from = installed ? (info.version ?? 'installed') : info.status === 'not-installed' ? 'absent' : info.status;
    if (desired.state === 'absent') {
      const purge = desired.purge && info.status !== 'not-installed';
      if (purge) result.purge.push(name);
      else if (info.status !== 'not-installed' && info.status !== 'config-files') result.remove.push(name);
      else continue;
      result.changes.push({ summary: `${name}: ${from} → ${purge ? 'purged' : 'absent'}` });
    } else if (!installed) {
      result.install.push(name);
      result.changes.push({ summary: `${name}: ${from} → present (${info.candidate ?? 'no candidate before apt-get update'})` });
    } else if (desired.state === 'latest' && listsStale) {
      result.install.push(name);
      result.changes.push({ summary: `${name}: ${from} → latest (upgraded if apt-get update finds a newer version)` });
    } else if (desired.state === 'latest' && info.candidate !== undefined && info.candidate !== info.version) {
      result.install.push(name);
      result.changes.push({ summary: `${name}: ${from} → ${info.candidate} (latest)` });
    }
  }
  if (result.install.length > 0) {
    const missing = result.install.filter((name) => current.packages[name]?.candidate === undefined && !INSTALLED.has(current.packages[name]?.status ?? ''));
    if (listsStale) {
      // Not their age: a saved plan must still match a minute (or an hour boundary) later, while the update stays due.
      result.updateReason = current.listsAge === undefined ? 'apt lists never updated' : `apt lists are older than cache_valid_time (${desired.cacheValidTime} s)`;
    } else if (missing.length > 0) {
      result.updateReason = `no candidate for ${missing.join(', ')}`;
    }
    if (result.updateReason !== undefined) result.changes.unshift({ summary: `apt-get update (${result.updateReason})` });
  }
  return result;
}

/** One script for several package resources: removals first (freeing ports, files), then at most one update and one install. */
function applyMany(items: ReadonlyArray<{ desired: PackageDesired; decision: PackageDecision }>): Shell {
  const { install, remove, purge } = planned(items.map((i) => i.decision));
  const update = items.some(({ decision }) => decision.updateReason !== undefined);
  // One wait for the whole group: the longest any of its declarations allows.
  const wait = Math.max(...items.map(({ desired }) => desired.lockTimeout));
  const calls = lines(
    remove.length > 0 && aptCall(wait, sh`remove -y -q ${remove}`),
    purge.length > 0 && aptCall(wait, sh`purge -y -q ${purge}`),
    update && phase('apt-update'),
    update && aptCall(wait, trusted('update -q')),
    install.length > 0 && phase('install'),
    // confdef/confold: keep changed configuration files without asking (nobody can answer).
    install.length > 0 && aptCall(wait, sh`install -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold ${install}`),
  );
  return calls === '' ? trusted(':') : lines(aptFunctions(), calls);
}

/**
 * One read for the packages of several declarations: one dpkg-query for every name, then per
 * declaration its `status.NAME=` lines, and for a package it may install or upgrade also
 * `candidate.NAME=` and the apt lists' age (`lists_age=`, read once, only when some package needs
 * it: decide looks at it only then), each declaration's part followed by `separator` when there is one.
 */
function probeScript(items: readonly PackageDesired[], separator?: string): Shell {
  const all = [...new Set(items.flatMap((d) => d.names))];
  return lines(
    // Sets $provision_age once: the seconds since the newest of the lists' times (picked by the shell, no sort | tail), empty when unknown.
    'provision_aged=',
    'provision_lists_age() {',
    '  [ -z "$provision_aged" ] || return 0',
    '  provision_aged=1',
    '  provision_lists=',
    `  for provision_t in $(stat -c %Y /var/lib/apt/periodic/update-success-stamp /var/lib/apt/lists /var/lib/apt/lists/partial 2>/dev/null); do`,
    '    if [ -z "$provision_lists" ] || [ "$provision_t" -gt "$provision_lists" ]; then provision_lists=$provision_t; fi',
    '  done',
    '  provision_age=',
    '  if [ -n "$provision_lists" ]; then provision_age=$(( $(date +%s) - provision_lists )); fi',
    '}',
    sh`provision_dpkg=$(dpkg-query -W -f='\${binary:Package} \${db:Status-Status} \${Version}\\n' -- ${all} 2>/dev/null </dev/null)`,
    // Sets $provision_status to "STATUS VERSION" of one package, read from the shell's copy (no process per package).
    'provision_status_of() {',
    '  provision_status=',
    '  while IFS=\' \' read -r provision_name provision_rest; do',
    '    case $provision_name in "$1" | "$1":*) provision_status=$provision_rest; return ;; esac',
    '  done <<provision_eof',
    '$provision_dpkg',
    'provision_eof',
    // dpkg names a package of the native architecture without one: ask for a NAME:ARCH it did not list by itself.
    '  case $1 in *:*) provision_status=$(dpkg-query -W -f=\'${db:Status-Status} ${Version}\\n\' -- "$1" 2>/dev/null </dev/null | head -n 1) ;; esac',
    '}',
    `provision_installed() { case $provision_status in installed\\ * | triggers-*) return 0 ;; *) return 1 ;; esac; }`,
    ...items.map((desired) => {
      // The candidate and the lists' age are only needed to install or upgrade: not for installed packages unless state is latest.
      const mayInstall = insert(desired.state === 'latest' ? trusted('true') : desired.state === 'present' ? trusted('! provision_installed') : trusted('false'));
      return lines(
        sh`for provision_pkg in ${desired.names}; do`,
        '  provision_status_of "$provision_pkg"',
        '  echo "status.$provision_pkg=$provision_status"',
        sh`  if ${mayInstall}; then`,
        '    provision_lists_age',
        '    [ -z "$provision_age" ] || echo "lists_age=$provision_age"',
        `    echo "candidate.$provision_pkg=$(apt-cache policy -- "$provision_pkg" 2>/dev/null </dev/null | sed -n 's/^ *Candidate: //p' | head -n 1)"`,
        '  fi',
        'done',
        separator !== undefined && sh`printf '%s\\n' ${separator}`,
      );
    }),
  );
}

function parse(output: string, desired: PackageDesired): PackageCurrent {
  const fields = parseFields(output);
  const packages: Record<string, PackageInfo> = {};
  for (const name of desired.names) packages[name] = packageInfo(fields, name);
  return { packages, listsAge: integerField(fields, 'lists_age') };
}

function packageInfo(fields: Fields, name: string): PackageInfo {
  const [status, version] = (fields.get(`status.${name}`) ?? '').split(' ', 2);
  const candidate = fields.get(`candidate.${name}`);
  return {
    status: status || 'not-installed',
    version: version || undefined,
    candidate: candidate === undefined || candidate === '' || candidate === '(none)' ? undefined : candidate,
  };
}

function validate(args: Args): PackageDesired {
  onlyKeys(args, ['name', 'state', 'purge', 'cache_valid_time', 'lock_timeout']);
  const names = stringList(args, 'name', true).map((n) =>
    matching('name', n, /^[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?$/, 'a Debian package name (lowercase letters, digits, + - .; optionally :arch)'),
  );
  return {
    names,
    state: oneOf(args, 'state', ['present', 'latest', 'absent'], 'present'),
    purge: optionalBoolean(args, 'purge', false),
    cacheValidTime: optionalInteger(args, 'cache_valid_time') ?? 3600,
    lockTimeout: lockTimeoutArg(args),
  };
}

/** `lock_timeout`: whole seconds from 0 to an hour (a digit string too: templates render to text). */
function lockTimeoutArg(args: Args): number {
  const v = secretAsInteger(args.lock_timeout);
  if (v === undefined || v === null) return DEFAULT_LOCK_TIMEOUT;
  const n = typeof v === 'string' && /^[0-9]+$/.test(v) ? Number(v) : v;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= MAX_LOCK_TIMEOUT) return n;
  throw new ArgError('lock_timeout', `'lock_timeout' must be a whole number of seconds from 0 to ${MAX_LOCK_TIMEOUT}, got ${describe(args.lock_timeout)}`);
}

/** The packages the decisions install, remove and purge, each once. */
function planned(decisions: readonly PackageDecision[]): { install: string[]; remove: string[]; purge: string[] } {
  const all = (pick: (p: PackageDecision) => string[]): string[] => [...new Set(decisions.flatMap(pick))];
  return { install: all((p) => p.install), remove: all((p) => p.remove), purge: all((p) => p.purge) };
}

/** The `package` resource type (apt). */
export const packageType: ResourceType<PackageDesired, PackageCurrent, PackageDecision> = {
  name: 'package',
  validate,
  label: (desired) => desired.names.join(', '),
  probe: (desired) => probeScript([desired]),
  probeMany: (items, separator) => probeScript(items, separator),
  // It sets only provision_* variables and functions, each before it reads it: no subshell of its own.
  probeInline: true,
  parse,
  decide,
  apply: (desired, decision) => applyMany([{ desired, decision }]),
  applyMany,
  // Installing a package creates files, users and running services that later resources look at.
  reprobeAfter: true,
  effects: {
    study: (items) => {
      const { install, remove, purge } = planned(items.map(({ desired, current }) => decide(desired, current)));
      return studyScript(install, remove, purge);
    },
    of: (items, studied) =>
      studied === undefined
        ? { anything: { by: `package ${items.flatMap((i) => i.desired.names).join(', ')}`, why: 'what it brings was not studied' } }
        : debEffects(parseStudy(studied), items.map((i) => ({ names: i.desired.names }))),
  },
};
