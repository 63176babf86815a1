/**
 * The templates of the shipped roles, and hostile inventory values. Every
 * value a shipped template writes goes through the helper of its file's
 * format; a value with newlines or the format's own delimiters either stays
 * inside its quotes (the file keeps its shape) or is refused before any host
 * is contacted (a UserError: exit 2).
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { loadInventory } from '../../src/inventory/index.js';
import { stubSops } from '../support/inventory.js';
import type { PresentFile } from '../../src/resources/file/index.js';
import type { LineDesired } from '../../src/resources/line/index.js';
import { clearSecretsForTests, MASK, redact } from '../../src/secrets.js';
import { buildPlans } from '../../src/roles/plan.js';
import { FORMAT_HELPERS } from '../../src/roles/render.js';
import { extraVarsOf } from '../fixtures/inventory/fixtures.js';

// inventory/lab.yaml reads its secrets from a SOPS file; these stand in for them.
const SECRETS = { 'app.db_password': 'unit-db-pass', 'mysql.replication_password': 'unit-repl-pass', 'sumo.access_id': 'unit-id', 'sumo.access_key': 'unit-key' };

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const TEMPLATES = [...filesUnder('templates'), ...readdirSync('roles').flatMap((r) => { try { return filesUnder(join('roles', r, 'templates')); } catch { return []; } })];

/** Every `{{...}}` that writes a value: [the helper or variable it names, the variables it reads]. */
function outputs(text: string): Array<{ name: string; reads: string[] }> {
  const found: Array<{ name: string; reads: string[] }> = [];
  const paths = (node: hbs.AST.Expression): string[] => {
    if (node.type === 'PathExpression') {
      const path = node as hbs.AST.PathExpression;
      return path.data || path.original === 'this' ? [] : [path.parts[0]!];
    }
    if (node.type === 'SubExpression') return (node as hbs.AST.SubExpression).params.flatMap(paths);
    return [];
  };
  const visit = (node: hbs.AST.Node | undefined): void => {
    if (node === undefined) return;
    if (node.type === 'MustacheStatement') {
      const m = node as hbs.AST.MustacheStatement;
      // A bare {{variable}} reads itself.
      found.push({ name: (m.path as hbs.AST.PathExpression).original, reads: m.params.length > 0 ? m.params.flatMap(paths) : paths(m.path) });
    }
    if (node.type === 'Program') (node as hbs.AST.Program).body.forEach(visit);
    if (node.type === 'BlockStatement') {
      visit((node as hbs.AST.BlockStatement).program);
      visit((node as hbs.AST.BlockStatement).inverse);
    }
  };
  visit(Handlebars.parse(text));
  return found;
}

describe('the shipped templates', () => {
  it.each(TEMPLATES)('%s writes every value through a format helper', (file) => {
    for (const { name } of outputs(readFileSync(file, 'utf8'))) expect(FORMAT_HELPERS, `${file}: {{${name}}}`).toContain(name);
  });
});

/** The variables the shipped templates write, each one a target for hostile values. */
const VARIABLES = [...new Set(TEMPLATES.flatMap((f) => outputs(readFileSync(f, 'utf8')).flatMap((o) => o.reads)))].filter((v) => !['groups', 'hostvars', 'address'].includes(v)).sort();

const HOSTILE = [
  'x\nskip-grant-tables',
  'x"\nUser=root\nExecStartPre=/bin/touch /tmp/PWNED\n#',
  'x; } location /leak/ { alias /etc/; autoindex on; } server { listen 8; #',
  'x", "pathExpression": "/etc/shadow"}, {"name": "evil", "category": "x',
  'x\\',
  "%h $HOME `id` '\"",
  'x\r\nsecond: line',
  // Paths pass the resources' own "absolute path" checks.
  '/x\nskip-grant-tables\nUser=root',
  '/x; } location /leak/ { alias /etc/; autoindex on; } #',
];

/** The shape of a config file: the first word of each line once every quoted value is emptied. */
function shape(content: string): string[] {
  return content
    .replace(/"(?:[^"\\]|\\[\s\S])*"/g, '""')
    .split(/\r?\n/)
    .map((line) => line.trim().split(/[\s=]/)[0]!)
    .filter((word) => word !== '');
}

/** host → path → content of every config file and line the shipped roles write on the lab. */
function rendered(extraVars: Record<string, unknown>, secrets: Record<string, string> = {}): Map<string, string> {
  const inventory = loadInventory('inventory/lab.yaml', { env: {}, extraVars: extraVarsOf(extraVars), sops: stubSops({ ...SECRETS, ...secrets }) });
  try {
    const plans = buildPlans(inventory, inventory.hosts, { rolesDirs: ['roles'], templateDirs: ['templates'], tags: [] });
    const files = new Map<string, string>();
    for (const plan of plans) {
      for (const r of plan.resources) {
        if (r.type.name === 'file' && (r.desired as PresentFile).state === 'present') files.set(`${plan.host.name}:${(r.desired as PresentFile).path}`, (r.desired as PresentFile).content);
        if (r.type.name === 'line') files.set(`${plan.host.name}:${(r.desired as LineDesired).path}`, (r.desired as LineDesired).line ?? '');
      }
    }
    return files;
  } finally {
    clearSecretsForTests();
  }
}

describe('hostile values in the inventory', () => {
  const benign = rendered({});

  it('covers the variables of every shipped template', () => {
    expect(VARIABLES).toEqual(expect.arrayContaining(['app_db_name', 'app_start', 'app_user', 'domain', 'acme_webroot', 'mysql_bind_address', 'sumo_category_group', 'env']));
  });

  it.each(VARIABLES)('%s: stays inside its quotes or is refused before any host', (variable) => {
    for (const value of HOSTILE) {
      let files: Map<string, string>;
      try {
        files = rendered({ [variable]: value });
      } catch (err) {
        expect(err, `${variable}=${JSON.stringify(value)}`).toBeInstanceOf(UserError);
        continue;
      }
      for (const [file, content] of files) expect(shape(content), `${file} with ${variable}=${JSON.stringify(value)}:\n${content}`).toEqual(shape(benign.get(file) ?? ''));
      for (const [file, content] of files) if (file.endsWith('.json')) expect(JSON.parse(content).sources).toHaveLength(JSON.parse(benign.get(file)!).sources.length);
    }
  });

  it('a list of extra Sumo sources stays a list of sources', () => {
    const files = rendered({ sumo_extra_sources: [{ name: HOSTILE[3], path: HOSTILE[1], category: HOSTILE[2] }] });
    const sources = JSON.parse(files.get('web-01:/etc/sumologic/sources.json')!).sources as Array<{ name: string }>;
    expect(sources.map((s) => s.name)).toEqual(['syslog', 'auth', 'nginx-access', 'nginx-error', 'mysql-error', HOSTILE[3]]);
  });

  it.each([
    ['app_db_name', { a: 1 }, /app\.env\.hbs.*a mapping: expected a string, number or boolean/],
    ['app_db_user', ['app', 'x'], /a list: expected a string, number or boolean/],
    ['app_db_host', 'db.example.com', undefined],
    ['app_start', '+/bin/sh -c id', /-e app_start: .*systemd prefix '\+'/],
    ['app_start', ' !!/bin/sh', /systemd prefix '!!'/],
    ['app_db_user', 'u'.repeat(3000), /db\.cnf\.hbs.*pieces of 4095 bytes/],
  ])('%s = %j: written whole or refused before any host', (variable, value, refused) => {
    if (refused === undefined) expect(rendered({ [variable]: value }).get('web-01:/etc/app/db.cnf')).toContain(`"${value}"`);
    else expect(() => rendered({ [variable]: value })).toThrow(refused);
  });

  it('a secret of 3000 characters is refused in an option file without being shown', () => {
    const long = 's'.repeat(3000);
    expect(() => rendered({}, { 'app.db_password': long })).toThrow(/\{\{mysql_option\}\}: a secret: the value is 3002 bytes/);
  });

  it.each([
    ['app', 'app_db_password', 'https://plain-app-db-password', '/etc/app/db.cnf'],
    ['sumologic', 'sumo_access_key', 'plain-sumo_access_key-value', undefined],
    ['monitoring', 'sumo_alert_webhook_url', 'https://plain-webhook-url-value', undefined],
  ])('role %s alone: %s written in plain text in the inventory is deployed whole and masked in all output', (role, variable, value, path) => {
    const dir = mkdtempSync(join(tmpdir(), 'provision-plain-secret-'));
    const file = join(dir, 'site.yaml');
    const vars = { sumo_access_id: 'plain-id', sumo_access_key: 'other-plain-key', domain: 'www.example.com', env: 'prod', [variable]: value };
    writeFileSync(file, `all:\n  vars: ${JSON.stringify(vars)}\n  hosts:\n    h1: { address: 192.0.2.1 }\n  roles: [${role}]\n`);
    try {
      const inventory = loadInventory(file, { env: {} });
      const [plan] = buildPlans(inventory, inventory.hosts, { rolesDirs: ['roles'], templateDirs: ['templates'], tags: [] });
      if (path !== undefined) {
        const deployed = plan!.resources.find((r) => (r.desired as PresentFile).path === path)!.desired as PresentFile;
        expect(deployed.content).toContain(value);
        expect(deployed.sensitive).toBe(true);
      }
      expect(redact(`x ${value} ${JSON.stringify(value)}`)).toBe(`x ${MASK} "${MASK}"`);
    } finally {
      clearSecretsForTests();
    }
  });

  it('deploys a password with the option-file and environment-file characters, quoted, whole', () => {
    const files = rendered({}, { 'app.db_password': 'p#ss\\word "q" ' });
    expect(files.get('web-01:/etc/app/db.cnf')).toContain('\npassword="p#ss\\\\word \\"q\\" "\n');
    expect(files.get('web-01:/etc/app/app.env')).toContain('\nDB_PASSWORD="p#ss\\\\word \\"q\\" "\n');
  });
});
