/**
 * How a script runs as another user (Ansible's become, with sudo), the same
 * for every transport. The script always goes over stdin; with a become
 * password, the password is the first line of stdin, read by the shell's `read`
 * builtin and handed to sudo through a pipe from the `printf` builtin: it is
 * never on a command line, in a file, or in the environment. sudo checks it
 * once (`-v`, so a wrong password fails instead of eating the script's lines as
 * more tries), then runs `sh -s` on the rest of stdin. sudo runs as a child of
 * the same shell both times (no exec): its credentials are kept per parent process
 * when there is no terminal.
 */
import type { Secret } from '../secrets.js';
import { sh, trusted, type Shell } from '../shell/quote.js';

/** What becoming needs: whether to, as whom, and sudo's password if it asks for one. */
export interface BecomeOptions {
  /** Run scripts through sudo. */
  become: boolean;
  /** The user to become; default root. */
  becomeUser?: string;
  /** sudo's password for the login user. */
  becomePassword?: Secret;
}

/** What a refused password prints (matched to report it as such). */
export const WRONG_PASSWORD = 'provision: sudo did not accept the become password';

/** The command that runs the script from stdin, and the stdin to send: the script, after the password line when there is one. */
export function becomeCommand(options: BecomeOptions, loginUser: string): { command: Shell; input: (script: Shell) => string } {
  const target = options.becomeUser ?? 'root';
  const plain = { command: trusted('sh -s'), input: (script: Shell): string => script };
  if (!options.become || (loginUser === target)) return plain;
  if (options.becomePassword === undefined) return { command: sh`sudo -n -u ${target} -- sh -s`, input: plain.input };
  const password = options.becomePassword;
  // The inner script is one quoted word; the user is its $1.
  const inner = `IFS= read -r p; if ! sudo -n -u "$1" -- true 2>/dev/null; then printf '%s\\n' "$p" | sudo -S -p '' -v 2>/dev/null || { echo '${WRONG_PASSWORD}' >&2; exit 1; }; fi; p=; sudo -n -u "$1" -- sh -s`;
  const command = sh`sh -c ${inner} provision-become ${target}`;
  return { command, input: (script) => `${password.reveal()}\n${script}` };
}

/** Why sudo refused, from a failed script's stderr, or undefined when sudo is not the reason. */
export function becomeFailure(stderr: string): string | undefined {
  if (stderr.includes(WRONG_PASSWORD)) return 'become: sudo did not accept become_password (ansible_become_password) for the login user';
  if (/sudo: (a password is required|a terminal is required)/.test(stderr)) {
    return 'become: sudo asks for a password; set become_password (ansible_become_password, e.g. vaulted), give the user passwordless sudo (NOPASSWD), or connect as root';
  }
  return undefined;
}
