/**
 * `mysql_user`: a MySQL/MariaDB account (one per host pattern) with a password
 * and exactly the declared privileges, or no such account. Passwords are
 * compared by hash: the probe reads the stored hash, never the password.
 * MariaDB gets the mysql_native_password hash (the password itself is never
 * sent), MySQL 8 a caching_sha2_password account (the password travels in
 * the SQL on the client's stdin).
 */
import type { Secret } from '../../secrets.js';
import { trusted, type Shell } from '../../shell/quote.js';
import { type Args, oneOf, onlyKeys, stringList } from '../shared/args.js';
import { accountHost, accountUser, binlogArg, passwordArg } from '../shared/mysql/args.js';
import { APPLY_PREAMBLE, blockedChange, blockedScript, forServer, probeQuery, runSql, MYSQL_STATEMENTS, serverProbe } from '../shared/mysql/client.js';
import { AUTH_PLUGIN, nativePasswordHash, passwordMatches } from '../shared/mysql/password.js';
import { declaredGrants, describeStep, type GrantStep, type Grants, grantSteps, parseDeclaredPrivilege, parseShowGrants, stepStatement } from '../shared/mysql/privileges.js';
import { describeServer, type Flavour, parseProbe, type ServerState, predictServer } from '../shared/mysql/server.js';
import { sqlAccount, sqlBatch, sqlString } from '../shared/mysql/sql.js';
import { lines } from '../shared/script.js';
import { type ActionDecision, ArgError, type Change, type ResourceType } from '../types.js';

/** Accounts that must exist. */
export interface PresentMysqlUser {
  /** User name. */
  name: string;
  /** Host patterns: one account per host ('%', 'localhost', '10.0.0.5', ...). */
  hosts: string[];
  /** Discriminant. */
  state: 'present';
  /** The password (masked everywhere it is shown). */
  password: Secret;
  /** Declared privileges, e.g. "SELECT, INSERT ON app.*"; the accounts get exactly these. */
  privileges: string[];
  /** Write the statements to the binary log (false on a replica, for local accounts). */
  binlog: boolean;
}

/** Accounts that must not exist. */
export interface AbsentMysqlUser {
  /** User name. */
  name: string;
  /** Host patterns. */
  hosts: string[];
  /** Discriminant. */
  state: 'absent';
  /** Write the statements to the binary log. */
  binlog: boolean;
}

/** Validated `mysql_user` declaration. */
export type MysqlUserDesired = PresentMysqlUser | AbsentMysqlUser;

/** An existing account. */
export interface MysqlAccount {
  /** Its auth plugin, e.g. mysql_native_password. */
  plugin: string;
  /** Hex of its authentication_string (MySQL's caching_sha2 hashes hold binary salt). */
  authHex: string;
  /** Its privileges, as SHOW GRANTS says. */
  grants: Grants;
}

/** What the probe found. */
export interface MysqlUserCurrent {
  /** The server. */
  server: ServerState;
  /** Existing accounts by host (hosts without an account are absent). */
  accounts: Record<string, MysqlAccount>;
  /** A query failed: the client's error. */
  error?: string;
}

/** What happens to one account. */
type AccountPlan =
  | { host: string; kind: 'create'; grants: GrantStep[] }
  | { host: string; kind: 'update'; password?: string; grants: GrantStep[] }
  | { host: string; kind: 'drop' };

/** What apply does. */
type UserAction =
  | { kind: 'none' }
  | { kind: 'blocked'; reason: string }
  /** The server was not running at probe time: idempotent statements, flavour chosen on the host. */
  | { kind: 'blind'; why: string; server: ServerState }
  | { kind: 'exact'; flavour: Flavour; accounts: AccountPlan[] };

/** The decision: the action, and the changes plan shows for it. */
export type MysqlUserDecision = ActionDecision<UserAction>;

function decide(desired: MysqlUserDesired, current: MysqlUserCurrent): MysqlUserDecision {
  const action = actionOf(desired, current);
  return { action, changes: describe(desired, action) };
}

function actionOf(desired: MysqlUserDesired, current: MysqlUserCurrent): UserAction {
  const server = current.server;
  if (current.error !== undefined) return { kind: 'blocked', reason: `cannot read the accounts: ${current.error}` };
  if (server.status !== 'up') {
    if (desired.state === 'absent' && server.status === 'missing') return { kind: 'none' };
    return { kind: 'blind', why: describeServer(server), server };
  }
  const accounts = desired.hosts.flatMap((host) => accountPlan(desired, host, current.accounts[host], server.flavour));
  return accounts.length === 0 ? { kind: 'none' } : { kind: 'exact', flavour: server.flavour, accounts };
}

function accountPlan(desired: MysqlUserDesired, host: string, account: MysqlAccount | undefined, flavour: Flavour): AccountPlan[] {
  if (desired.state === 'absent') return account === undefined ? [] : [{ host, kind: 'drop' }];
  const want = declaredGrants(desired.privileges, flavour);
  if (account === undefined) return [{ host, kind: 'create', grants: grantSteps(want, {}) }];
  const password = passwordChange(account, desired.password, flavour);
  const grants = grantSteps(want, account.grants);
  return password === undefined && grants.length === 0 ? [] : [{ host, kind: 'update', password, grants }];
}

/** Why the stored credentials differ from the wanted ones, or undefined when they match. */
function passwordChange(account: MysqlAccount, password: Secret, flavour: Flavour): string | undefined {
  const plugin = AUTH_PLUGIN[flavour];
  if (!passwordMatches(account.plugin, account.authHex, password.reveal())) return 'password changed';
  return account.plugin === plugin ? undefined : `auth plugin ${account.plugin} → ${plugin}`;
}

function describe(desired: MysqlUserDesired, p: UserAction): Change[] {
  switch (p.kind) {
    case 'none':
      return [];
    case 'blocked':
      return [blockedChange(p.reason)];
    case 'blind':
      return desired.hosts.map((host) => ({ summary: `${display(desired.name, host)}: ${blindSummary(desired)} (${p.why})` }));
    case 'exact':
      return p.accounts.flatMap((a) => accountChanges(desired.name, a));
  }
}

function blindSummary(desired: MysqlUserDesired): string {
  if (desired.state === 'absent') return 'drop if present';
  return desired.privileges.length === 0 ? 'absent → present' : `absent → present with ${desired.privileges.join('; ')}`;
}

function accountChanges(name: string, account: AccountPlan): Change[] {
  const who = display(name, account.host);
  if (account.kind === 'drop') return [{ summary: `${who}: present → absent` }];
  const grants = account.grants.map((step) => ({ summary: `${who}: ${describeStep(step)}` }));
  if (account.kind === 'create') return [{ summary: `${who}: absent → present` }, ...grants];
  return [...(account.password === undefined ? [] : [{ summary: `${who}: ${account.password}` }]), ...grants];
}

/** 'app'@'%' as shown to people. */
function display(name: string, host: string): string {
  return `'${name}'@'${host}'`;
}

/** The clause setting the password: MariaDB gets the hash only; MySQL 8 hashes it itself (caching_sha2 salts randomly). */
function identified(flavour: Flavour, password: Secret): string {
  if (flavour === 'mariadb') return `IDENTIFIED BY PASSWORD ${sqlString(nativePasswordHash(password.reveal()))}`;
  return `IDENTIFIED WITH caching_sha2_password BY ${sqlString(password.reveal())}`;
}

/** The statements carrying out an exact plan. */
function exactStatements(desired: MysqlUserDesired, flavour: Flavour, accounts: AccountPlan[]): string[] {
  return accounts.flatMap((a) => {
    const account = sqlAccount(desired.name, a.host);
    if (a.kind === 'drop' || desired.state === 'absent') return [`DROP USER IF EXISTS ${account}`];
    const steps = a.grants.map((step) => stepStatement(step, account));
    // IF NOT EXISTS: the statement may reach a replica (binary log) that already has the account.
    if (a.kind === 'create') return [`CREATE USER IF NOT EXISTS ${account} ${identified(flavour, desired.password)}`, ...steps];
    // IF EXISTS: a replica that never had the account must not stop on the statement.
    return [...(a.password === undefined ? [] : [`ALTER USER IF EXISTS ${account} ${identified(flavour, desired.password)}`]), ...steps];
  });
}

/** Statements that converge from any state, for a server whose state was unknown at probe time. */
function blindStatements(desired: MysqlUserDesired, flavour: Flavour): string[] {
  return desired.hosts.flatMap((host) => {
    const account = sqlAccount(desired.name, host);
    if (desired.state === 'absent') return [`DROP USER IF EXISTS ${account}`];
    const auth = identified(flavour, desired.password);
    const grants = grantSteps(declaredGrants(desired.privileges, flavour), {}).map((step) => stepStatement(step, account));
    return [`CREATE USER IF NOT EXISTS ${account} ${auth}`, `ALTER USER IF EXISTS ${account} ${auth}`, `REVOKE ALL PRIVILEGES, GRANT OPTION FROM ${account}`, ...grants];
  });
}

function apply(desired: MysqlUserDesired, { action: p }: MysqlUserDecision): Shell {
  switch (p.kind) {
    case 'none':
      return trusted(':');
    case 'blocked':
      return blockedScript(p.reason);
    case 'blind':
      return lines(APPLY_PREAMBLE, forServer(p.server, (flavour) => runSql(sqlBatch(blindStatements(desired, flavour), desired))));
    case 'exact':
      return lines(APPLY_PREAMBLE, runSql(sqlBatch(exactStatements(desired, p.flavour, p.accounts), desired)));
  }
}

/**
 * One client call for all the accounts: per host an `account=` line, the `auth=` row when the account exists, and its
 * grants. `--force` goes on past SHOW GRANTS for an account that does not exist (error 1141, expected); any other
 * error is the probe's error.
 */
function probe(desired: MysqlUserDesired): Shell {
  return serverProbe(probeQuery(accountsSql(desired)));
}


function accountsSql(desired: MysqlUserDesired): string {
  return desired.hosts
    .flatMap((host) => [
      `SELECT ${sqlString(`account=${host}`)};`,
      `SELECT CONCAT('auth=', plugin, ':', HEX(authentication_string)) FROM mysql.user WHERE User = ${sqlString(desired.name)} AND Host = ${sqlString(host)};`,
      `SHOW GRANTS FOR ${sqlAccount(desired.name, host)};`,
    ])
    .join('\n');
}

/** No such grant: SHOW GRANTS for an account that does not exist. */
const NO_SUCH_GRANT = 1141;

/** Probe lines: the server's, then per host `account=`, `auth=plugin:hex` when it exists, and its grants (SHOW GRANTS rows). */
function parse(output: string): MysqlUserCurrent {
  const { server, error } = parseProbe(output, [NO_SUCH_GRANT]);
  const accounts: Record<string, MysqlAccount> = {};
  const grantLines: Record<string, string[]> = {};
  let host: string | undefined;
  for (const line of output.split('\n')) {
    if (line.startsWith('account=')) host = line.slice('account='.length);
    else if (host === undefined || line.startsWith('ERROR ')) continue;
    else if (line.startsWith('auth=')) {
      const value = line.slice('auth='.length);
      const colon = value.indexOf(':');
      accounts[host] = { plugin: value.slice(0, colon), authHex: value.slice(colon + 1), grants: {} };
    } else (grantLines[host] ??= []).push(line);
  }
  const flavour = server.status === 'up' ? server.flavour : 'mariadb';
  for (const [h, account] of Object.entries(accounts)) account.grants = parseShowGrants(grantLines[h] ?? [], flavour);
  return error === undefined ? { server, accounts } : { server, accounts, error };
}

/** `host` as a list: a YAML list, or a comma-separated string (what the `addresses` template helper gives). */
function hostsArg(args: Args): string[] {
  const hosts = stringList(args, 'host', true).flatMap((h) => h.split(',')).map((h) => h.trim()).filter((h) => h !== '');
  if (hosts.length === 0) throw new ArgError('host', "'host' must name at least one host ('%' for any)");
  return [...new Set(hosts)].map((h) => accountHost('host', h));
}

function validate(args: Args): MysqlUserDesired {
  const state = oneOf(args, 'state', ['present', 'absent'], 'present');
  if (state === 'absent') {
    onlyKeys(args, ['name', 'host', 'state', 'binlog']);
    return { name: accountUser(args, 'name'), hosts: hostsArg(args), state, binlog: binlogArg(args) };
  }
  onlyKeys(args, ['name', 'host', 'state', 'password', 'privileges', 'binlog']);
  const privileges = stringList(args, 'privileges', false);
  for (const text of privileges) {
    try {
      parseDeclaredPrivilege(text);
    } catch (err) {
      throw new ArgError('privileges', `'privileges': ${(err as Error).message}`);
    }
  }
  return { name: accountUser(args, 'name'), hosts: hostsArg(args), state, password: passwordArg(args, 'password'), privileges, binlog: binlogArg(args) };
}

/** The `mysql_user` resource type. */
export const mysqlUser: ResourceType<MysqlUserDesired, MysqlUserCurrent, MysqlUserDecision> = {
  name: 'mysql_user',
  validate,
  secretKeys: ['password'],
  label: (desired) => `${desired.name}@${desired.hosts.join(',')}`,
  probe,
  probeFamily: { family: MYSQL_STATEMENTS, part: accountsSql },
  parse,
  decide,
  apply,
  predict: (_desired, current, ahead) => predictServer(current, ahead),
};
