/**
 * The sumologic role (roles/sumologic) as planned for the lab's three hosts:
 * which sources each host ships, under which categories, and where the
 * access key goes. Only the role's own resources are planned (tag sumologic).
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { UserErrors } from '../../../src/errors.js';
import { loadInventory, selectHosts } from '../../../src/inventory/index.js';
import { stubSops } from '../../support/inventory.js';
import { buildPlans } from '../../../src/roles/plan.js';
import { clearSecretsForTests } from '../../../src/secrets.js';
import type { CommandDesired } from '../../../src/resources/command/index.js';
import type { PresentFile } from '../../../src/resources/file/index.js';
import { extraVarsOf } from '../../fixtures/inventory/fixtures.js';

const KEY = 'unit-sumo-access-key-123';
const ENV = { APP_DB_PASSWORD: 'x-db-pass', MYSQL_REPLICATION_PASSWORD: 'x-repl-pass', SUMO_ACCESS_ID: 'suUNIT', SUMO_ACCESS_KEY: KEY };
// Both inventories read their secrets from SOPS files; these stand in for them.
const SOPS = stubSops({ 'app.db_password': 'x-db-pass', 'mysql.replication_password': 'x-repl-pass', 'sumo.access_id': 'suUNIT', 'sumo.access_key': KEY });

function plan(host: string, extraVars: Record<string, unknown> = {}, inventoryFile = 'inventory/lab.yaml') {
  const inventory = loadInventory(inventoryFile, { env: ENV, extraVars: extraVarsOf(extraVars), sops: SOPS });
  const [p] = buildPlans(inventory, selectHosts(inventory, host), { rolesDirs: ['roles'], templateDirs: ['templates'], tags: ['sumologic'] });
  clearSecretsForTests();
  return p!;
}

function desiredOf<T>(host: string, label: string, extraVars: Record<string, unknown> = {}): T {
  const resource = plan(host, extraVars).resources.find((r) => r.label === label);
  if (!resource) throw new Error(`no resource '${label}' on ${host}`);
  return resource.desired as T;
}

/** name → category of the rendered sources file. */
function sources(host: string, extraVars: Record<string, unknown> = {}): Record<string, string> {
  const json = JSON.parse(desiredOf<PresentFile>(host, 'sumo sources', extraVars).content) as { sources: Array<{ name: string; category: string }> };
  return Object.fromEntries(json.sources.map((s) => [s.name, s.category]));
}

describe('sumologic role on the lab inventory', () => {
  it.each([
    ['lb-01', { syslog: 'lab/lb/syslog', auth: 'lab/lb/auth', 'nginx-access': 'lab/lb/nginx-access', 'nginx-error': 'lab/lb/nginx-error' }],
    ['web-01', { syslog: 'lab/app/syslog', auth: 'lab/app/auth', 'nginx-access': 'lab/app/nginx-access', 'nginx-error': 'lab/app/nginx-error', 'mysql-error': 'lab/app/mysql-error' }],
  ])('%s ships the logs of its roles', (host, expected) => {
    expect(sources(host)).toEqual(expected);
  });

  it('adds extra sources, and the inventory can turn a role\'s logs off', () => {
    const extra = { sumo_extra_sources: [{ name: 'orders', path: '/var/log/app/"orders".log', category: '{{env}}/app/orders' }], sumo_mysql_logs: false };
    expect(sources('web-02', extra)).toEqual({
      syslog: 'lab/app/syslog',
      auth: 'lab/app/auth',
      'nginx-access': 'lab/app/nginx-access',
      'nginx-error': 'lab/app/nginx-error',
      orders: 'lab/app/orders',
    });
  });

  it('validates the sources file before it replaces the old one', () => {
    expect(desiredOf<PresentFile>('web-01', 'sumo sources')).toMatchObject({ path: '/etc/sumologic/sources.json', validate: 'python3 -m json.tool %s', attributes: { mode: '0644' } });
  });

  /** The settings a command's printf writes to the helper's stdin, one a line, as sh runs it. */
  function settingsOf(cmd: string, helper: string): string[] {
    const [printf, pipe] = cmd.split(' | ');
    expect(pipe).toBe(helper);
    return execFileSync('sh', ['-c', printf!]).toString().trimEnd().split('\n');
  }

  it('passes the key only on stdin, written by the printf builtin, and labels the step without it', () => {
    const install = desiredOf<CommandDesired>('web-01', 'sumo collector installed and registered');
    const settings = settingsOf(install.cmd, '/usr/local/sbin/provision-sumo-install install');
    expect(settings).toEqual([
      'provision.dir=/opt/SumoCollector',
      'provision.url=http://10.77.0.1:8070/rest/download/linux/64',
      'provision.sha256=',
      'provision.version=',
      'provision.wait=120',
      'sumo.accessid=suUNIT',
      `sumo.accesskey=${KEY}`,
      'collector.name=web-01',
      'syncSources=/etc/sumologic/sources.json',
      'clobber=true',
    ]);
    expect(settingsOf(install.unless!, '/usr/local/sbin/provision-sumo-install check')).toEqual(['provision.dir=/opt/SumoCollector', 'provision.version=']);
    expect(install.unless).not.toContain(KEY);
  });

  it.each([
    ['a command substitution in the directory', { sumo_dir: '/opt/Sumo$(touch /tmp/PWNED)' }, /-e sumo_dir: .* is not an absolute path/],
    // The installer removes the directory whole (rm -rf) when it reinstalls, and with sumo_state: absent.
    ['a system directory, which the installer would remove', { sumo_dir: '/opt' }, /-e sumo_dir: .* is not an absolute path to a directory of its own: .*system directory/],
    ['a vital second-level directory written another way', { sumo_dir: '/usr/./lib/' }, /-e sumo_dir: .*system directory/],
    ['a line break in the version', { sumo_collector_version: '7.0\nPROVISION_SUMO\ntouch /tmp/PWNED' }, /-e sumo_collector_version: .* is not one line of text/],
  ])('a hostile value set with -e is refused where it is set: %s', (_, values, message) => {
    expect(() => plan('web-01', values)).toThrow(message);
  });

  it('escapes the installer settings for its Java properties varfile, where a backslash starts an escape', () => {
    const install = desiredOf<CommandDesired>('web-01', 'sumo collector installed and registered', { sumo_collector_name: 'lab\\web-01 é' });
    expect(settingsOf(install.cmd, '/usr/local/sbin/provision-sumo-install install')).toContain('collector.name=lab\\\\web-01 \\u00e9');
  });

  it('installs with an installation token instead of the access id/key when one is given', () => {
    const install = desiredOf<CommandDesired>('web-01', 'sumo collector installed and registered', { sumo_installation_token: 'SUMOtoken-unit' });
    expect(settingsOf(install.cmd, '/usr/local/sbin/provision-sumo-install install')).toContain('sumo.token_and_url=SUMOtoken-unit');
    expect(install.cmd).not.toContain('sumo.access');
  });

  it('manages only the user.properties keys that may change after installation', () => {
    const lines = plan('web-02').resources.filter((r) => r.type.name === 'line').map((r) => (r.desired as { line: string }).line);
    expect(lines).toEqual(['name=web-02', 'syncSources=/etc/sumologic/sources.json']);
  });

  it('state absent: removes the collector and its sources file, nothing else', () => {
    expect(plan('web-01', { sumo_state: 'absent' }).resources.map((r) => r.label)).toEqual([
      'sumo collector installer helper',
      'sumo collector removed',
      'file /etc/sumologic/sources.json',
    ]);
  });

  it.each([
    ['us1', 'https://collectors.sumologic.com/rest/download/linux/64'],
    ['us2', 'https://collectors.us2.sumologic.com/rest/download/linux/64'],
    ['eu', 'https://collectors.eu.sumologic.com/rest/download/linux/64'],
  ])("downloads from Sumo's own endpoint of the deployment (%s)", (deployment, url) => {
    const install = plan('web-01', { sumo_deployment: deployment }, 'inventory/example.yaml').resources.find((r) => r.label === 'sumo collector installed and registered');
    expect(settingsOf((install?.desired as CommandDesired).cmd, '/usr/local/sbin/provision-sumo-install install')).toContain(`provision.url=${url}`);
  });

  it.each([['sumo_access_key', 'k3y-with-a-trailing\\'], ['sumo_access_id', 'su-id-Xq7 z']])(
    'refuses a %s the installer would misread (its varfile is a properties file), before any host is contacted',
    (variable, value) => {
      let error: unknown;
      try {
        plan('web-01', { [variable]: value });
      } catch (e) {
        error = e;
      }
      clearSecretsForTests();
      expect(error).toBeInstanceOf(UserErrors);
      const messages = (error as UserErrors).errors.map((e) => e.message).join('\n');
      expect(messages).toMatch(new RegExp(`${variable}.*not an API key or id`));
      expect(messages).not.toContain(value);
    },
  );

  it('names the missing credential before any host is contacted', () => {
    const inventory = loadInventory('inventory/lab.yaml', { env: ENV, sops: SOPS });
    for (const host of inventory.hosts) delete host.vars['sumo_access_key'];
    let error: unknown;
    try {
      buildPlans(inventory, selectHosts(inventory, 'web-01'), { rolesDirs: ['roles'], templateDirs: ['templates'], tags: ['sumologic'] });
    } catch (e) {
      error = e;
    }
    clearSecretsForTests();
    expect(error).toBeInstanceOf(UserErrors);
    expect((error as UserErrors).errors.map((e) => e.message).join('\n')).toMatch(/template variable 'sumo_access_key' is not defined/);
  });
});
