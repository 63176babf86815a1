/**
 * Keeping the ports a live firewall allows open while ufw changes it. ufw
 * reloads its rules by flushing its user chain before restoring it, and a
 * default policy change restarts the whole firewall (stop, then start, which
 * loads the user rules last): meanwhile a new connection to an allowed port is
 * dropped (the client waits a second to send it again) or, with a reject
 * policy, refused. A load balancer cannot be taken out of rotation for that,
 * so the apply bridges it: what ufw's before.rules accepts first (loopback,
 * packets of connections already open: the replies to the load balancer's own
 * connections to its backends too) and a copy of ufw's allow, deny and reject
 * rules in their order (a deny before an allow still denies), up to its first
 * limit rule, after ufw's drop of invalid packets, in a chain of its own
 * that INPUT jumps to where ufw's rules begin (chains other tools put before
 * ufw, fail2ban's, still come first; a family whose jump is found elsewhere
 * once inserted gets none), in place from before the first ufw command
 * until the last one ended (or failed). It allows nothing the firewall did
 * not allow before the change; a rule the change removes stays open until the
 * change is done. A bridge an apply killed outright left behind (SIGKILL, a
 * lost host) is seen by the probe through its marker file, which names its
 * owner: a bridge whose owner still runs is an apply's at work, not a leftover.
 */
import { lines, sh, trusted, type Shell } from '../../shell/quote.js';
import type { Fields } from '../shared/probe-output.js';

/**
 * There while a bridge may be installed: made before the chain, removed after
 * it. /run is emptied at boot, as the chains are, so the marker never outlives its chain.
 * It holds one line, `pid PID start TICKS`: the shell whose EXIT trap removes the
 * bridge, by its pid and its start time (field 22 of /proc/PID/stat), so a pid used
 * again by another process is not taken for it. A marker of older builds is empty.
 */
export const BRIDGE_MARKER = '/run/provision-ufw-bridge';

/** Removes the bridge of both families, then its marker (as the first step of an apply, or alone: a bridge an interrupted apply left). */
export const BRIDGE_REMOVE: Shell = sh`provision_ufw_bridge_close() {
  for t in iptables ip6tables; do
    command -v "$t" >/dev/null 2>&1 || continue
    while "$t" -w -D INPUT -j provision-ufw-bridge 2>/dev/null; do :; done
    "$t" -w -F provision-ufw-bridge 2>/dev/null || true
    "$t" -w -X provision-ufw-bridge 2>/dev/null || true
  done
  rm -f ${BRIDGE_MARKER}
}
provision_ufw_bridge_close`;

/** Installs the bridge (replacing one an interrupted apply left), and removes it when the apply script's subshell exits or is stopped. */
export const BRIDGE_OPEN: Shell = lines(
  BRIDGE_REMOVE,
  'trap provision_ufw_bridge_close EXIT',
  // dash runs no EXIT trap when a signal ends it; an exit from a signal's trap does run it.
  "trap 'exit 129' HUP",
  "trap 'exit 130' INT",
  "trap 'exit 131' QUIT",
  // A write to a closed pipe (the connection's end gone) stops the script as a hang-up does.
  "trap 'exit 141' PIPE",
  "trap 'exit 143' TERM",
  // The owner: this shell, by /proc/self/stat's fields 1 and 22 (field 2, the command name in parentheses, may hold spaces).
  'provision_ufw_bridge_owner() { printf \'pid %s start %s\\n\' "$1" "${21}"; }',
  // No marker, no bridge: a bridge the probe could not see would stay open unnoticed. Written whole, then renamed: a probe never reads half of it.
  sh`if read -r provision_ufw_self </proc/self/stat && provision_ufw_bridge_owner \${provision_ufw_self%% *} \${provision_ufw_self##*) } >${`${BRIDGE_MARKER}.new`} && mv -f ${`${BRIDGE_MARKER}.new`} ${BRIDGE_MARKER}; then`,
  trusted(`for t in iptables ip6tables; do
  command -v "$t-restore" >/dev/null 2>&1 || continue
  case $t in iptables) ufw=ufw ;; *) ufw=ufw6 ;; esac
  user=$ufw-user-input
  # A family whose user chain is missing is not live.
  rules=$("$t" -w -S "$user" 2>/dev/null) || continue
  # The bridge goes where ufw's rules begin, so chains other tools put before ufw (fail2ban's) stay before it; no ufw jump in INPUT, the family is not live.
  at=$("$t" -w -S INPUT 2>/dev/null | grep '^-A INPUT ' | grep -n -m 1 -x -e "-A INPUT -j $ufw-before-logging-input" -e "-A INPUT -j $ufw-before-input") || continue
  at=\${at%%:*}
  # ufw's own rules in their order, up to its first limit rule (its counting is ufw's own: what follows is left to ufw).
  bridge=$(printf '%s\\n' "$rules" | sed -n "/ -j ufw-user-limit/q; s/^-A $user \\(.* -j \\(ACCEPT\\|DROP\\|REJECT\\)\\( .*\\)\\?\\)\$/-A provision-ufw-bridge \\1/p")
  # ufw-before-input drops what conntrack finds invalid before its user rules: so does the bridge.
  printf '*filter\\n:provision-ufw-bridge - [0:0]\\n%s\\n%s\\n%s\\n%s\\n-I INPUT %s -j provision-ufw-bridge\\nCOMMIT\\n' \\
    '-A provision-ufw-bridge -i lo -j ACCEPT' '-A provision-ufw-bridge -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT' '-A provision-ufw-bridge -m conntrack --ctstate INVALID -j DROP' "$bridge" "$at" | "$t-restore" -w -n || true
  # A rule another tool put in INPUT between the read and the insert would come after the bridge: unless the bridge's jump is right before ufw's first, no bridge (ufw alone), never one that passes what that rule stops.
  placed=$("$t" -w -S INPUT 2>/dev/null | grep '^-A INPUT ' | grep -n -m 2 -x -e '-A INPUT -j provision-ufw-bridge' -e "-A INPUT -j $ufw-before-logging-input" -e "-A INPUT -j $ufw-before-input") || true
  at=\${placed%%:*}
  case $at in '' | *[!0-9]*) at=0 ;; esac
  case $placed in
    "$at:-A INPUT -j provision-ufw-bridge
$((at + 1)):-A INPUT -j $ufw-before-"*) ;;
    *) while "$t" -w -D INPUT -j provision-ufw-bridge 2>/dev/null; do :; done ;;
  esac
done`),
  'fi',
);

/**
 * Probe lines about the bridge (inline: builtins only, no process): `bridge=`
 * the marker's line; `bridge_owner=` the pid, state and start time of the
 * process it names, from /proc/PID/stat (absent when it names no pid, empty
 * when that process is gone); then `bridge_again=` the marker's line read
 * again (absent when it is gone). Its owner removes the marker before it exits,
 * so a marker still there after its owner was seen gone outlived it. Nothing
 * when there is no marker.
 */
export function bridgeProbe(marker: string): Shell {
  return lines(
    sh`if [ -e ${marker} ]; then`,
    // Fields 1, 3 and 22 of a stat line cut after the command name: the pid, then the fields from the state on.
    "  provision_ufw_owner() { printf 'bridge_owner=%s %s %s\\n' \"$1\" \"$2\" \"${21}\"; }",
    '  provision_ufw_bridge=',
    sh`  { read -r provision_ufw_bridge <${marker}; } 2>/dev/null`,
    "  printf 'bridge=%s\\n' \"$provision_ufw_bridge\"",
    '  provision_ufw_pid=${provision_ufw_bridge#pid }',
    '  provision_ufw_pid=${provision_ufw_pid%% *}',
    '  case $provision_ufw_pid in',
    "    '' | *[!0-9]*) ;;",
    '    *)',
    '      provision_ufw_stat=',
    '      { read -r provision_ufw_stat </proc/$provision_ufw_pid/stat; } 2>/dev/null',
    // The command name, in parentheses, may hold spaces and parentheses: the fields after it follow its last.
    '      if [ -n "$provision_ufw_stat" ]; then provision_ufw_owner ${provision_ufw_stat%% *} ${provision_ufw_stat##*) }; else echo bridge_owner=; fi',
    '      ;;',
    '  esac',
    sh`  if [ -e ${marker} ]; then provision_ufw_bridge=; { read -r provision_ufw_bridge <${marker}; } 2>/dev/null; printf 'bridge_again=%s\\n' "$provision_ufw_bridge"; fi`,
    'fi',
  );
}

/** What the bridge probe saw: no bridge, the bridge of an apply still running, or one left by an apply that died. */
export type BridgeSeen = 'none' | 'running' | 'left';

/**
 * Pure: the bridge probe's fields → whether a bridge is there and whose. A
 * marker that names no owner (an older build's, or unreadable) is a leftover;
 * so is one whose owner is gone, a zombie, or another process with its pid
 * (another start time). A marker gone or replaced on the second read is no
 * leftover: its owner removed it, or another apply's bridge is being installed.
 */
export function bridgeSeen(fields: Fields): BridgeSeen {
  const marker = fields.get('bridge');
  const again = fields.get('bridge_again');
  if (marker === undefined || again === undefined) return 'none';
  if (again !== marker) return 'running';
  const named = /^pid ([0-9]+) start ([0-9]+)$/.exec(marker);
  const owner = /^([0-9]+) (\S) ([0-9]+)$/.exec(fields.get('bridge_owner') ?? '');
  const alive = named !== null && owner !== null && owner[1] === named[1] && owner[3] === named[2] && !['Z', 'X', 'x'].includes(owner[2]!);
  return alive ? 'running' : 'left';
}
