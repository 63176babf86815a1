import { mkdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { quote } from '../shell/quote.js';

/** Directories already checked in this process. */
const checked = new Set<string>();

/**
 * provision's state on the control node (internal CA, ACME account, the template cache):
 * $PROVISION_STATE_DIR, else $XDG_STATE_HOME/provision, else ~/.local/state/provision. Created
 * 0700; an existing one that is not private to the user is refused (see checkPrivate).
 */
export function controlStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.PROVISION_STATE_DIR || join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'provision');
  if (!checked.has(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    checkAncestors(dir);
  }
  return privateDir(dir);
}

/**
 * Refuses a state directory that someone else could swap for theirs: one
 * inside a directory (on its path as written, or on the path its symbolic
 * links lead to) that belongs to another user than root and you, or that its
 * group or others may write without the sticky bit (as /tmp has, where
 * nobody can rename what is yours).
 */
export function checkAncestors(dir: string, uid: number | undefined = process.getuid?.()): void {
  const seen = new Set<string>();
  for (const start of [resolve(dir), realpathSync.native(dir)]) {
    for (let parent = dirname(start); !seen.has(parent); parent = dirname(parent)) {
      seen.add(parent);
      const st = statSync(parent);
      if (uid !== undefined && st.uid !== uid && st.uid !== 0) {
        throw new UserError(`provision's state directory ${dir} is inside ${parent}, which belongs to uid ${st.uid}, not to you (uid ${uid}) or root: its owner could replace the state directory with theirs and make provision run their code. Fix: set PROVISION_STATE_DIR to a directory inside one of yours`);
      }
      if ((st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0) {
        const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
        throw new UserError(`provision's state directory ${dir} is inside ${parent}, which ${st.mode & 0o002 ? 'anyone' : 'its group'} can write (mode ${mode}): they could replace the state directory with theirs and make provision run their code. Fix: chmod go-w ${quote(parent)} (or set PROVISION_STATE_DIR to a directory inside one of yours)`);
      }
    }
  }
}

/** `dir` (made 0700 when missing) after checking that only the user can write it. */
export function privateDir(dir: string): string {
  if (checked.has(dir)) return dir;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  checkPrivate(dir);
  checked.add(dir);
  return dir;
}

/**
 * Refuses a state directory or file that someone else could change: one that belongs to another
 * user, or that its group or others may write. Whoever can write there could make provision run
 * their code (the template cache) or trust their keys; the error says what to run to fix it.
 */
export function checkPrivate(path: string, uid: number | undefined = process.getuid?.()): void {
  const st = statSync(path);
  const what = st.isDirectory() ? 'state directory' : 'state file';
  if (uid !== undefined && st.uid !== uid) {
    throw new UserError(`provision's ${what} ${path} belongs to uid ${st.uid}, not to you (uid ${uid}): its owner could make provision run their code. Fix: sudo chown ${userInfo().username} ${quote(path)} (or remove it)`);
  }
  if ((st.mode & 0o022) !== 0) {
    const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
    throw new UserError(`provision's ${what} ${path} can be written by ${st.mode & 0o002 ? 'anyone' : 'its group'} (mode ${mode}): they could make provision run their code. Fix: chmod ${st.isDirectory() ? '700' : '600'} ${quote(path)}`);
  }
}

/** The content of a state file (a key, a certificate) after checkPrivate. */
export function readPrivate(path: string): string {
  checkPrivate(path);
  return readFileSync(path, 'utf8');
}
