import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { quote } from '../shell/quote.js';

/** Directories already checked in this process. */
const checked = new Set<string>();

/**
 * provision's state on the control node (internal CA, ACME account, the template cache):
 * $PROVISION_STATE_DIR, else $XDG_STATE_HOME/provision, else ~/.local/state/provision. Created
 * 0700; an existing one that is not private to the user is refused (see checkPrivate).
 */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.PROVISION_STATE_DIR || join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'provision');
  return privateDir(dir);
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
