/**
 * apt-get calls whose wait for apt's and dpkg's locks is bounded, and whose
 * failure says so when a lock still held was the reason. Used by the
 * `package` resource's apply scripts.
 *
 * apt-get waits for dpkg's lock itself (`DPkg::Lock::Timeout`), but not for
 * the lists lock of `apt-get update`, which fails at once: `provision_apt`
 * tries again every second until the time is up. A lock is taken to be the
 * reason when apt-get failed, its output names the lock file (paths are never
 * translated), and /proc/locks shows a POSIX or OFD lock on that file now; its
 * holder is named from /proc/locks (pid) and /proc/PID/cmdline. apt and dpkg
 * take fcntl() locks, which `flock -n` and `fuser` cannot see or tell apart.
 */
import { insert, sh, type Shell } from '../../shell/quote.js';
import { lines } from '../shared/script.js';

/** Seconds apt-get waits for a lock unless `lock_timeout` says otherwise. */
export const DEFAULT_LOCK_TIMEOUT = 120;

/** The most `lock_timeout` may be: an hour. */
export const MAX_LOCK_TIMEOUT = 3600;

/** The lock files of dpkg and apt, in the order they are taken. */
export const APT_LOCK_FILES = ['/var/lib/dpkg/lock-frontend', '/var/lib/dpkg/lock', '/var/lib/apt/lists/lock', '/var/cache/apt/archives/lock'] as const;

/**
 * Shell functions for apply scripts: `provision_apt SECONDS ARGS...` runs
 * `apt-get ARGS` non-interactively, waiting at most SECONDS for the locks, and
 * prints its output. `lockFiles` is for tests.
 */
export function aptFunctions(lockFiles: readonly string[] = APT_LOCK_FILES): Shell {
  return lines(
    // "FILE PID" of a lock file that $1 (apt-get's output) names and that a process holds now.
    'provision_apt_lock() {',
    sh`  for provision_lock in ${lockFiles}; do`,
    '    case $1 in *"$provision_lock"*) ;; *) continue ;; esac',
    '    provision_ino=$(stat -c %i -- "$provision_lock" 2>/dev/null) || continue',
    `    provision_pid=$(awk -v ino="$provision_ino" '$2 != "->" && ($2 == "POSIX" || $2 == "OFDLCK") { n = split($6, f, ":"); if (f[n] == ino) { print $5; exit } }' /proc/locks 2>/dev/null) || provision_pid=`,
    '    if [ -n "$provision_pid" ]; then echo "$provision_lock $provision_pid"; return 0; fi',
    '  done',
    '  return 1',
    '}',
    'provision_apt() {',
    '  provision_wait=$1',
    '  shift',
    '  provision_started=$(date +%s)',
    '  provision_left=$provision_wait',
    '  while :; do',
    '    provision_rc=0',
    '    provision_out=$(DEBIAN_FRONTEND=noninteractive apt-get -o "DPkg::Lock::Timeout=$provision_left" "$@" 2>&1) || provision_rc=$?',
    '    provision_held=',
    '    if [ "$provision_rc" -ne 0 ]; then provision_held=$(provision_apt_lock "$provision_out") || provision_held=; fi',
    // Whole seconds: giving up only below 0 left means it never gives up before SECONDS.
    '    provision_left=$(( provision_wait - ($(date +%s) - provision_started) ))',
    '    if [ -z "$provision_held" ] || [ "$provision_left" -lt 0 ]; then break; fi',
    '    sleep 1',
    '    provision_left=$(( provision_wait - ($(date +%s) - provision_started) ))',
    '    if [ "$provision_left" -lt 0 ]; then provision_left=0; fi',
    '  done',
    '  if [ -n "$provision_out" ]; then printf \'%s\\n\' "$provision_out"; fi',
    '  if [ -n "$provision_held" ]; then',
    '    provision_lock=${provision_held% *}',
    '    provision_pid=${provision_held##* }',
    '    case $provision_lock in */lists/*) provision_what=\'apt lists lock\' ;; */archives/*) provision_what=\'apt archives lock\' ;; *) provision_what=\'dpkg lock\' ;; esac',
    '    provision_by=',
    '    if [ "$provision_pid" -gt 0 ] 2>/dev/null; then',
    '      provision_cmd=$(tr \'\\000\' \' \' 2>/dev/null </proc/"$provision_pid"/cmdline | cut -c 1-120) || provision_cmd=',
    '      provision_by=" (pid $provision_pid)"',
    '      if [ -n "$provision_cmd" ]; then provision_by=" (pid $provision_pid: ${provision_cmd% })"; fi',
    '    fi',
    '    printf \'provision: the %s %s is held by another process%s and was not released within %s s (lock_timeout)\\n\' "$provision_what" "$provision_lock" "$provision_by" "$provision_wait" >&2',
    '  fi',
    '  return "$provision_rc"',
    '}',
  );
}

/** `provision_apt SECONDS ARGS...`: one apt-get call of an apply script that starts with aptFunctions(); `args` are shell words, already quoted. */
export function aptCall(lockTimeout: number, args: Shell): Shell {
  return sh`provision_apt ${lockTimeout} ${insert(args)}`;
}
