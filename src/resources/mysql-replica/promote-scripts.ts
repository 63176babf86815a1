/**
 * Scripts of the promote action: run as root on the database hosts, built on
 * the client parts every MySQL resource uses (client.ts finds the client and
 * the server's flavour; sql.ts writes the statements and their literals).
 */
import { insert, sh, type Shell } from '../../shell/quote.js';
import { APPLY_PREAMBLE, flavourCase, runSql } from '../shared/mysql/client.js';
import { replicationDialect } from '../shared/mysql/replication.js';
import type { Flavour } from '../shared/mysql/server.js';
import { sqlBatch, sqlString } from '../shared/mysql/sql.js';
import { lines } from '../shared/script.js';

/** Statements turning writes off (MySQL's super_read_only also holds back SUPER accounts) and on again. */
const WRITES: Record<Flavour, { off: string[]; on: string[] }> = {
  mariadb: { off: ['SET GLOBAL read_only = ON'], on: ['SET GLOBAL read_only = OFF'] },
  mysql: { off: ['SET GLOBAL super_read_only = ON'], on: ['SET GLOBAL super_read_only = OFF', 'SET GLOBAL read_only = OFF'] },
};

/** The server's executed GTID set, as one line. */
const GTID_POSITION: Record<Flavour, string> = { mariadb: '@@GLOBAL.gtid_binlog_pos', mysql: "REPLACE(@@GLOBAL.gtid_executed, '\\n', '')" };

/** Waits up to `seconds` until the GTID set is applied: 0 when it is, -1 (MariaDB) or 1 (MySQL) on timeout. */
const GTID_WAIT: Record<Flavour, (gtid: string, seconds: number) => string> = {
  mariadb: (gtid, seconds) => `MASTER_GTID_WAIT(${sqlString(gtid)}, ${seconds})`,
  mysql: (gtid, seconds) => `WAIT_FOR_EXECUTED_GTID_SET(${sqlString(gtid)}, ${seconds})`,
};

/** A script for the server's flavour and version series (chosen on the host), stopping at the first failure. */
function script(byServer: (flavour: Flavour, version?: string) => Shell): Shell {
  return lines('set -e', APPLY_PREAMBLE, flavourCase(byServer));
}

/** On the old primary: stop writes and print the GTID position every replica must reach (`gtid=...`). */
export function freezePrimaryScript(): Shell {
  return script((f) => runSql(sqlBatch([...WRITES[f].off, `SELECT CONCAT('gtid=', ${GTID_POSITION[f]})`])));
}

/**
 * Parses `gtid=...` from freezePrimaryScript's output. What the server sends goes into SQL on the
 * replica, so only the characters of a GTID set are accepted (MariaDB's 0-1-42,0-2-7; MySQL's
 * uuid:1-42, tagged uuid:tag:1-5).
 */
export function parseGtid(output: string): string {
  const line = output.split('\n').find((l) => l.startsWith('gtid='));
  if (line === undefined) throw new Error(`the primary did not report its GTID position: ${output.trim() || '(no output)'}`);
  const gtid = line.slice('gtid='.length).trim();
  if (!/^[0-9A-Za-z_:,-]*$/.test(gtid)) throw new Error(`the primary reported a GTID position that is not a GTID set: ${JSON.stringify(gtid)}`);
  return gtid;
}

/**
 * On the replica: wait (up to timeoutSeconds) until it has applied `gtid`
 * (exit 3 when it does not); changes nothing.
 */
export function catchUpScript(gtid: string, timeoutSeconds: number): Shell {
  const behind = `the replica did not catch up with the primary within ${timeoutSeconds} s; nothing was changed on it`;
  return script((f) =>
    lines(
      sh`provision_wait=$(${insert(runSql(sqlBatch([`SELECT CONCAT('wait=', ${GTID_WAIT[f](gtid, timeoutSeconds)})`])))})`,
      sh`case $provision_wait in *wait=0*) ;; *) echo ${behind} >&2; exit 3 ;; esac`,
    ),
  );
}

/** On the replica: stop replicating, forget the primary and accept writes. */
export function promoteReplicaScript(): Shell {
  return script((f, version) => {
    const dialect = replicationDialect(f, version);
    return lines(runSql(sqlBatch([dialect.stop, dialect.forget, ...WRITES[f].on])), 'echo promoted');
  });
}

/** On the old primary when the promotion failed after freezing it: accept writes again. */
export function thawPrimaryScript(): Shell {
  return script((f) => runSql(sqlBatch(WRITES[f].on)));
}
