/**
 * Directories whose removal breaks the system: every top-level one (`/`,
 * `/etc`, `/opt`, `/data`) and the second-level ones as vital. The `directory`
 * type refuses to remove one, and a role's `checks:` kind `own_directory`
 * refuses one as the directory a role installs into and removes (sumo_dir).
 * Pure.
 */
import { posix } from 'node:path';

/** Second-level directories that are as vital as the top-level ones (every top-level one is refused). */
const PROTECTED = new Set(['/usr/bin', '/usr/sbin', '/usr/lib', '/usr/lib64', '/usr/share', '/usr/local', '/usr/include', '/var/lib', '/var/log', '/var/cache', '/var/spool', '/var/mail', '/var/backups', '/etc/ssh', '/etc/systemd', '/etc/apt', '/etc/default']);

/** Whether `path` (absolute) is a system directory, however it is written (`/usr//lib/`, `/usr/./lib`). */
export function isSystemDirectory(path: string): boolean {
  const normal = posix.normalize(path).replace(/(.)\/+$/, '$1');
  return normal.split('/').length <= 2 || PROTECTED.has(normal);
}
