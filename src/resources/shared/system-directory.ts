/**
 * Directories whose removal breaks the system: every top-level one (`/`,
 * `/etc`, `/opt`, `/data`) and the vital second-level ones. The `directory`
 * type refuses to remove one. Of those, the vital ones (the top-level ones the
 * system or its other users rely on, and the vital second-level ones) never
 * get another owner, group or mode either (`/etc` made 0750 for an app's group
 * locks every other user out), and a role's `checks:` kind `own_directory`
 * refuses them as a directory a role owns or removes (app_dir, sumo_dir).
 * Pure.
 */
import { posix } from 'node:path';

/** Second-level directories that are as vital as the top-level ones (every top-level one is refused). */
const PROTECTED = new Set(['/usr/bin', '/usr/sbin', '/usr/lib', '/usr/lib64', '/usr/share', '/usr/local', '/usr/include', '/var/lib', '/var/log', '/var/cache', '/var/spool', '/var/mail', '/var/backups', '/etc/ssh', '/etc/systemd', '/etc/apt', '/etc/default']);

/** The top-level directories the system or its other users rely on (not a directory of one's own: /app, /data). */
const VITAL_TOP_LEVEL = new Set(['/', '/bin', '/boot', '/cdrom', '/dev', '/etc', '/home', '/lib', '/lib32', '/lib64', '/libx32', '/lost+found', '/media', '/mnt', '/nix', '/opt', '/proc', '/root', '/run', '/sbin', '/snap', '/srv', '/sys', '/tmp', '/usr', '/var']);

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
