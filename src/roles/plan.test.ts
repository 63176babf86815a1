import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { clearSecretsForTests, MASK, redact } from '../secrets.js';
import { UserError } from '../errors.js';
import { loadInventory, selectHosts } from '../inventory/index.js';
import { stubSops } from '../../test/support/inventory.js';
import { extraVarsOf, userErrorOf } from '../../test/fixtures/inventory/fixtures.js';
import { buildBalancers, buildPlans, secretVariables, type PlanOptions } from './plan.js';
import { CHECK_KINDS } from './checks.js';
import { resourceTypes } from '../resources/index.js';
import { file } from '../resources/file/index.js';

const PROJECT = 'test/fixtures/project';
const ENV = { PROVISION_TEST_DB_PASSWORD: 'unit-test-secret' };
const OPTIONS: PlanOptions = { rolesDirs: [join(PROJECT, 'roles')], templateDirs: [join(PROJECT, 'templates')], tags: [] };

function plansFor(limit?: string, options: Partial<PlanOptions> = {}, extraVars: Record<string, unknown> = {}) {
  const inventory = loadInventory(join(PROJECT, 'inventory.yaml'), { env: ENV, extraVars: extraVarsOf(extraVars) });
  return buildPlans(inventory, selectHosts(inventory, limit), { ...OPTIONS, ...options });
}

describe('buildPlans on the test project', () => {
  it('renders every declaration in order and drops those whose when: is false', () => {
    const [lb, web] = plansFor('lb-01,web-01');
    expect(lb!.resources.map((r) => r.label)).toEqual([
      'group appsvc',
      'user appsvc',
      'directory /srv/app',
      'app config',
      'app secrets',
      'file /etc/motd',
      'line /etc/default/provision-test',
      'package cron',
      'service cron',
      'command date > /srv/app/first-run',
    ]);
    expect(web!.resources.map((r) => r.label)).toContain('app-only marker');
  });

  it('renders templates with inventory variables and groups', () => {
    const [web] = plansFor('web-01');
    const config = web!.resources.find((r) => r.label === 'app config')!;
    expect((config.desired as { content: string }).content).toBe(
      '# Managed by provision: local edits are replaced.\n[app]\nhost = web-01\ngreeting = hello\npeer = web-01\npeer = web-02\n',
    );
  });

  it('links notify to one shared handler per host', () => {
    const [lb] = plansFor('lb-01');
    expect([...lb!.handlers.values()].map((h) => h.label)).toEqual(['restart cron']);
    const notifying = lb!.resources.filter((r) => r.notify.length > 0).map((r) => r.label);
    expect(notifying).toEqual(['app config', 'line /etc/default/provision-test']);
  });

  it('keeps only tagged resources with --tags, the role name being a tag', () => {
    const [lb] = plansFor('lb-01', { tags: ['slow'] }, { slow: 'true' });
    expect(lb!.resources.map((r) => r.label)).toEqual(['slow step', 'after the slow step']);
    expect(plansFor('lb-01', { tags: ['everything'] })[0]!.resources).toHaveLength(10);
  });
});

/** A throw-away project with one role, for error cases. */
function projectWith(roleYaml: string, extra: Record<string, string> = {}): { inventory: string; rolesDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'provision-roles-'));
  const rolesDir = join(dir, 'roles');
  mkdirSync(join(rolesDir, 'web', 'templates'), { recursive: true });
  writeFileSync(join(rolesDir, 'web', 'role.yaml'), roleYaml);
  for (const [name, text] of Object.entries(extra)) writeFileSync(join(rolesDir, 'web', name), text);
  const inventory = join(dir, 'inventory.yaml');
  writeFileSync(inventory, 'all:\n  roles: [web]\n  hosts:\n    h1: { address: 10.0.0.1 }\n');
  return { inventory, rolesDir };
}

describe('a resource\'s warning (warn:)', () => {
  it('is carried to the planned resource, as written; a resource without one has none', () => {
    const { inventory, rolesDir } = projectWith('resources:\n  - file: { path: /x, content: y }\n    warn: "not zero-downtime: {{x}} stays as written"\n  - file: { path: /y, content: z }\n');
    const inv = loadInventory(inventory, { env: {} });
    const [plan] = buildPlans(inv, inv.hosts, { rolesDirs: [rolesDir], templateDirs: [], tags: [] });
    expect(plan!.resources.map((r) => r.warn)).toEqual([{ text: 'not zero-downtime: {{x}} stays as written' }, undefined]);
  });

  it('with toggles, carries the text its change toggles, as written', () => {
    const { inventory, rolesDir } = projectWith('resources:\n  - file: { path: /x, content: y }\n    warn: { text: "scheme flips", toggles: "ssl_{{x}}" }\n');
    const inv = loadInventory(inventory, { env: {} });
    const [plan] = buildPlans(inv, inv.hosts, { rolesDirs: [rolesDir], templateDirs: [], tags: [] });
    expect(plan!.resources[0]!.warn).toEqual({ text: 'scheme flips', toggles: 'ssl_{{x}}' });
  });
});

describe('roles of one inventory are read once (buildPlans, then buildBalancers, in one run)', () => {
  it.each([
    ['the same inventory: the role already read is used', true, 1],
    ['another inventory: the role is read again (and is gone)', false, 0],
  ])('%s', (_, same, plans) => {
    const { inventory, rolesDir } = projectWith('resources:\n  - file: { path: /etc/motd, content: hi }\n');
    const options = { rolesDirs: [rolesDir], templateDirs: [], tags: [] };
    const inv = loadInventory(inventory, { env: {} });
    expect(buildPlans(inv, inv.hosts, options)).toHaveLength(1);
    rmSync(join(rolesDir, 'web'), { recursive: true });
    const again = same ? inv : loadInventory(inventory, { env: {} });
    const build = () => buildPlans(again, again.hosts, options);
    if (plans === 1) expect(build()).toHaveLength(1);
    else expect(build).toThrow(/role 'web' not found/);
  });
});

describe('buildBalancers after buildPlans of one inventory', () => {
  it("refuses a declared secret too short to mask of a host it does not set up, as buildPlans does (it reuses buildPlans' declared secrets)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'provision-roles-'));
    const files = {
      'roles/lb/role.yaml': 'balances:\n  backends: app\n  drain: x\n  undrain: y\n',
      'roles/app/role.yaml': 'checks: { app_pw: secret }\n',
      'inventory.yaml': 'all:\n  children:\n    lb: { roles: [lb], hosts: { lb-01: {} } }\n    app: { roles: [app], hosts: { web-01: { app_pw: abc } } }\n',
    };
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
    const inv = loadInventory(join(dir, 'inventory.yaml'), { env: {} });
    const options = { rolesDirs: [join(dir, 'roles')], templateDirs: [], tags: [] };
    const refusal = (build: () => unknown): string => userErrorOf(build).format().replace(dir, 'P');
    const planned = refusal(() => buildPlans(inv, inv.hosts, options));
    expect(planned).toContain('only 3 characters long');
    expect(refusal(() => buildBalancers(inv, options))).toBe(planned);
  });
});

function errorOf(roleYaml: string, extra: Record<string, string> = {}): string {
  const { inventory, rolesDir } = projectWith(roleYaml, extra);
  const inv = loadInventory(inventory, { env: {} });
  try {
    buildPlans(inv, inv.hosts, { rolesDirs: [rolesDir], templateDirs: [], tags: [] });
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as UserError).format().replace(rolesDir, 'ROLES');
  }
  throw new Error('expected a UserError');
}

describe('role errors, each at file:line:col', () => {
  it.each([
    ['unknown resource type', 'resources:\n  - fiel: { path: /x }\n', "ROLES/web/role.yaml:2:5: resources[0]: unknown key 'fiel'; did you mean 'file'?"],
    ['unknown role key', 'resorces: []\n', "ROLES/web/role.yaml:1:1: role: unknown key 'resorces'; did you mean 'resources'? (expected description, depends, checks, unique, resources, handlers, serve, balances, status)"],
    ['unique that is not a mapping of variables', 'unique: { id: [group] }\n', 'ROLES/web/role.yaml:1:15: unique: expected a mapping from a variable to the variable whose hosts it is unique among (mysql_server_id: mysql_group)'],
    ['bad argument, at its own key', 'resources:\n  - file:\n      path: /x\n      content: y\n      mode: rw\n', 'ROLES/web/role.yaml:5:7: file: '],
    ['unknown argument with suggestion', 'resources:\n  - service: { name: x, stat: started }\n', "ROLES/web/role.yaml:2:25: service: unknown key 'stat'; did you mean 'state'?"],
    ['notify of a missing handler', 'resources:\n  - command: { cmd: "true" }\n    notify: restart app\nhandlers:\n  - name: restart ap\n    service: { name: app, state: restarted }\n', "ROLES/web/role.yaml:2:5: notify: no handler named 'restart app' in role 'web'; did you mean 'restart ap'?"],
    ['missing template variable', 'resources:\n  - file: { path: /x, content: "{{nope}}" }\n', "ROLES/web/role.yaml:2:23: template variable 'nope' is not defined (rendering for host h1;"],
    ['missing variable inside a template file', 'resources:\n  - file: { path: /x, template: t.hbs }\n', "ROLES/web/templates/t.hbs:2:5: template variable 'missing' is not defined"],
    ['missing template file', 'resources:\n  - file: { path: /x, template: nothere.hbs }\n', "ROLES/web/role.yaml:2:23: file: template 'nothere.hbs' not found"],
    ['early that is not true or false', 'resources:\n  - file: { path: /x, content: y }\n    early: soon\n', 'ROLES/web/role.yaml:3:12: resources[0].early: expected true or false'],
    ['an early package install', 'resources:\n  - package: { name: [nginx] }\n    early: true\n', 'ROLES/web/role.yaml:2:5: early: a package resource is one of the changes that early resources go before'],
    ['an early handler', 'handlers:\n  - name: h\n    service: { name: x, state: restarted }\n    early: true\n', "ROLES/web/role.yaml:4:5: handlers[0]: unknown key 'early'"],
    ['a warning that is not text', 'resources:\n  - file: { path: /x, content: y }\n    warn: [a]\n', "ROLES/web/role.yaml:3:11: resources[0].warn: expected a warning's text"],
    ['an empty warning', 'resources:\n  - file: { path: /x, content: y }\n    warn: " "\n', "ROLES/web/role.yaml:3:11: resources[0].warn: expected a warning's text"],
    ['a warning mapping without its text', 'resources:\n  - file: { path: /x, content: y }\n    warn: { toggles: ssl }\n', "ROLES/web/role.yaml:3:11: resources[0].warn: expected a warning's text, or a mapping of its text and what its change toggles ({ text: TEXT, toggles: TEXT })"],
    ['a warning with an unknown key', 'resources:\n  - file: { path: /x, content: y }\n    warn: { text: t, toggle: ssl }\n', "ROLES/web/role.yaml:3:22: resources[0].warn: unknown key 'toggle' (expected text, toggles)"],
    ['toggles that is not text', 'resources:\n  - file: { path: /x, content: y }\n    warn: { text: t, toggles: [a] }\n', 'ROLES/web/role.yaml:3:22: resources[0].warn.toggles: expected the text whose appearing or vanishing the warning is for'],
    ['toggles of several lines (no line equals it)', 'resources:\n  - file: { path: /x, content: y }\n    warn: { text: t, toggles: "a;\\nb;" }\n', 'ROLES/web/role.yaml:3:22: resources[0].warn.toggles: expected one whole line of the content, without blanks around it'],
    ['toggles with blanks around it (no trimmed line equals it)', 'resources:\n  - file: { path: /x, content: y }\n    warn: { text: t, toggles: " ssl on;" }\n', 'ROLES/web/role.yaml:3:22: resources[0].warn.toggles: expected one whole line of the content, without blanks around it'],
    ['toggles on a type that cannot tell', 'resources:\n  - service: { name: x, state: started }\n    warn: { text: t, toggles: ssl }\n', 'ROLES/web/role.yaml:3:22: resources[0].warn.toggles: this resource type cannot tell what its change toggles (types that can: file, internal_tls)'],
    ['a handler with a warning', 'handlers:\n  - name: h\n    service: { name: x, state: restarted }\n    warn: careful\n', "ROLES/web/role.yaml:4:5: handlers[0]: unknown key 'warn'"],
    ['a handler without a name', 'handlers:\n  - service: { name: x, state: restarted }\n', "ROLES/web/role.yaml:2:5: handlers[0]: a handler needs a 'name:' to be notified by"],
    ['an unknown kind of check', 'checks: { domain: dns_nam }\n', `ROLES/web/role.yaml:1:19: checks.domain: expected a mapping from variable names to one of ${CHECK_KINDS.join(', ')} (a trailing ? also allows nothing), or a list of the allowed values; did you mean 'dns_name'?`],
    ['checks that are not a mapping', 'checks: [domain]\n', `ROLES/web/role.yaml:1:9: checks: expected a mapping from variable names to one of ${CHECK_KINDS.join(', ')} (a trailing ? also allows nothing), or a list of the allowed values`],
  ])('%s', (_, roleYaml, expected) => {
    const message = errorOf(roleYaml, { 'templates/t.hbs': 'line 1\n  {{missing}}\n' });
    expect(message.startsWith(expected), message).toBe(true);
  });

  it('refuses toggles on a type whose toggles is declared but not there, and does not list it as one that can', () => {
    resourceTypes.quiet = { ...file, name: 'quiet', toggles: undefined };
    try {
      const message = errorOf('resources:\n  - quiet: { path: /x, content: y }\n    warn: { text: t, toggles: ssl }\n');
      expect(message).toContain('resources[0].warn.toggles: this resource type cannot tell what its change toggles (types that can: file, internal_tls)');
    } finally {
      delete resourceTypes.quiet;
    }
  });

  it('names a missing role at its place in the inventory, with a suggestion', () => {
    const { inventory, rolesDir } = projectWith('resources: []\n');
    const inv = loadInventory(inventory, { env: {} });
    inv.hosts[0]!.roles[0]!.name = 'wbe';
    expect(() => buildPlans(inv, inv.hosts, { rolesDirs: [rolesDir], templateDirs: [], tags: [] })).toThrow(/inventory\.yaml:2:11: role 'wbe' not found; did you mean 'web'\?/);
  });
});

describe('role checks', () => {
  /** A role checking `domain` (default `role.example.com`) and using it in a file; the inventory's vars are `vars`. */
  function checked(vars: string, extraVars: Record<string, unknown> = {}, defaults = 'domain: role.example.com\n') {
    const dir = mkdtempSync(join(tmpdir(), 'provision-checks-'));
    mkdirSync(join(dir, 'roles', 'site'), { recursive: true });
    writeFileSync(join(dir, 'roles', 'site', 'role.yaml'), 'checks: { domain: dns_name }\nresources:\n  - file: { path: /etc/site, content: "{{domain}}" }\n');
    writeFileSync(join(dir, 'roles', 'site', 'defaults.yaml'), defaults);
    const inventory = join(dir, 'inventory.yaml');
    writeFileSync(inventory, `all:\n  vars: ${vars}\n  roles: [site]\n  hosts:\n    h1: { address: 10.0.0.1 }\n    h2: { address: 10.0.0.2 }\n`);
    const inv = loadInventory(inventory, { env: {}, extraVars: extraVarsOf(extraVars) });
    return { inventory, plans: () => buildPlans(inv, inv.hosts, { rolesDirs: [join(dir, 'roles')], templateDirs: [], tags: [] }) };
  }

  it('reports a bad value where the inventory sets it, once for all the hosts it applies to', () => {
    const { inventory, plans } = checked('{ zone: foo_bar.com, domain: "www.{{zone}}" }');
    expect(userErrorOf(plans).format()).toBe(
      `${inventory}:2:38: all.vars.domain: "www.foo_bar.com" is not a valid DNS name: label "foo_bar" has a character other than letters, digits and '-' (role site uses it as a DNS name)`,
    );
  });

  it('names an -e value by its option, and a value of the wrong type', () => {
    expect(() => checked('{}', { domain: 42 }).plans()).toThrow("-e domain: expected a DNS name, got integer 42 (role site uses it as a DNS name)");
  });

  it('lets good values and role defaults through (the resources using a default check it)', () => {
    expect(checked('{ domain: WWW.Example.com }').plans()[0]!.resources[0]!.desired).toMatchObject({ content: 'WWW.Example.com' });
    expect(checked('{}', {}, 'domain: not_a_name\n').plans()).toHaveLength(2);
  });
});

/** A throw-away project: `files` by path under roles/ (`pw/role.yaml`), and the inventory's text; `plans` for the hosts `limit` selects. */
function secretsProject(files: Record<string, string>, inventoryText: string) {
  const dir = mkdtempSync(join(tmpdir(), 'provision-secrets-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, 'roles', path)), { recursive: true });
    writeFileSync(join(dir, 'roles', path), text);
  }
  const inventory = join(dir, 'inventory.yaml');
  writeFileSync(inventory, inventoryText);
  const inv = loadInventory(inventory, { env: {} });
  return { dir, inventory, plans: (limit?: string) => buildPlans(inv, selectHosts(inv, limit), { rolesDirs: [join(dir, 'roles')], templateDirs: [], tags: [] }) };
}

describe('a secret a role default computes from a plain inventory value', () => {
  afterEach(() => clearSecretsForTests());
  /** A role declaring x_password secret, its default taken from vault_x (set in the inventory, declared by no role), shown in a command. */
  const plansWith = (vaultX: string) =>
    secretsProject(
      { 'pw/role.yaml': 'checks: { x_password: secret }\nresources:\n  - command: { cmd: "set-password {{x_password}}" }\n', 'pw/defaults.yaml': 'x_password: "{{ vault_x }}"\n' },
      `all:\n  vars: { vault_x: ${JSON.stringify(vaultX)} }\n  roles: [pw]\n  hosts:\n    h1: { address: 10.0.0.1 }\n`,
    );

  it('is masked in all output, like one the inventory sets for the secret itself', () => {
    expect(redact('set-password hunter-3333')).toBe('set-password hunter-3333');
    plansWith('hunter-3333').plans();
    expect(redact('set-password hunter-3333')).toBe(`set-password ${MASK}`);
  });

  it('is refused, without being shown, when it could not be masked', () => {
    const { dir, plans } = plansWith('abc');
    const message = userErrorOf(plans).format();
    expect(message).toBe(`${join(dir, 'roles', 'pw', 'defaults.yaml')}:1:1: role pw default x_password: the value cannot be used as a secret: the secret is only 3 characters long: secrets must have at least 4 characters, so that they can be masked in all output (role pw uses it as a secret)`);
  });
});

describe('a literal role default of a secret variable (a placeholder, or empty)', () => {
  afterEach(() => clearSecretsForTests());
  const plansWithDefault = (text: string) =>
    secretsProject(
      { 'pw/role.yaml': 'checks: { pw: secret }\nresources:\n  - command: { cmd: "set-pw {{pw}} {{msg}}" }\n', 'pw/defaults.yaml': `pw: ${JSON.stringify(text)}\n` },
      'all:\n  vars: { msg: "TODO list" }\n  roles: [pw]\n  hosts:\n    h1: { address: 10.0.0.1 }\n',
    ).plans();

  it('is not checked: an empty default plans', () => {
    expect(plansWithDefault('')[0]!.resources).toHaveLength(1);
  });

  it('is not made a secret: a placeholder does not mask the same word elsewhere', () => {
    plansWithDefault('TODO');
    expect(redact('TODO list')).toBe('TODO list');
  });
});

describe('a number the inventory writes for a secret variable', () => {
  afterEach(() => clearSecretsForTests());

  it('is a number in Jinja2 arithmetic, and what it computes is masked', () => {
    const plans = secretsProject(
      { 'p/role.yaml': 'checks: { pin: secret }\nresources:\n  - command: { cmd: "echo {{next}}" }\n' },
      'all:\n  vars: { pin: 12345678, next: "{{ pin + 1 }}" }\n  roles: [p]\n  hosts:\n    h1: { address: 10.0.0.1 }\n',
    ).plans();
    expect(plans[0]!.resources).toHaveLength(1);
    expect(redact('echo 12345679')).toBe(`echo ${MASK}`);
  });

  /** Host a shows b's pin plus one; b's role declares pin secret. */
  const groupA = `    f: { roles: [echo], hosts: { a: { address: 10.0.0.1, next: "{{ hostvars['b'].pin + 1 }}" } } }\n`;
  const groupB = '    g: { roles: [p], hosts: { b: { address: 10.0.0.2, pin: 12345678 } } }\n';
  it.each([
    ['planned after the declaring host', groupB + groupA],
    ['planned before it', groupA + groupB],
  ])("is a number through another host's hostvars too, what it computes masked: %s", (_, groups) => {
    const plans = secretsProject(
      { 'p/role.yaml': 'checks: { pin: secret }\nresources: []\n', 'echo/role.yaml': 'resources:\n  - command: { cmd: "echo {{next}}" }\n' },
      `all:\n  children:\n${groups}`,
    ).plans();
    expect(plans.flatMap((p) => p.resources)).toHaveLength(1);
    expect(redact('echo 12345679')).toBe(`echo ${MASK}`);
  });
});

describe('a secret a role of a host left out by --limit declares', () => {
  afterEach(() => clearSecretsForTests());
  /** Host a's role shows shared_pw in a command; only host b's role declares it secret, and only host a is planned. */
  function planOfA(sharedPw: string) {
    const project = secretsProject(
      { 'user/role.yaml': 'resources:\n  - command: { cmd: "set-password {{shared_pw}}" }\n', 'declarer/role.yaml': 'checks: { shared_pw: secret }\nresources: []\n' },
      `all:\n  vars: { shared_pw: ${JSON.stringify(sharedPw)} }\n  children:\n    f: { roles: [user], hosts: { a: { address: 10.0.0.1 } } }\n    g: { roles: [declarer], hosts: { b: { address: 10.0.0.2 } } }\n`,
    );
    return { inventory: project.inventory, plans: () => project.plans('a') };
  }

  it('is masked on the hosts that run, as when that host runs too', () => {
    expect(planOfA('hunter-4444').plans().map((p) => p.host.name)).toEqual(['a']);
    expect(redact('set-password hunter-4444')).toBe(`set-password ${MASK}`);
  });

  it.each([
    ['a YAML error', 'checks: { shared_pw: secret }\nresources: [\n', 'role.yaml:3:1: '],
    ['an unknown resource type', 'checks: { shared_pw: secret }\nresources:\n  - filee: { path: /x }\n', "role.yaml:3:5: resources[0]: unknown key 'filee'"],
  ])('is not dropped when that role cannot be loaded (%s): the role is a bad-input error, as without --limit', (_, roleYaml, where) => {
    const project = secretsProject(
      { 'user/role.yaml': 'resources:\n  - command: { cmd: "set-password {{shared_pw}}" }\n', 'declarer/role.yaml': roleYaml },
      'all:\n  vars: { shared_pw: hunter-4444 }\n  children:\n    f: { roles: [user], hosts: { a: { address: 10.0.0.1 } } }\n    g: { roles: [declarer], hosts: { b: { address: 10.0.0.2 } } }\n',
    );
    const message = userErrorOf(() => project.plans('a')).format();
    expect(message.startsWith(join(project.dir, 'roles', 'declarer', where)), message).toBe(true);
  });

  it('is refused, without being shown, when it could not be masked', () => {
    const { inventory, plans } = planOfA('abc');
    expect(userErrorOf(plans).format()).toMatch(new RegExp(`^${inventory}:2:\\d+: all\\.vars\\.shared_pw: the value cannot be used as a secret: the secret is only 3 characters long.*\\(role declarer uses it as a secret\\)$`));
  });

  it.each([
    [
      'a resource argument its type declares secret',
      { 'declarer/role.yaml': 'resources:\n  - mysql_user: { name: app, host: localhost, password: "{{ shared_pw }}" }\n' },
      'all:\n  vars: { shared_pw: q1z }\n',
      'all.vars.shared_pw: \'password\': the secret is only 3 characters long: secrets must have at least 4 characters, so that they can be masked in all output (role declarer uses it as mysql_user password)',
    ],
    [
      "a variable of that host alone, read through its hostvars",
      { 'declarer/role.yaml': 'checks: { own_pw: secret }\nresources: []\n' },
      "all:\n  vars: { shared_pw: \"{{ hostvars['b'].own_pw }}\" }\n",
      'g.hosts.b.own_pw: the value cannot be used as a secret: the secret is only 3 characters long: secrets must have at least 4 characters, so that they can be masked in all output (role declarer uses it as a secret)',
    ],
  ])('is refused before any host is reached, without being shown, when it could not be masked: %s (as without --limit)', (_, declarer, vars, expected) => {
    const project = secretsProject(
      { 'user/role.yaml': 'resources:\n  - command: { cmd: "set-password {{shared_pw}}" }\n', ...declarer },
      `${vars}  children:\n    f: { roles: [user], hosts: { a: { address: 10.0.0.1 } } }\n    g: { roles: [declarer], hosts: { b: { address: 10.0.0.2, own_pw: q1z } } }\n`,
    );
    for (const limit of ['a', undefined]) {
      const message = userErrorOf(() => project.plans(limit)).format();
      expect(message).toMatch(new RegExp(`^${project.inventory}:\\d+:\\d+: `));
      expect(message.endsWith(expected), message).toBe(true);
      expect(message).not.toContain('q1z');
    }
  });
});

describe('a plain-text secret that a template transforms', () => {
  afterEach(() => clearSecretsForTests());

  it.each([
    ['upper', '{{ real_pw | upper }}', 'HUNTER-4444XYZ'],
    ['reversed', '{{ real_pw | reverse }}', 'zyx4444-retnuh'],
    ['replaced in', "{{ real_pw | replace('hunter', 'HUNTED') }}", 'HUNTED-4444xyz'],
  ])('is masked: %s', (_, template, shown) => {
    secretsProject(
      { 'pw/role.yaml': 'checks: { real_pw: secret }\nresources:\n  - command: { cmd: "set-password {{shout}}" }\n' },
      `all:\n  vars: { real_pw: hunter-4444xyz, shout: ${JSON.stringify(template)} }\n  roles: [pw]\n  hosts:\n    h1: { address: 10.0.0.1 }\n`,
    ).plans();
    expect(redact(`set-password ${shown}`)).toBe(`set-password ${MASK}`);
  });
});

describe('a variable holding the very text of a secret is that secret, so what a template makes of it is masked', () => {
  afterEach(() => clearSecretsForTests());
  /** Role leaky declares x_password secret, its default read from vault_x; role echoer shows the variable `shown` in a command. */
  const roles = (shown: string) => ({
    'leaky/role.yaml': 'checks: { x_password: secret }\nresources: []\n',
    'leaky/defaults.yaml': 'x_password: "{{ vault_x }}"\n',
    'echoer/role.yaml': `resources:\n  - command: { cmd: "true {{${shown}}}" }\n`,
  });

  it.each([
    ['upper', '{{ vault_x | upper }}', 'HUNTER3333XYZ'],
    ['reverse', '{{ vault_x | reverse }}', 'zyx3333retnuh'],
    ['replace', "{{ vault_x | replace('3333', '-') }}", 'hunter-xyz'],
    ['a copy of it, upper', '{{ copy_x | upper }}', 'HUNTER3333XYZ'],
  ])('on the host declaring it: %s', (_, template, derived) => {
    secretsProject(roles('shared_pw'), `all:\n  vars: { vault_x: hunter3333xyz, copy_x: hunter3333xyz, shared_pw: ${JSON.stringify(template)} }\n  roles: [leaky, echoer]\n  hosts:\n    a: { address: 10.0.0.1 }\n`).plans();
    expect(redact(`true ${derived}`)).toBe(`true ${MASK}`);
  });

  it('on the host declaring it, also when a check of an earlier role reads the derived value first', () => {
    const echoer = { 'echoer/role.yaml': 'checks: { shared_pw: one_line }\nresources:\n  - command: { cmd: "true {{shared_pw}}" }\n' };
    secretsProject({ ...roles('shared_pw'), ...echoer }, 'all:\n  vars: { vault_x: hunter3333xyz, shared_pw: "{{ vault_x | upper }}" }\n  roles: [echoer, leaky]\n  hosts:\n    a: { address: 10.0.0.1 }\n').plans();
    expect(redact('true HUNTER3333XYZ')).toBe(`true ${MASK}`);
  });

  it.each([
    ['upper', "{{ hostvars['a'].real_pw | upper }}", 'HUNTER3333XYZ'],
    ['reverse', "{{ hostvars['a'].real_pw | reverse }}", 'zyx3333retnuh'],
  ])("through another host's hostvars: %s", (_, template, derived) => {
    secretsProject(
      { 'pw/role.yaml': 'checks: { real_pw: secret }\nresources: []\n', ...roles('peer_pw') },
      `all:\n  children:\n    f: { roles: [pw], hosts: { a: { address: 10.0.0.1, real_pw: hunter3333xyz } } }\n    g: { roles: [echoer], hosts: { b: { address: 10.0.0.2, peer_pw: ${JSON.stringify(template)} } } }\n`,
    ).plans();
    expect(redact(`true ${derived}`)).toBe(`true ${MASK}`);
  });

  it.each([
    ['its own copy', '{{ vault_x | upper }}'],
    ['hostvars', "{{ hostvars['b'].vault_x | upper }}"],
  ])('on a host planned before the one declaring it, or left out by --limit: %s', (_, template) => {
    const project = secretsProject(
      roles('shared_pw'),
      `all:\n  vars: { vault_x: hunter3333xyz, shared_pw: ${JSON.stringify(template)} }\n  children:\n    f: { roles: [echoer], hosts: { a: { address: 10.0.0.1 } } }\n    g: { roles: [leaky], hosts: { b: { address: 10.0.0.2 } } }\n`,
    );
    for (const limit of [undefined, 'a']) {
      clearSecretsForTests();
      project.plans(limit);
      expect(redact('true HUNTER3333XYZ')).toBe(`true ${MASK}`);
    }
  });

  it('leaves visible what is only a part of a secret (a host name in a secret URL)', () => {
    const plans = secretsProject(
      { 'db/role.yaml': 'checks: { db_url: secret }\nresources: []\n', ...roles('shared_pw') },
      'all:\n  vars: { db_host: localhost, db_url: "mysql://app:pw-5555@{{ db_host }}/app", shared_pw: "{{ db_host | upper }}" }\n  roles: [db, echoer]\n  hosts:\n    a: { address: 10.0.0.1 }\n',
    ).plans();
    expect(redact('mysql://app:pw-5555@localhost/app')).toBe(MASK);
    expect(plans[0]!.resources.map((r) => r.label)).toEqual(['command true LOCALHOST']);
    expect(redact('true LOCALHOST')).toBe('true LOCALHOST');
  });
});

describe('a value a later declaration makes secret (a mysql_user password written in plain text)', () => {
  afterEach(() => clearSecretsForTests());

  it('makes the earlier declarations holding it private too, on every host', () => {
    const plans = secretsProject(
      {
        'conf/role.yaml': 'resources:\n  - file: { path: /etc/app.conf, content: "password={{ db_pw }}\\n" }\n',
        'db/role.yaml': 'resources:\n  - file: { path: /etc/db.conf, content: "password={{ db_pw }}\\n" }\n  - mysql_user: { name: app, host: localhost, password: "{{ db_pw }}" }\n',
      },
      'all:\n  vars: { db_pw: late-Secret-5 }\n  children:\n    f: { roles: [conf], hosts: { a: { address: 10.0.0.1 } } }\n    g: { roles: [db], hosts: { b: { address: 10.0.0.2 } } }\n',
    ).plans();
    const files = plans.flatMap((p) => p.resources).filter((r) => r.type.name === 'file');
    expect(files.map((r) => r.desired)).toMatchObject([{ path: '/etc/app.conf', sensitive: true }, { path: '/etc/db.conf', sensitive: true }]);
  });
});

describe('a secret a resource of another host declares (a mysql_user password written in plain text)', () => {
  afterEach(() => clearSecretsForTests());
  /** Host a's role writes `content` into a file (shout: db_pw in capitals); host b's role (with `extra` declarations) makes db_pw a MySQL password. */
  const project = (content: string, extra = '') =>
    secretsProject(
      {
        'conf/role.yaml': `resources:\n  - file: { path: /etc/app.conf, content: ${JSON.stringify(content)} }\n`,
        'db/role.yaml': `resources:\n${extra}  - mysql_user: { name: app, host: localhost, password: "{{ db_pw }}" }\n`,
      },
      'all:\n  vars: { db_pw: late-Secret-6, shout: "{{ db_pw | upper }}" }\n  children:\n    f: { roles: [conf], hosts: { a: { address: 10.0.0.1 } } }\n    g: { roles: [db], hosts: { b: { address: 10.0.0.2 } } }\n',
    );
  const appConf = (plans: ReturnType<ReturnType<typeof project>['plans']>) => plans.flatMap((p) => p.resources).find((r) => r.label === 'file /etc/app.conf')!.desired;

  it('makes a file holding it private and masked on a host --limit keeps, the declaring host left out', () => {
    const plans = project('password={{ db_pw }}\n').plans('a');
    expect(plans.map((p) => p.host.name)).toEqual(['a']);
    expect(appConf(plans)).toMatchObject({ sensitive: true });
    expect(redact('password=late-Secret-6')).toBe(`password=${MASK}`);
  });

  it('is that secret in the templates of a host planned before the declaring one: what they make of it is masked too', () => {
    const plans = project('password={{ shout }}\n').plans();
    expect(appConf(plans)).toMatchObject({ sensitive: true });
    expect(redact('password=LATE-SECRET-6')).toBe(`password=${MASK}`);
  });

  it('is masked by value in `provision inventory`, as in plan', () => {
    const { dir, inventory } = project('password={{ db_pw }}\n');
    const { values } = secretVariables(loadInventory(inventory, { env: {} }), [join(dir, 'roles')]);
    expect(values.has('late-Secret-6')).toBe(true);
  });

  it('is read from a left-out host without resolving or validating its declarations (no template read, no certificate issued)', () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'provision-state-'));
    vi.stubEnv('PROVISION_STATE_DIR', stateDir);
    try {
      const extra = '  - file: { path: /etc/x.conf, template: missing.j2 }\n  - internal_tls: { path: /etc/x.key, part: key }\n  - mysql_user: { name: "{{ no_such_var }}", password: "{{ db_pw }}" }\n';
      const plans = project('password={{ db_pw }}\n', extra).plans('a');
      expect(appConf(plans)).toMatchObject({ sensitive: true });
      expect(existsSync(join(stateDir, 'internal-ca'))).toBe(false);
    } finally {
      vi.unstubAllEnvs();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});

describe('the shipped roles', () => {
  const env = { APP_DB_PASSWORD: 'xxxx', MYSQL_REPLICATION_PASSWORD: 'xxxx', SUMO_ACCESS_ID: 'xxxx', SUMO_ACCESS_KEY: 'xxxx' };
  /** role → lock_timeout of each of its package declarations, over every host of the inventory. */
  function packageLockTimeouts(file: string, extraVars: Record<string, unknown> = {}): Record<string, number[]> {
    const inventory = loadInventory(file, { env, extraVars: extraVarsOf(extraVars), sops: stubSops() });
    const plans = buildPlans(inventory, inventory.hosts, { rolesDirs: ['roles'], templateDirs: ['templates'], tags: [] });
    const byRole: Record<string, number[]> = {};
    for (const r of plans.flatMap((p) => p.resources).filter((r) => r.type.name === 'package')) (byRole[r.role] ??= []).push((r.desired as { lockTimeout: number }).lockTimeout);
    return byRole;
  }

  it.each(['inventory/lab.yaml', 'inventory/example.yaml'])('pass apt_lock_timeout on to every package declaration (%s)', (file) => {
    const roles = ['app', 'common', 'firewall', 'loadbalancer', 'mysql', 'nginx', 'sumologic'];
    const timeouts = (extraVars?: Record<string, unknown>) => Object.fromEntries(Object.entries(packageLockTimeouts(file, extraVars)).map(([role, list]) => [role, [...new Set(list)]]));
    expect(timeouts()).toEqual(Object.fromEntries(roles.map((role) => [role, [120]])));
    expect(timeouts({ apt_lock_timeout: '7' })).toEqual(Object.fromEntries(roles.map((role) => [role, [7]])));
  });

  it.each([
    ['env', 'lab OR _sourceCategory=*'],
    ['env', 'lab | count'],
    ['sumo_site_access_category', 'lab/lb/nginx-access" OR "x'],
    ['sumo_all_access_categories', 'lab/*/nginx-access\n| where false'],
  ])('monitoring: %s = %j, which would change the queries it is written into, is refused before any host', (variable, value) => {
    const inventory = loadInventory('inventory/lab.yaml', { env, extraVars: extraVarsOf({ [variable]: value }), sops: stubSops() });
    expect(() => buildPlans(inventory, inventory.hosts, { rolesDirs: ['roles'], templateDirs: ['templates'], tags: [] })).toThrow(new RegExp(`${variable}.*not a Sumo Logic search keyword`, 's'));
  });
});

describe('role dependencies', () => {
  function rolesProject(roles: Record<string, string>, inventoryRoles: string): { inventory: string; rolesDir: string } {
    const dir = mkdtempSync(join(tmpdir(), 'provision-deps-'));
    for (const [name, yaml] of Object.entries(roles)) {
      mkdirSync(join(dir, 'roles', name), { recursive: true });
      writeFileSync(join(dir, 'roles', name, 'role.yaml'), yaml);
    }
    writeFileSync(join(dir, 'inventory.yaml'), `all:\n  roles: [${inventoryRoles}]\n  hosts:\n    h1: { address: 10.0.0.1 }\n`);
    return { inventory: join(dir, 'inventory.yaml'), rolesDir: join(dir, 'roles') };
  }
  const step = (path: string): string => `  - file: { path: ${path}, content: x }\n`;

  it('runs each dependency once, before the roles that need it', () => {
    const { inventory, rolesDir } = rolesProject(
      { base: `resources:\n${step('/base')}`, web: `depends: [base]\nresources:\n${step('/web')}`, app: `depends: [base, web]\nresources:\n${step('/app')}` },
      'app, web',
    );
    const inv = loadInventory(inventory, { env: {} });
    const [plan] = buildPlans(inv, inv.hosts, { rolesDirs: [rolesDir], templateDirs: [], tags: [] });
    expect(plan!.resources.map((r) => r.label)).toEqual(['file /base', 'file /web', 'file /app']);
  });

  it('reports a dependency cycle where it closes', () => {
    const { inventory, rolesDir } = rolesProject({ a: 'depends: [b]\n', b: 'depends: [a]\n' }, 'a');
    const inv = loadInventory(inventory, { env: {} });
    expect(() => buildPlans(inv, inv.hosts, { rolesDirs: [rolesDir], templateDirs: [], tags: [] })).toThrow(/roles\/b\/role\.yaml:1:11: role dependency cycle: a → b → a/);
  });
});

describe('the app role', () => {
  function appPlan(extraVars: Record<string, unknown>) {
    const dir = mkdtempSync(join(tmpdir(), 'provision-app-'));
    mkdirSync(join(dir, 'release'));
    writeFileSync(join(dir, 'release', 'main.js'), 'console.log(1)\n');
    writeFileSync(join(dir, 'site.yaml'), 'all:\n  vars: { app_db_password: pw-for-tests }\n  children:\n    app:\n      roles: [app]\n      hosts:\n        web-01: { address: 10.0.0.12 }\n');
    const inv = loadInventory(join(dir, 'site.yaml'), { env: {}, extraVars: extraVarsOf(extraVars) });
    const [plan] = buildPlans(inv, inv.hosts, { rolesDirs: ['roles'], templateDirs: ['templates'], tags: [] });
    return { dir, plan: plan! };
  }
  const unitOf = (plan: ReturnType<typeof appPlan>['plan']) => (plan.resources.find((r) => r.label === 'app systemd unit')!.desired as { content: string }).content;

  it('ships the default app from templates/ by default', () => {
    const { plan } = appPlan({});
    expect(plan.resources.map((r) => r.label)).toContain('app code');
    expect(plan.resources.map((r) => r.label)).not.toContain('app release');
    expect(unitOf(plan)).toContain('ExecStart=/usr/bin/node /opt/app/server.js\n');
  });

  it('deploys your own app from a directory relative to the inventory', () => {
    const { dir, plan } = appPlan({ app_archive: 'release', app_main: 'main.js' });
    const release = plan.resources.find((r) => r.label === 'app release')!;
    expect(release.desired).toMatchObject({ src: join(dir, 'release'), dest: '/opt/app/current', group: 'app' });
    expect(release.notify).toHaveLength(1);
    expect(plan.resources.map((r) => r.label)).not.toContain('app code');
    expect(unitOf(plan)).toContain('ExecStart=/usr/bin/node /opt/app/current/main.js\n');
  });
});

describe('resources behind an API (run on the control node)', () => {
  /** Two hosts with the role `mon`, whose monitor's name is `name`. */
  function twoHosts(name: string, extra = '', critical = '5') {
    const dir = mkdtempSync(join(tmpdir(), 'provision-control-'));
    mkdirSync(join(dir, 'roles', 'mon'), { recursive: true });
    const monitor = `  - sumo_monitor: { name: "${name}", query: q, critical: '${critical}', access_id: id, access_key: key-of-the-test }\n${extra}`;
    writeFileSync(join(dir, 'roles', 'mon', 'role.yaml'), `resources:\n  - file: { path: /etc/x, content: x }\n${monitor}handlers:\n  - name: h\n    service: { name: x, state: restarted }\n`);
    writeFileSync(join(dir, 'inventory.yaml'), 'all:\n  roles: [mon]\n  hosts:\n    h1: { address: 10.0.0.1 }\n    h2: { address: 10.0.0.2 }\n');
    const inv = loadInventory(join(dir, 'inventory.yaml'), { env: {} });
    return () => buildPlans(inv, inv.hosts, { rolesDirs: [join(dir, 'roles')], templateDirs: [], tags: [] });
  }

  it('one object declared for several hosts is managed once, by the first host', () => {
    const [h1, h2] = twoHosts('site QPS')();
    expect(h1!.resources.map((r) => r.label)).toEqual(['file /etc/x', 'sumo_monitor site QPS']);
    expect(h2!.resources.map((r) => r.label)).toEqual(['file /etc/x']);
  });

  it('objects of their own per host (the name differs) are managed by each host', () => {
    expect(twoHosts('QPS {{inventory_hostname}}')().map((p) => p.resources.map((r) => r.label))).toEqual([
      ['file /etc/x', 'sumo_monitor QPS h1'],
      ['file /etc/x', 'sumo_monitor QPS h2'],
    ]);
  });

  it('one object declared differently for two hosts: an error at the declaration, naming both', () => {
    const message = userErrorOf(twoHosts('site QPS', '', '{{#if (eq inventory_hostname "h1")}}5{{else}}6{{/if}}')).format();
    expect(message).toMatch(/role\.yaml:3:5: sumo_monitor site QPS \(host h2\) is declared differently for host h1: it is one object behind an API/);
  });

  it('cannot notify a handler on the host', () => {
    expect(userErrorOf(twoHosts('site QPS', '    notify: h\n')).format()).toMatch(/role\.yaml:3:5: sumo_monitor: runs on the control node \(through an API\) and cannot notify handlers on the host$/);
  });
});

describe('the monitoring role', () => {
  const env = { APP_DB_PASSWORD: 'x', MYSQL_REPLICATION_PASSWORD: 'x', SUMO_ACCESS_ID: 'sumo-id', SUMO_ACCESS_KEY: 'sumo-key-for-tests' };
  const controlOf = (file: string, extraVars: Record<string, unknown> = {}) => {
    const inventory = loadInventory(file, { env, extraVars: extraVarsOf(extraVars), sops: stubSops() });
    return buildPlans(inventory, inventory.hosts, { rolesDirs: ['roles'], templateDirs: ['templates'], tags: [] }).map((p) => [p.host.name, p.resources.filter((r) => r.role === 'monitoring').map((r) => r.label)]);
  };

  it.each([
    ['inventory/lab.yaml', ['alert webhook', 'sumo_monitor www.foobar.com requests per second', 'sumo_dashboard www.foobar.com traffic']],
    ['inventory/example.yaml', ['sumo_monitor www.foobar.com requests per second', 'sumo_dashboard www.foobar.com traffic']],
  ])('declares the QPS monitor and the dashboard for www.foobar.com on the load balancer (%s)', (file, labels) => {
    expect(controlOf(file)).toEqual([['lb-01', labels], ['web-01', []], ['web-02', []]]);
  });

  it('the deployment picks the API endpoint; absent deletes the webhook after the monitor', () => {
    const inventory = loadInventory('inventory/example.yaml', { env, extraVars: extraVarsOf({ sumo_deployment: 'eu' }), sops: stubSops() });
    const [lb] = buildPlans(inventory, inventory.hosts, { rolesDirs: ['roles'], templateDirs: ['templates'], tags: [] });
    expect(lb!.resources.find((r) => r.type.name === 'sumo_monitor')!.desired).toMatchObject({ endpoint: { url: 'https://api.eu.sumologic.com/api/' }, critical: 500, warning: 200, missingData: '10m', emails: ['ops@foobar.com'] });
    expect(controlOf('inventory/lab.yaml', { sumo_monitoring_state: 'absent' })[0]).toEqual(['lb-01', ['sumo_monitor www.foobar.com requests per second', 'sumo_dashboard www.foobar.com traffic', 'alert webhook removed']]);
  });
});
