/**
 * Privileges of an account: the declared list ("SELECT, INSERT ON app.*"),
 * what SHOW GRANTS says, and the GRANT/REVOKE statements between the two.
 * Database, table and global privileges are managed; column, routine and
 * proxy privileges and roles are left alone.
 */
import { sqlIdent } from './sql.js';
import type { Flavour } from './server.js';

/** Privilege names by object, e.g. { "`app`.*": ["INSERT", "SELECT"] }: objects as SHOW GRANTS writes them, names sorted. */
export type Grants = Record<string, string[]>;

/** The grant and revoke steps on one object. */
export interface GrantStep {
  /** GRANT or REVOKE. */
  verb: 'GRANT' | 'REVOKE';
  /** Privilege names. */
  privileges: string[];
  /** The object, e.g. "`app`.*". */
  object: string;
}

const ALL = 'ALL PRIVILEGES';
const GRANT_OPTION = 'GRANT OPTION';
/** An identifier as written bare, or in backticks. */
const IDENT_PART = String.raw`(?:\*|\x60(?:[^\x60]|\x60\x60)+\x60|[A-Za-z0-9_$-]+)`;
const OBJECT = new RegExp(`^(${IDENT_PART})\\.(${IDENT_PART})$`);

/** Names that mean the same privilege, to the flavour's own spelling (MariaDB 10.5 renamed REPLICATION CLIENT). */
const ALIASES: Record<Flavour, Record<string, string>> = {
  mariadb: { ALL: ALL, 'REPLICATION CLIENT': 'BINLOG MONITOR' },
  mysql: { ALL: ALL },
};

/** A privilege name in the flavour's spelling: upper case, single spaces, aliases resolved. */
export function canonicalPrivilege(name: string, flavour: Flavour): string {
  const upper = name.trim().replace(/\s+/g, ' ').toUpperCase();
  return ALIASES[flavour][upper] ?? upper;
}

/** An object as SHOW GRANTS writes it: `*.*`, `` `db`.* `` or `` `db`.`table` ``; undefined when `text` is not one. */
export function canonicalObject(text: string): string | undefined {
  const m = OBJECT.exec(text.trim());
  if (!m) return undefined;
  const [db, table] = [m[1]!, m[2]!].map(unquoteIdent);
  if (db === '*') return table === '*' ? '*.*' : undefined;
  return `${sqlIdent(db!)}.${table === '*' ? '*' : sqlIdent(table!)}`;
}

function unquoteIdent(part: string): string {
  return part.startsWith('`') ? part.slice(1, -1).replace(/``/g, '`') : part;
}

/**
 * Parses declared privileges like "REPLICATION SLAVE ON *.*" or
 * "SELECT, INSERT ON app.*"; throws an Error saying what is wrong.
 */
export function parseDeclaredPrivilege(text: string): { privileges: string[]; object: string } {
  const m = /^(.+?)\s+ON\s+(\S+)$/i.exec(text.trim());
  const object = m ? canonicalObject(m[2]!) : undefined;
  if (!m || object === undefined) throw new Error(`'${text}' is not like "SELECT, INSERT ON app.*" (privileges ON *.*, db.* or db.table)`);
  const privileges = m[1]!.split(',').map((p) => p.trim());
  for (const p of privileges) {
    if (!/^[A-Za-z][A-Za-z_ ]*$/.test(p)) throw new Error(`'${p}' in '${text}' is not a privilege name (column privileges are not supported)`);
  }
  return { privileges, object };
}

/** Declared privileges (already checked by parseDeclaredPrivilege) as Grants, in the flavour's spelling. */
export function declaredGrants(declared: readonly string[], flavour: Flavour): Grants {
  const grants: Record<string, Set<string>> = {};
  for (const text of declared) {
    const { privileges, object } = parseDeclaredPrivilege(text);
    const set = (grants[object] ??= new Set());
    for (const p of privileges) set.add(canonicalPrivilege(p, flavour));
  }
  return sorted(grants);
}

const SHOW_GRANTS_LINE = new RegExp(`^GRANT (.+?) ON (${IDENT_PART}\\.${IDENT_PART}) TO (.*)$`);

/** The lines of SHOW GRANTS FOR an account as Grants; lines about routines, proxies and roles are skipped. */
export function parseShowGrants(lines: readonly string[], flavour: Flavour): Grants {
  const grants: Record<string, Set<string>> = {};
  for (const line of lines) {
    const m = SHOW_GRANTS_LINE.exec(line.trim());
    const object = m ? canonicalObject(m[2]!) : undefined;
    if (!m || object === undefined) continue;
    const set = (grants[object] ??= new Set());
    for (const p of splitPrivileges(m[1]!)) set.add(canonicalPrivilege(p, flavour));
    if (/ WITH GRANT OPTION\b/.test(m[3]!)) set.add(GRANT_OPTION);
  }
  return sorted(grants);
}

/** "SELECT, SELECT (`a`, `b`), INSERT" → the table-level names, without column privileges. */
function splitPrivileges(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(current.trim());
      current = '';
    } else {
      current += ch;
    }
  }
  out.push(current.trim());
  return out.filter((p) => p !== '' && !p.includes('('));
}

/** Sorted, without USAGE (which means "no privilege") and without objects left empty. */
function sorted(grants: Record<string, Set<string>>): Grants {
  return Object.fromEntries(
    Object.entries(grants)
      .map(([object, set]): [string, string[]] => [object, [...set].filter((p) => p !== 'USAGE').sort()])
      .filter(([, list]) => list.length > 0)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

/**
 * What turns `have` into `want`: revokes first, then grants, per object.
 * ALL PRIVILEGES covers every other privilege but GRANT OPTION.
 */
export function grantSteps(want: Grants, have: Grants): GrantStep[] {
  const steps: GrantStep[] = [];
  const objects = [...new Set([...Object.keys(have), ...Object.keys(want)])].sort();
  for (const object of objects) {
    const wanted = new Set(want[object] ?? []);
    const held = new Set(have[object] ?? []);
    const coveredByAll = (p: string): boolean => wanted.has(ALL) && p !== GRANT_OPTION;
    const revoke = [...held].filter((p) => !wanted.has(p) && !coveredByAll(p));
    const grant = [...wanted].filter((p) => !held.has(p));
    if (revoke.length > 0) steps.push({ verb: 'REVOKE', privileges: revoke, object });
    if (grant.length > 0) steps.push({ verb: 'GRANT', privileges: grant, object });
  }
  return steps;
}

/** "grant SELECT, INSERT ON `app`.*". */
export function describeStep(step: GrantStep): string {
  return `${step.verb.toLowerCase()} ${step.privileges.join(', ')} ON ${step.object}`;
}

/** The statement carrying out a step for `account` (already SQL, e.g. 'app'@'%'). */
export function stepStatement(step: GrantStep, account: string): string {
  return `${step.verb} ${step.privileges.join(', ')} ON ${step.object} ${step.verb === 'GRANT' ? 'TO' : 'FROM'} ${account}`;
}
