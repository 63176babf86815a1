/**
 * Directories whose removal breaks the system: every top-level one (`/`,
 * `/etc`, `/opt`, `/data`) and the second-level ones as vital. The `directory`
 * type refuses to remove one, and a role's `checks:` kind `own_directory`
 * refuses one as the directory a role installs into and removes (sumo_dir).
 * Of those, the vital ones (the top-level ones the system itself is made of,
 * and the vital second-level ones) never get another owner, group or mode
 * either: `/etc` made 0750 for an app's group locks every other user out.
 * Pure.
 */
import { posix } from 'node:path';

/** Second-level directories that are as vital as the top-level ones (every top-level one is refused). */
const PROTECTED = new Set(['/usr/bin', '/usr/sbin', '/usr/lib', '/usr/lib64', '/usr/share', '/usr/local', '/usr/include', '/var/lib', '/var/log', '/var/cache', '/var/spool', '/var/mail', '/var/backups', '/etc/ssh', '/etc/systemd', '/etc/apt', '/etc/default']);

/** The top-level directories the system is made of (not the ones that hold data: /srv, /mnt, /media, /data). */
const VITAL_TOP_LEVEL = new Set(['/', '/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/lib32', '/lib64', '/libx32', '/opt', '/proc', '/root', '/run', '/sbin', '/sys', '/tmp', '/usr', '/var']);

/** `/usr//lib/` and `/usr/./lib` → `/usr/lib`. */
function normal(path: string): string {
  return posix.normalize(path).replace(/(.)\/+$/, '$1');
}

/** Whether `path` (absolute) is a system directory, however it is written: any top-level one or a vital second-level one. */
export function isSystemDirectory(path: string): boolean {
  const p = normal(path);
  return p.split('/').length <= 2 || PROTECTED.has(p);
}

/** Whether `path` (absolute) is a directory whose owner, group and mode the system depends on. */
export function isVitalDirectory(path: string): boolean {
  const p = normal(path);
  return VITAL_TOP_LEVEL.has(p) || PROTECTED.has(p);
}
