/**
 * The mysql role's server_id (roles/mysql): a number from the host's inventory name unless the
 * inventory pins one; a pinned value that is no server id, or two hosts of one mysql_group with
 * one id, are refused before any host is contacted, naming both hosts. And which of the role's
 * settings restart the server when they change (the others are set in the running server).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UserErrors } from '../../../src/errors.js';
import { loadInventory, selectHosts } from '../../../src/inventory/index.js';
import type { PresentFile } from '../../../src/resources/file/index.js';
import { buildPlans } from '../../../src/roles/plan.js';
import { clearSecretsForTests } from '../../../src/secrets.js';

const ENV = { APP_DB_PASSWORD: 'x-db-pass', MYSQL_REPLICATION_PASSWORD: 'x-repl-pass' };
const CONFIG = '/etc/mysql/mariadb.conf.d/60-provision.cnf';

const dirs: string[] = [];
afterEach(() => {
  clearSecretsForTests();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** An inventory of the mysql role: `hosts` are its lines under `app.hosts`, `more` other groups. */
function inventoryOf(hosts: string[], more = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'provision-server-id-'));
  dirs.push(dir);
  const file = join(dir, 'site.yaml');
  const text = [
    'all:',
    '  vars:',
    '    app_db_password: { secret: APP_DB_PASSWORD }',
    '    mysql_replication_password: { secret: MYSQL_REPLICATION_PASSWORD }',
    '  children:',
    more,
    '    app:',
    '      roles: [mysql]',
    '      hosts:',
    ...hosts.map((h) => `        ${h}`),
    '',
  ].filter((line) => line !== '').join('\n');
  writeFileSync(file, `${text}\n`);
  return file;
}

/** host → the server_id its config file sets. */
function serverIds(file: string, limit?: string): Record<string, string> {
  const inventory = loadInventory(file, { env: ENV });
  const plans = buildPlans(inventory, selectHosts(inventory, limit), { rolesDirs: ['roles'], templateDirs: ['templates'], tags: ['mysql'] });
  return Object.fromEntries(
    plans.flatMap((plan) => {
      const config = plan.resources.find((r) => r.type.name === 'file' && (r.desired as PresentFile).path === CONFIG)?.desired as PresentFile | undefined;
      return config === undefined ? [] : [[plan.host.name, /^server_id = (.*)$/m.exec(config.content)![1]!]];
    }),
  );
}

/** The messages of the errors planning `file` ends with. */
function refusal(file: string, limit?: string): string {
  try {
    serverIds(file, limit);
  } catch (err) {
    if (err instanceof UserErrors) return err.errors.map((e) => e.format()).join('\n');
    throw err;
  }
  throw new Error('expected the plan to be refused');
}

const PRIMARY = 'db1: { address: db1.example.com, mysql_role: primary }';
const REPLICA = 'db2: { address: db2.example.com, mysql_role: replica, mysql_primary: db1 }';

describe('the mysql role\'s server_id', () => {
  it.each([
    ['DNS names', [PRIMARY, REPLICA]],
    ['IPv6 addresses', ['db1: { address: "2001:db8::5", mysql_role: primary }', 'db2: { address: "2001:db8::6", mysql_role: replica, mysql_primary: db1 }']],
    ['IPv4 addresses with one last octet', ['db1: { address: 10.0.1.10, mysql_role: primary }', 'db2: { address: 10.0.2.10, mysql_role: replica, mysql_primary: db1 }']],
  ])('is a number from the inventory name, one per host, with %s', (_, hosts) => {
    const ids = serverIds(inventoryOf(hosts));
    expect(Object.keys(ids)).toEqual(['db1', 'db2']);
    for (const id of Object.values(ids)) expect(id).toMatch(/^"[1-9][0-9]*"$/);
    expect(ids.db1).not.toBe(ids.db2);
  });

  it('stays when hosts are added before it, renamed around it or the primary is promoted', () => {
    const before = serverIds(inventoryOf([PRIMARY, REPLICA]));
    const after = serverIds(
      inventoryOf(
        ['db0: { address: db0.example.com, mysql_role: replica, mysql_primary: db2 }', 'db1: { address: db1.example.com, mysql_role: replica, mysql_primary: db2 }', 'db2: { address: db2.example.com, mysql_role: primary }'],
        '    lb:\n      hosts:\n        lb-01: { address: 10.0.0.1 }',
      ),
    );
    expect({ db1: after.db1, db2: after.db2 }).toEqual(before);
  });

  it('is the number the inventory pins', () => {
    expect(serverIds(inventoryOf([`${PRIMARY.slice(0, -2)}, mysql_server_id: 12 }`, `${REPLICA.slice(0, -2)}, mysql_server_id: "4294967295" }`]))).toEqual({ db1: '"12"', db2: '"4294967295"' });
  });

  it.each([
    ['com', 'string "com" is not a server id'],
    [0, 'integer 0 is not a server id'],
    [4294967296, 'integer 4294967296 is not a server id'],
    ['""', 'string "" is not a server id'],
  ])('refuses a pinned %j before any host is contacted', (value, message) => {
    const text = refusal(inventoryOf([`${PRIMARY.slice(0, -2)}, mysql_server_id: ${value === '""' ? value : JSON.stringify(value)} }`, REPLICA]));
    expect(text).toContain(`all.children.app.hosts.db1.mysql_server_id: ${message}: expected a whole number from 1 to 4294967295 (role mysql uses it as a server id)`);
  });

  it.each([
    ['both pinned', [`${PRIMARY.slice(0, -2)}, mysql_server_id: 7 }`, `${REPLICA.slice(0, -2)}, mysql_server_id: "007" }`], undefined],
    ['one pinned to the other\'s computed id', [PRIMARY, `${REPLICA.slice(0, -2)}, mysql_server_id: ID }`], undefined],
    ['with --limit to the replica', [`${PRIMARY.slice(0, -2)}, mysql_server_id: 7 }`, `${REPLICA.slice(0, -2)}, mysql_server_id: 7 }`], 'db2'],
    ['with --limit to the primary', [`${PRIMARY.slice(0, -2)}, mysql_server_id: 7 }`, `${REPLICA.slice(0, -2)}, mysql_server_id: 7 }`], 'db1'],
  ])('refuses two hosts of one mysql_group with one id, %s, naming both', (_, hosts, limit) => {
    const computed = serverIds(inventoryOf([PRIMARY])).db1!.replaceAll('"', '');
    const text = refusal(inventoryOf(hosts.map((h) => h.replace('ID', computed))), limit);
    expect(text).toMatch(/site\.yaml:\d+:\d+: all\.children\.app\.hosts\.db2\.mysql_server_id: hosts db1 and db2 both have mysql_server_id \S+: role mysql needs a value of its own on each of its hosts with the same mysql_group \("app"\); set mysql_server_id on one of them/);
  });

  it('takes one id in two mysql_groups: they do not replicate from each other', () => {
    const hosts = [`${PRIMARY.slice(0, -2)}, mysql_server_id: 7 }`, 'db3: { address: db3.example.com, mysql_role: primary, mysql_group: other, mysql_server_id: 7 }'];
    expect(serverIds(inventoryOf(hosts))).toEqual({ db1: '"7"', db3: '"7"' });
  });
});

describe('the mysql role: which setting changes restart the server', () => {
  /** The resources whose desired state differs between `before` and `after` (host vars of db1), and whether they notify a handler (the role's one: restart mariadb). */
  function changedResources(before: string, after: string): Array<[string, string]> {
    const plan = (vars: string) => {
      const inventory = loadInventory(inventoryOf([`db1: { address: db1.example.com, mysql_role: primary${vars} }`]), { env: ENV });
      return buildPlans(inventory, selectHosts(inventory, undefined), { rolesDirs: ['roles'], templateDirs: ['templates'], tags: ['mysql'] })[0]!.resources;
    };
    const [a, b] = [plan(before), plan(after)];
    return b.filter((r, i) => JSON.stringify(r.desired) !== JSON.stringify(a[i]!.desired)).map((r) => [r.label, r.notify.length > 0 ? 'restarts' : 'no restart']);
  }

  it.each<[string, string, Array<[string, string]>]>([
    ['binary log retention: set live and written for the next start, no restart', ', mysql_binlog_expire_days: 9', [['mysql server runtime config', 'no restart'], ['binary log retention', 'no restart']]],
    ['the port: a restart', ', mysql_port: 3307', [['mysql server config', 'restarts']]],
    ['the bind address: a restart', ', mysql_bind_address: 127.0.0.1', [['mysql server config', 'restarts']]],
  ])('%s', (_, vars, expected) => {
    expect(changedResources('', vars)).toEqual(expected);
  });
});
