/**
 * The mysql role on the lab: web-01 becomes the primary, web-02 its replica.
 * Touches web-01 and web-02 only (other engineers' tests use lb-01).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { LAB_ADDRESSES, labRun } from '../lab/lab.js';
import { stableId } from '../../src/roles/stable-id.js';
import { type CliRun, type JsonReport, provision, report } from './cli.js';

const INV = 'test/fixtures/mysql/inventory.yaml';
// Quotes, backslashes, shell syntax, a hash and spaces: each must survive the shell, SQL and option files.
const APP_PASSWORD = `app "pw" \\ 'x' $(id) #1`;
const REPLICATION_PASSWORD = `repl pw's "#2" \`id\` \\n`;
const ENV = { APP_DB_PASSWORD: APP_PASSWORD, MYSQL_REPLICATION_PASSWORD: REPLICATION_PASSWORD };
const PRIMARY = 'web-01';
const REPLICA = 'web-02';

const onHost = labRun;
/** SQL run as root on a host (trusted test text, single quotes only). */
const sql = (host: string, text: string): Promise<string> => onHost(host, `mariadb -N -B -e "${text}"`);
const run = (args: string[]): Promise<CliRun> => provision(args, { env: ENV });

/** host|resource of every result that changed (or would change). */
const changed = (r: JsonReport): string[] => r.results.filter((x) => x.changed).map((x) => `${x.host}|${x.resource}`).sort();

/** Fails when a password shows in anything the CLI printed. */
function expectNoPasswords(...texts: string[]): void {
  for (const text of texts) {
    expect(text).not.toContain(APP_PASSWORD);
    expect(text).not.toContain(REPLICATION_PASSWORD);
  }
}

/** The replica's IO and SQL thread states, e.g. "Yes Yes". */
const threads = async (): Promise<string> =>
  (await onHost(REPLICA, `mariadb -E -e 'SHOW SLAVE STATUS' | sed -n 's/^ *Slave_\\(IO\\|SQL\\)_Running: //p' | tr '\\n' ' '`)).trim();

/** Removes MariaDB's server, data and config from a host: a machine that never had a database. */
const wipe = (host: string): Promise<string> =>
  onHost(
    host,
    'systemctl stop mariadb 2>/dev/null; DEBIAN_FRONTEND=noninteractive apt-get purge -y -q mariadb-server mariadb-server-core >/dev/null 2>&1; rm -rf /var/lib/mysql /etc/mysql/mariadb.conf.d/60-provision.cnf /etc/mysql/mariadb.conf.d/61-provision-runtime.cnf; echo wiped',
  );

/**
 * Runs `provision` while both hosts write `ps -eo args` snapshots as fast as
 * they can; returns the run and every snapshot taken during it.
 */
async function applyWatchingProcesses(args: string[]): Promise<{ run: CliRun; snapshots: string }> {
  const stop = '/run/provision-mysql-test.stop';
  const watch = (host: string): Promise<string> => onHost(host, `rm -f ${stop}; until [ -e ${stop} ]; do ps -eo args; echo '@@'; sleep 0.05; done; rm -f ${stop}`);
  const watchers = [watch(PRIMARY), watch(REPLICA)];
  const result = await run(args);
  await Promise.all([PRIMARY, REPLICA].map((host) => onHost(host, `touch ${stop}`)));
  const snapshots = (await Promise.all(watchers)).join('\n');
  return { run: result, snapshots };
}

/** Waits up to `ms` for the replica to answer `query` with `expected`. */
async function replicaShows(query: string, expected: string, ms = 5000): Promise<string> {
  const deadline = Date.now() + ms;
  let last = '';
  while (Date.now() < deadline) {
    last = await sql(REPLICA, query);
    if (last === expected) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return last;
}

describe('the mysql role on web-01 (primary) and web-02 (replica)', () => {
  beforeAll(async () => {
    await Promise.all([wipe(PRIMARY), wipe(REPLICA)]);
  });

  it('first apply brings up primary and replica, and no password shows in output or process lists', async () => {
    const tmpBefore = await onHost(REPLICA, 'ls -A /tmp');
    const { run: apply, snapshots } = await applyWatchingProcesses(['apply', INV, '--json']);
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    const r = report(apply);
    for (const host of [PRIMARY, REPLICA]) expect(r.hosts[host]).toMatchObject({ failed: 0, unreachable: false });
    expect(changed(r)).toEqual(expect.arrayContaining([`${PRIMARY}|app database`, `${PRIMARY}|replication user`, `${REPLICA}|replication from the primary`]));
    expectNoPasswords(apply.stdout, apply.stderr, snapshots);
    // The snapshots did see the run: its shells, the package install.
    expect(snapshots).toContain('sudo -n -u root -- sh -s');
    expect(snapshots).toContain('apt-get');
    // The option file with the replication password is gone.
    expect(await onHost(REPLICA, 'ls -A /tmp')).toBe(tmpBefore);

    expect(await threads()).toBe('Yes Yes');
    // server_id: a number from the host's inventory name (roles/mysql).
    expect(await sql(REPLICA, 'SELECT @@read_only, @@server_id')).toBe(`1\t${stableId(REPLICA)}\n`);
    expect(await sql(PRIMARY, 'SELECT @@read_only, @@server_id')).toBe(`0\t${stableId(PRIMARY)}\n`);
    expect(await sql(PRIMARY, "SELECT Host FROM mysql.user WHERE User = 'repl'")).toBe(`${LAB_ADDRESSES[REPLICA]}\n`);
    expect(await sql(PRIMARY, "SELECT COUNT(*) FROM mysql.user WHERE User = 'app'")).toBe('3\n');
  });

  it('a row written on the primary appears on the replica within 5 s', async () => {
    await sql(PRIMARY, "CREATE TABLE app.items (id INT PRIMARY KEY, name VARCHAR(40)); INSERT INTO app.items VALUES (1, 'first')");
    expect(await replicaShows('SELECT name FROM app.items WHERE id = 1', 'first\n')).toBe('first\n');
  });

  it('the app user logs in on the primary over the network with its password', async () => {
    // The password reaches the client in an option file, never on its command line.
    const cnf = `[client]\nuser=app\npassword="${APP_PASSWORD.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"\n`;
    const login = await onHost(
      REPLICA,
      `echo ${Buffer.from(cnf).toString('base64')} | base64 -d >/run/app.cnf; mariadb --defaults-extra-file=/run/app.cnf -h ${LAB_ADDRESSES[PRIMARY]} -N -B -e 'SELECT COUNT(*) FROM app.items'; rm -f /run/app.cnf`,
    );
    expect(login).toBe('1\n');
  });

  it('a second apply reports 0 changed', async () => {
    const r = report(await run(['apply', INV, '--json']));
    for (const host of [PRIMARY, REPLICA]) expect(r.hosts[host]).toMatchObject({ changed: 0, failed: 0, unreachable: false });
  });

  it("plan puts a missing account's error on that account: the app user stays in state when the replication user (read after it, in the same client call) is gone", async () => {
    await sql(PRIMARY, `SET sql_log_bin = 0; DROP USER 'repl'@'${LAB_ADDRESSES[REPLICA]}'`);
    const planned = report(await run(['plan', INV, '--json']));
    expect(changed(planned)).toEqual([`${PRIMARY}|replication user`]);
    expect(changed(report(await run(['apply', INV, '--json'])))).toEqual([`${PRIMARY}|replication user`]);
    expect(changed(report(await run(['plan', INV, '--json'])))).toEqual([]);
  });

  it('plan reports a stopped replica, apply repairs it', async () => {
    await sql(REPLICA, 'STOP SLAVE');
    const plan = await run(['plan', INV]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/web-02 \| would change \| replication from the primary\n\s+~ IO thread No → Yes\n\s+~ SQL thread No → Yes/);
    const planned = report(await run(['plan', INV, '--json']));
    expect(changed(planned)).toEqual([`${REPLICA}|replication from the primary`]);
    const apply = await run(['apply', INV, '--json']);
    expect(changed(report(apply))).toEqual(changed(planned));
    expectNoPasswords(plan.stdout, plan.stderr, apply.stdout, apply.stderr);
    expect(await threads()).toBe('Yes Yes');
  });

  it('plan sees a replication password changed on the replica (its master.info fingerprinted on the host), apply repoints', async () => {
    await sql(REPLICA, "STOP SLAVE; CHANGE MASTER TO MASTER_PASSWORD='not the password'; START SLAVE");
    const plan = await run(['plan', INV]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/web-02 \| would change \| replication from the primary\n\s+~ replication password changed/);
    const apply = await run(['apply', INV, '--json']);
    expect(changed(report(apply))).toEqual([`${REPLICA}|replication from the primary`]);
    expectNoPasswords(plan.stdout, plan.stderr, apply.stdout, apply.stderr);
    expect(await threads()).toBe('Yes Yes');
    expect(changed(report(await run(['plan', INV, '--json'])))).toEqual([]);
  });

  it('a new replica of a primary that has data is seeded from a dump, then follows it', async () => {
    await sql(PRIMARY, "INSERT INTO app.items VALUES (2, 'second'), (3, 'third'); CREATE DATABASE shop; CREATE TABLE shop.orders (id INT PRIMARY KEY); INSERT INTO shop.orders VALUES (7)");
    await wipe(REPLICA);
    const { run: apply, snapshots } = await applyWatchingProcesses(['apply', INV, '--json']);
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect(changed(report(apply))).toEqual(expect.arrayContaining([`${REPLICA}|replication from the primary`]));
    expect(changed(report(apply)).filter((c) => c.startsWith(PRIMARY))).toEqual([]);
    expectNoPasswords(apply.stdout, apply.stderr, snapshots);

    expect(await sql(REPLICA, 'SELECT id, name FROM app.items ORDER BY id; SELECT id FROM shop.orders')).toBe('1\tfirst\n2\tsecond\n3\tthird\n7\n');
    expect(await threads()).toBe('Yes Yes');
    await sql(PRIMARY, "INSERT INTO app.items VALUES (4, 'fourth')");
    expect(await replicaShows('SELECT COUNT(*) FROM app.items', '4\n')).toBe('4\n');

    const again = report(await run(['apply', INV, '--json']));
    for (const host of [PRIMARY, REPLICA]) expect(again.hosts[host]).toMatchObject({ changed: 0, failed: 0 });
  });
});
