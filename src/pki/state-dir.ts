import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * provision's state on the control node (internal CA, ACME account): $PROVISION_STATE_DIR,
 * else $XDG_STATE_HOME/provision, else ~/.local/state/provision. Created 0700.
 */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.PROVISION_STATE_DIR || join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'provision');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}
