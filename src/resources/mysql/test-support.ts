/**
 * Helpers for the MySQL resource tests (not used by the tool): what the
 * here-documents of a script hold, and a stand-in client answering probes.
 */
import { stubCommands } from '../test-support.js';
import { SESSION_SETUP } from './sql.js';

const HEREDOC = /<<'__PROVISION_EOF__'\n([\s\S]*?)\n__PROVISION_EOF__/g;

/** The decoded contents of a script's base64 here-documents, in order. */
export function heredocs(script: string): string[] {
  return [...script.matchAll(HEREDOC)].map((m) => Buffer.from(m[1]!.replace(/\n/g, ''), 'base64').toString('utf8'));
}

/** The script with its here-documents' bodies left out: what could show on a command line or in a log of the script's shape. */
export function outsideHeredocs(script: string): string {
  return script.replace(HEREDOC, "<<'__PROVISION_EOF__'\n__PROVISION_EOF__");
}

/** All SQL an apply script sends to the client, statement by statement (but the sql_mode line every batch starts with). */
export function statements(script: string): string[] {
  return heredocs(script)
    .filter((text) => text.startsWith(SESSION_SETUP))
    .flatMap((sql) => sql.split('\n'))
    .filter((s) => s !== '' && s !== SESSION_SETUP);
}

/**
 * A stand-in `mariadb` (with `mariadbd` present) answering `SELECT VERSION()`
 * with `version` and any SQL on stdin with the first `answers` entry whose key
 * the SQL contains (empty output when none does). Every call's arguments are
 * logged; with `down`, the server does not answer.
 */
export function fakeClient(version: string, answers: Record<string, string> = {}, down = false): ReturnType<typeof stubCommands> {
  const cases = Object.entries(answers)
    .map(([key, output]) => `*${shellPattern(key)}*) printf '%s\\n' ${singleQuoted(output)} ;;`)
    .join('\n');
  return stubCommands(['mariadb', 'mariadbd'], {
    mariadb: down
      ? `echo "ERROR 2002 (HY000): Can't connect to local server through socket" >&2; exit 1`
      : `last=; for a in "$@"; do last=$a; done
case " $* " in *' -e '*) sql=$last ;; *) sql=$(cat) ;; esac
if [ "$sql" = 'SELECT VERSION()' ]; then echo ${singleQuoted(version)}; exit 0; fi
case "$sql" in
${cases}
esac`,
  });
}

function singleQuoted(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A case pattern matching `text` literally. */
function shellPattern(text: string): string {
  return text.replace(/[\\*?[\]'"$`() |&;<>]/g, (c) => `\\${c}`);
}
