import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { loadInventory, parseExtraVars } from '../inventory/index.js';
import { buildBalancers, buildPlans } from './plan.js';
import { parseMaxFailPercentage, parseSerial, rollingSetName } from './rolling.js';

describe('parseSerial', () => {
  it.each<[unknown, unknown]>([
    [1, [{ count: 1 }]],
    ['2', [{ count: 2 }]],
    ['50%', [{ percent: 50 }]],
    ['100%', [{ percent: 100 }]],
    [[1, '30%'], [{ count: 1 }, { percent: 30 }]],
    ['1, 50%', [{ count: 1 }, { percent: 50 }]],
  ])('%j', (value, expected) => {
    expect(parseSerial(value)).toEqual(expected);
  });

  it.each([0, -1, '0%', '150%', 'all', 1.5, [], true, null])('%j is refused', (value) => {
    expect(parseSerial(value)).toMatch(/^expected a positive number of hosts, a percentage like "50%", or a list of those, got /);
  });
});

describe('parseMaxFailPercentage', () => {
  it.each<[unknown, number | RegExp]>([
    [0, 0],
    ['25', 25],
    ['25%', 25],
    [100, 100],
    [101, /^expected a percentage from 0 to 100, got integer 101/],
    ['lots', /^expected a percentage/],
  ])('%j', (value, expected) => {
    const parsed = parseMaxFailPercentage(value);
    if (typeof expected === 'number') expect(parsed).toBe(expected);
    else expect(parsed).toMatch(expected);
  });
});

describe('rollingSetName', () => {
  it.each<[string | undefined, string | undefined, string]>([
    ['all.children.app.vars.serial', undefined, 'group app'],
    ['all.vars.serial', undefined, 'group all'],
    ['all.children.eu.children.web.vars.serial', undefined, 'group web'],
    ['all.children.app.hosts.web-01.serial', undefined, 'host web-01'],
    ['-e serial', undefined, '-e serial'],
    [undefined, 'app', 'role app'],
  ])('%s / role %s → %s', (origin, role, expected) => {
    expect(rollingSetName(origin, role)).toBe(expected);
  });
});

/** A throw-away project: roles web (serve) and lb (balances), an inventory with groups lb and app. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'provision-rolling-'));
  const defaults: Record<string, string> = {
    'roles/web/role.yaml': 'serve:\n  health: { url: "http://127.0.0.1/{{path}}", status: 200, timeout: 30 }\n  traffic: [restart]\nhandlers:\n  - name: restart\n    command: { cmd: "true" }\n',
    'roles/web/defaults.yaml': 'path: health\n',
    'roles/lb/role.yaml': 'balances:\n  backends: "{{group}}"\n  drain: "drain-it {{wait}}"\n  undrain: "undrain-it {{wait}}"\n',
    'roles/lb/defaults.yaml': 'group: app\nwait: 5\n',
    'inventory.yaml': 'all:\n  children:\n    lb:\n      roles: [lb]\n      hosts: { lb-01: {} }\n    app:\n      roles: [web]\n      vars: { serial: 1 }\n      hosts: { web-01: {}, web-02: {} }\n',
  };
  for (const [name, text] of Object.entries({ ...defaults, ...files })) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function load(dir: string, extraVars: string[] = []) {
  const inventory = loadInventory(join(dir, 'inventory.yaml'), { env: {}, extraVars: parseExtraVars(extraVars) });
  const options = { rolesDirs: [join(dir, 'roles')], templateDirs: [], tags: [] };
  return { plans: buildPlans(inventory, inventory.hosts, options), balancers: () => buildBalancers(inventory, options) };
}

function errorOf(work: () => unknown, dir: string): string {
  try {
    work();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as UserError).format().split(dir).join('P');
  }
  throw new Error('expected a UserError');
}

describe('serve, balances and serial in plans', () => {
  it('renders serve per host, the serial of the group, and the load balancers of the whole inventory', () => {
    const dir = project({});
    const { plans, balancers } = load(dir);
    const web = plans.find((p) => p.host.name === 'web-01')!;
    expect(web.serve).toEqual([{ role: 'web', health: { role: 'web', url: 'http://127.0.0.1/health', status: 200, timeoutSeconds: 30, insecure: false }, traffic: ['restart'] }]);
    expect(web.rolling).toEqual({ set: 'group app', serial: [{ count: 1 }], maxFailPercentage: 0 });
    expect(plans.find((p) => p.host.name === 'lb-01')!.rolling).toBeUndefined();
    expect(balancers().map((b) => [b.host.name, b.decls])).toEqual([['lb-01', [{ role: 'lb', backends: ['web-01', 'web-02'], drain: 'drain-it 5', undrain: 'undrain-it 5' }]]]);
  });

  it('a serial in role defaults names the role; -e serial makes one set of all', () => {
    const dir = project({ 'roles/web/defaults.yaml': 'path: health\nserial: 50%\nmax_fail_percentage: 10\n', 'inventory.yaml': 'all:\n  children:\n    app:\n      roles: [web]\n      hosts: { web-01: {} }\n' });
    expect(load(dir).plans[0]!.rolling).toEqual({ set: 'role web', serial: [{ percent: 50 }], maxFailPercentage: 10 });
    expect(load(dir, ['serial=2']).plans[0]!.rolling).toMatchObject({ set: '-e serial', serial: [{ count: 2 }] });
  });

  it.each([
    ['a bad serial from -e', {}, ['serial=0%'], '-e serial: expected a positive number of hosts, a percentage like "50%", or a list of those, got string "0%" (host lb-01)'],
    [
      'a bad serial in the inventory',
      { 'inventory.yaml': 'all:\n  children:\n    app:\n      roles: [web]\n      vars: { serial: none }\n      hosts: { web-01: {} }\n' },
      [],
      'P/inventory.yaml:5:23: all.children.app.vars.serial: expected a positive number of hosts, a percentage like "50%", or a list of those, got string "none" (host web-01)',
    ],
  ])('%s', (_, files, extra, expected) => {
    const dir = project(files);
    expect(errorOf(() => load(dir, extra), dir).split('\n')[0]).toBe(expected);
  });

  it.each([
    ['serve: an unknown key', 'serve:\n  helth: {}\n', "P/roles/web/role.yaml:2:3: serve: unknown key 'helth'; did you mean 'health'? (expected one of: health, traffic)"],
    ['serve: traffic names no handler', 'serve:\n  traffic: [restrat]\nhandlers:\n  - name: restart\n    command: { cmd: "true" }\n', "P/roles/web/role.yaml:2:3: serve: 'traffic' names 'restrat', which is no handler or resource name of this role (names: restart)"],
    ['serve: a health URL that is not http', 'serve:\n  health: { url: "ftp://x/" }\n', `P/roles/web/role.yaml:2:13: serve: 'url' must be an http:// or https:// URL, got string "ftp://x/" (host web-01)`],
    ['serve: a status out of range', 'serve:\n  health:\n    url: "http://127.0.0.1/"\n    status: 999\n', "P/roles/web/role.yaml:4:5: serve: 'status' must be a whole number from 100 to 599, got integer 999 (host web-01)"],
  ])('%s', (_, roleYaml, expected) => {
    const dir = project({ 'roles/web/role.yaml': roleYaml });
    expect(errorOf(() => load(dir), dir).split('\n')[0]).toBe(expected);
  });

  it.each([
    ['balances: a missing command', 'balances:\n  backends: app\n  drain: x\n', "P/roles/lb/role.yaml:1:1: balances: 'undrain' is required"],
    ['balances: backends that are no group or host', 'balances:\n  backends: ap\n  drain: x\n  undrain: y\n', "P/roles/lb/role.yaml:2:3: balances: 'backends' names 'ap', which is no group or host of the inventory (host lb-01)"],
  ])('%s', (_, roleYaml, expected) => {
    const dir = project({ 'roles/lb/role.yaml': roleYaml });
    expect(errorOf(() => load(dir).balancers(), dir)).toBe(expected);
  });
});
