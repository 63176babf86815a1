import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SESSION_SETUP } from '../shared/mysql/sql.js';
import { catchUpScript, freezePrimaryScript, parseGtid, promoteReplicaScript, thawPrimaryScript } from './promote-scripts.js';

const SESSION = `${SESSION_SETUP}\n`;

/**
 * Runs a script with a stand-in `mariadb` client first on PATH: it answers the
 * version query with `version`, logs every SQL text it gets on stdin, and
 * prints `reply` for it.
 */
function runWithClient(script: string, version: string, reply: string, failOn = 'no statement fails'): { code: number; sql: string; stdout: string } {
  const dir = mkdtempSync(join(tmpdir(), 'provision-promote-'));
  writeFileSync(
    join(dir, 'mariadb'),
    `#!/bin/sh\ncase "$*" in *-e*) echo '${version}'; exit 0 ;; esac\nsql=$(cat)\nprintf '%s\\n\\n' "$sql" >> '${dir}/sql.log'\ncase $sql in *'${failOn}'*) echo 'ERROR 1198' >&2; exit 1 ;; esac\nprintf '%s\\n' '${reply}'\n`,
  );
  chmodSync(join(dir, 'mariadb'), 0o755);
  let code = 0;
  let stdout = '';
  try {
    stdout = execFileSync('sh', ['-c', script], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  } catch (err) {
    code = (err as { status: number }).status;
  }
  let sql = '';
  try {
    sql = readFileSync(join(dir, 'sql.log'), 'utf8');
  } catch {
    // no SQL was sent
  }
  return { code, sql, stdout };
}

describe('promote scripts', () => {
  it.each([
    ['MariaDB', '10.11.6-MariaDB-0+deb12u1', "SET GLOBAL read_only = ON;\nSELECT CONCAT('gtid=', @@GLOBAL.gtid_binlog_pos);"],
    ['MySQL 8', '8.0.39', "SET GLOBAL super_read_only = ON;\nSELECT CONCAT('gtid=', REPLACE(@@GLOBAL.gtid_executed, '\\n', ''));"],
  ])('freeze the primary on %s', (_, version, sql) => {
    const r = runWithClient(freezePrimaryScript(), version, 'gtid=0-1-42');
    expect(r.sql.trim()).toBe(`${SESSION}${sql}`);
    expect(parseGtid(r.stdout)).toBe('0-1-42');
  });

  it('waits for the GTID, changing nothing, then (a script of its own) promotes (MariaDB forms)', () => {
    const wait = runWithClient(catchUpScript('0-1-42', 30), '10.11.6-MariaDB', 'wait=0');
    expect(wait.code).toBe(0);
    expect(wait.sql).toBe(`${SESSION}SELECT CONCAT('wait=', MASTER_GTID_WAIT('0-1-42', 30));\n\n`);
    const r = runWithClient(promoteReplicaScript(), '10.11.6-MariaDB', '');
    expect(r.code).toBe(0);
    expect(r.sql).toBe(`${SESSION}STOP SLAVE;\nRESET SLAVE ALL;\nSET GLOBAL read_only = OFF;\n\n`);
    expect(r.stdout).toContain('promoted');
  });

  it('uses the MySQL 8 forms on MySQL', () => {
    expect(runWithClient(catchUpScript('uuid:1-42', 30), '8.0.39', 'wait=0').sql).toBe(`${SESSION}SELECT CONCAT('wait=', WAIT_FOR_EXECUTED_GTID_SET('uuid:1-42', 30));\n\n`);
    expect(runWithClient(promoteReplicaScript(), '8.0.39', '').sql).toBe(`${SESSION}STOP REPLICA;\nRESET REPLICA ALL;\nSET GLOBAL super_read_only = OFF;\nSET GLOBAL read_only = OFF;\n\n`);
  });

  it('stops at a statement that fails: the replica is not reported promoted', () => {
    const r = runWithClient(promoteReplicaScript(), '10.11.6-MariaDB', '', 'STOP SLAVE');
    expect(r.code).not.toBe(0);
    expect(r.stdout).not.toContain('promoted');
  });

  it('fails (exit 3) when the replica does not catch up', () => {
    const r = runWithClient(catchUpScript('0-1-42', 5), '10.11.6-MariaDB', 'wait=-1');
    expect(r.code).toBe(3);
  });

  it('thaw lets the primary write again', () => {
    expect(runWithClient(thawPrimaryScript(), '10.11.6-MariaDB', '').sql).toBe(`${SESSION}SET GLOBAL read_only = OFF;\n\n`);
    expect(runWithClient(thawPrimaryScript(), '8.0.39', '').sql).toBe(`${SESSION}SET GLOBAL super_read_only = OFF;\nSET GLOBAL read_only = OFF;\n\n`);
  });

  it.each([
    ['a quote', "x'); DROP TABLE t; --", "MASTER_GTID_WAIT('x\\'); DROP TABLE t; --', 5)"],
    ['a backslash', 'x\\', "MASTER_GTID_WAIT('x\\\\', 5)"],
    ['a NUL byte', 'x\0y', "MASTER_GTID_WAIT('x\\0y', 5)"],
  ])('quotes a GTID with %s with the one SQL string helper, after clearing sql_mode (NO_BACKSLASH_ESCAPES)', (_, gtid, literal) => {
    const sql = runWithClient(catchUpScript(gtid, 5), '10.11.6-MariaDB', 'wait=0').sql;
    expect(sql).toContain(literal);
    expect(sql.indexOf(SESSION)).toBe(0);
  });

  it.each(["0-1-42'; DROP TABLE t", '0-1-42\\', 'uuid:1-5 OR 1'])('refuses a GTID position from the primary that is not a GTID set: %j', (gtid) => {
    expect(() => parseGtid(`gtid=${gtid}\n`)).toThrow('the primary reported a GTID position that is not a GTID set');
  });

  it.each(['0-1-42,0-2-7', '3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5:11-18', 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee:tag_1:1-5', ''])('reads the GTID set %j', (gtid) => {
    expect(parseGtid(`gtid=${gtid}\n`)).toBe(gtid);
  });

  it('refuses output without a GTID line', () => {
    expect(() => parseGtid('ERROR 1045')).toThrow('the primary did not report its GTID position: ERROR 1045');
  });
});
