/**
 * Helpers for the MySQL resource tests (not used by the tool): what the
 * here-documents of a script hold, and a stand-in client answering probes.
 */
import { applyLocally, stubCommands } from './resources.js';
import type { ServerState } from '../../src/resources/shared/mysql/server.js';
import type { Shell } from '../../src/shell/quote.js';
import { SESSION_SETUP } from '../../src/resources/shared/mysql/sql.js';

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
 * A stand-in `mariadb` (with `mariadbd` present) answering the SQL on stdin
 * line by line (a statement a line): a probe's version query with `version`
 * as a `version=` row (after a header line without -N), `SELECT 'text';` with
 * the text, any other statement with the first `answers` entry whose key it
 * contains (nothing when none does). An answer starting with "ERROR " goes to
 * stderr and ends the call, unless `--force` was given. An apply script's
 * `-e 'SELECT VERSION()'` gets `version`. Every call's arguments are logged;
 * with `down`, the server does not answer.
 */
export function fakeClient(version: string, answers: Record<string, string> = {}, down = false): ReturnType<typeof stubCommands> {
  const cases = Object.entries(answers)
    .map(([key, output]) => `*${shellPattern(key)}*) answer ${singleQuoted(output)} ;;`)
    .join('\n');
  return stubCommands(['mariadb', 'mariadbd'], {
    mariadb: down
      ? `echo "ERROR 2002 (HY000): Can't connect to local server through socket" >&2; exit 1`
      : `last=; force=; names=yes; for a in "$@"; do last=$a; [ "$a" = --force ] && force=1; [ "$a" = -N ] && names=; done
case " $* " in *' -e '*) sql=$last ;; *) sql=$(cat) ;; esac
if [ "$sql" = 'SELECT VERSION()' ]; then echo ${singleQuoted(version)}; exit 0; fi
answer() {
  case "$1" in
  'ERROR '*) printf '%s\\n' "$1" >&2; [ -n "$force" ] || exit 1 ;;
  *) printf '%s\\n' "$1" ;;
  esac
}
printf '%s\\n' "$sql" | while IFS= read -r statement; do
  case "$statement" in
  "SELECT CONCAT('version=', VERSION()) AS version;") [ -z "$names" ] || echo version; echo ${singleQuoted(`version=${version}`)} ;;
  "SELECT '"*"';") text=\${statement#"SELECT '"}; printf '%s\\n' "\${text%"';"}" ;;
${cases}
  esac
done`,
  });
}

function singleQuoted(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A case pattern matching `text` literally. */
function shellPattern(text: string): string {
  return text.replace(/[\\*?[\]'"$`() |&;<>]/g, (c) => `\\${c}`);
}

/** The client calls an apply script makes against a stand-in client of the server's version (8.0.36 when it was not up); it must succeed. */
export function clientCalls(script: Shell, server: ServerState): string[] {
  const client = fakeClient(server.status === 'up' ? server.version : '8.0.36');
  const result = applyLocally(script, client.env);
  if (result.code !== 0) throw new Error(`the apply script failed (${result.code}): ${result.stderr}`);
  return client.calls();
}
