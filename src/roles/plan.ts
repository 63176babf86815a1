import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, UserErrors, messageOf, type SourcePosition } from '../errors.js';
import type { Inventory, InventoryHost, RoleRef, VarOrigin } from '../inventory/index.js';
import { resourceTypes } from '../resources/index.js';
import { createHash } from 'node:crypto';
import { ArgError, runsOnControl, type AnyResourceType, type ResolveContext } from '../resources/types.js';
import { statusCheckTypes } from '../status/checks/index.js';
import type { AnyStatusCheckType } from '../status/types.js';
import { registerSecret, Secret, secretProblem, secretsCount, secretTextOf } from '../secrets.js';
import { checkVariables, isSecretSpec, sealSecrets, type VariableCheck } from './checks.js';
import { blockPosition, loadRole, saveRoleCache, type Declaration, type Role, type RoleBlock, type UniqueVariable, type Warning } from './load.js';
import { duplicateValues, type UniqueValue } from './unique.js';
import { BALANCE_SHELL_KEYS, balanceDecl, parseMaxFailPercentage, parseSerial, rollingSetName, serveDecl, type BalanceDecl, type RollingSetting, type SerialSpec, type ServeDecl } from './rolling.js';
import { hostContext, isTruthy, renderText, renderValue, saveTemplateCache, wholeVariable, type TemplateContext, type VariableSource } from './render.js';
import { allowedSource, findTemplate } from './source-paths.js';
import { controlStateDir } from '../control/state-dir.js';
import { connectionAliases } from '../inventory/connection-vars.js';
import { readableSecrets } from '../inventory/deferred.js';
import { extendContext, lazyContext } from '../template/lazy-context.js';
import { SECRET_NUMBER } from '../template/number-marks.js';

/** One resource of a host's plan: validated, rendered, ready to probe. */
export interface PlannedResource {
  /** Role it comes from. */
  role: string;
  /** Its resource type. */
  type: AnyResourceType;
  /** Validated desired state (the type's own shape). */
  desired: unknown;
  /** `type label` for output, or the declaration's name. */
  label: string;
  /** Keys of the handlers it notifies when it changes something. */
  notify: string[];
  /** Applied before the changes with side effects (package installs) of its round, wherever it is declared (`early: true`). */
  early?: true;
  /** Printed as a warning by plan and apply before it changes something (`warn:`). */
  warn?: Warning;
  /** Where it is declared. */
  position: SourcePosition;
}

/** A status check a role declares (`status:`), rendered and validated for a host. */
export interface PlannedStatus {
  /** Role it comes from. */
  role: string;
  /** Its kind. */
  type: AnyStatusCheckType;
  /** Validated declaration (the kind's own shape). */
  desired: unknown;
  /** `kind label` or the declaration's name. */
  label: string;
  /** Where it is declared. */
  position: SourcePosition;
}

/** Everything to do on one host, in order. */
export interface HostPlan {
  /** The host. */
  host: InventoryHost;
  /** Resources in order (roles in inventory order, then declaration order). */
  resources: PlannedResource[];
  /** Handlers by key; run once, in this order, after the resources, when notified. */
  handlers: Map<string, PlannedResource>;
  /** What `provision status` checks there, as the roles declare it (absent when built by hand). */
  status?: PlannedStatus[];
  /** Its roles' `serve:` blocks: health checks and the changes that interrupt serving. */
  serve?: ServeDecl[];
  /** How it rolls, when its `serial` is set (or --serial is given). */
  rolling?: RollingSetting;
}

/** Where roles, templates and control-node files are found, and which resources to keep. */
export interface PlanOptions {
  /** Directories holding roles/<name>/role.yaml, searched in order. */
  rolesDirs: string[];
  /** Directories holding shared templates, searched after the role's own templates/. */
  templateDirs: string[];
  /** Directories an archive's `src` may be in (besides the inventory's directory). */
  filesDirs?: string[];
  /** Only resources carrying one of these tags (the role name is a tag); empty = all. */
  tags: string[];
  /** --serial: every selected host rolls in one set with these batch sizes. */
  serial?: SerialSpec;
}

/** Builds every selected host's plan; all user errors of all hosts are collected before anything connects. */
export function buildPlans(inventory: Inventory, hosts: InventoryHost[], options: PlanOptions): HostPlan[] {
  const { collect, hostSetup, finish, uniqueValueErrors } = planning(inventory, options, () => hosts);
  const plans: HostPlan[] = [];
  const run: PlanRun = { baseDir: inventory.dir, validated: [], templates: new Map() };
  for (const host of hosts) {
    const plan: HostPlan = { host, resources: [], handlers: new Map(), status: [] };
    plans.push(plan);
    const setup = hostSetup(host);
    if (!setup) continue;
    const { hostRoles, base } = setup;
    try {
      const rolling = options.serial ? { set: '--serial', serial: options.serial, maxFailPercentage: 0 } : rollingSettingOf(host, base, hostRoles);
      if (rolling) plan.rolling = rolling;
    } catch (err) {
      collect(err);
    }
    for (const role of hostRoles) {
      const context: TemplateContext = extendContext(base, { role_name: role.name });
      if (role.serve) {
        try {
          (plan.serve ??= []).push(serveDecl(role.name, renderBlock(role.serve, context, host.name)));
        } catch (err) {
          collect(blockError(err, role.serve, 'serve', host.name));
        }
      }
      const plannedHandlers = new Map<string, PlannedResource>();
      for (const [name, decl] of role.handlers) {
        try {
          const planned = planResource(decl, role, context, host, options, run);
          if (planned) plannedHandlers.set(name, planned);
        } catch (err) {
          collect(err);
        }
      }
      for (const decl of role.resources) {
        if (!selectedByTags(decl, role, options.tags)) continue;
        try {
          const planned = planResource(decl, role, context, host, options, run);
          if (!planned) continue;
          if (runsOnControl(planned.type) && decl.notify.length > 0) throw new UserError(`${decl.type}: runs on the control node (through an API) and cannot notify handlers on the host`, decl.position);
          planned.notify = decl.notify.flatMap((n) => {
            const handler = plannedHandlers.get(n);
            if (!handler) return [];
            const key = handlerKey(handler);
            if (!plan.handlers.has(key)) plan.handlers.set(key, handler);
            return [key];
          });
          plan.resources.push(planned);
        } catch (err) {
          collect(err);
        }
      }
      for (const decl of role.status) {
        try {
          const planned = planDeclaration(decl, role, context, host, options, statusCheckTypes, run);
          if (planned) plan.status!.push(planned);
        } catch (err) {
          collect(err);
        }
      }
    }
  }
  validateAgain(run.validated, collect);
  manageOnce(plans).forEach(collect);
  const selected = new Set(hosts.map((h) => h.name));
  uniqueValueErrors((host) => selected.has(host)).forEach(collect);
  finish();
  return plans;
}

/** What planning the declarations of one buildPlans call shares. */
interface PlanRun {
  /** The inventory's directory: control-node paths are relative to it. */
  baseDir: string;
  /** Every declaration validated, to validate anew once more secrets are known. */
  validated: Validated[];
  /** Templates found and read, by name and search path (see templateSource): every host of a role renders the same files. */
  templates: Map<string, { file: string; text: string }>;
}

/** A declaration validated with the secrets known then: `again` validates it anew. */
interface Validated {
  secrets: number;
  again: () => void;
}

/**
 * Validates anew what was validated before a secret became known: a later declaration (a
 * mysql_user's password written in plain text) may make secret a value that an earlier one, of
 * this host or another, holds (a file without a mode would be made 0644, not 0600, and its diff
 * not masked whole).
 */
function validateAgain(validated: readonly Validated[], collect: (err: unknown) => void): void {
  const known = secretsCount();
  for (const { secrets, again } of validated) {
    if (secrets === known) continue;
    try {
      again();
    } catch (err) {
      collect(err);
    }
  }
}

/**
 * An object behind an API (a Sumo Logic monitor) is one object however many
 * hosts declare it: the first host in inventory order manages it and the
 * others' declarations are dropped, so it is read and changed once per run.
 * Declarations of one object that differ are an error at the later one.
 */
function manageOnce(plans: HostPlan[]): UserError[] {
  const first = new Map<string, { host: string; definition: string }>();
  const errors: UserError[] = [];
  for (const plan of plans) {
    plan.resources = plan.resources.filter((r) => {
      if (!runsOnControl(r.type)) return true;
      const key = `${r.type.name}\u0000${r.type.identity(r.desired)}`;
      const definition = canonical(r.desired);
      const seen = first.get(key);
      if (seen === undefined) {
        first.set(key, { host: plan.host.name, definition });
        return true;
      }
      if (seen.definition !== definition) {
        errors.push(new UserError(`${r.label} (host ${plan.host.name}) is declared differently for host ${seen.host}: it is one object behind an API, so declare it once (a role on one group) or the same for every host`, r.position));
      }
      return false;
    });
  }
  return errors;
}

/** A declaration as comparable text; a secret counts by a hash of its value (never its mask, never the value itself). */
function canonical(value: unknown): string {
  const plain = (v: unknown): unknown => {
    if (v instanceof Secret) return { secret: createHash('sha256').update(v.reveal()).digest('hex') };
    if (Array.isArray(v)) return v.map(plain);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
    return v;
  };
  return JSON.stringify(plain(value));
}

/**
 * Every load balancer of the inventory (selected or not: a rolling deploy of
 * its backends drains them there) with its roles' `balances:` rendered for it.
 */
export function buildBalancers(inventory: Inventory, options: PlanOptions): Balancer[] {
  let balancing: InventoryHost[] = [];
  const { collect, hostSetup, finish, declares } = planning(inventory, options, () => balancing);
  balancing = inventory.hosts.filter((host) => declares(host, 'balances'));
  const balancers: Balancer[] = [];
  for (const host of balancing) {
    const setup = hostSetup(host);
    if (!setup) continue;
    const decls: BalanceDecl[] = [];
    for (const role of setup.hostRoles) {
      if (!role.balances) continue;
      try {
        decls.push(balanceDecl(role.name, renderBlock(role.balances, extendContext(setup.base, { role_name: role.name }), host.name, BALANCE_SHELL_KEYS), inventory.groups, inventory.hosts.map((h) => h.name)));
      } catch (err) {
        collect(blockError(err, role.balances, 'balances', host.name));
      }
    }
    balancers.push({ host, decls });
  }
  finish();
  return balancers;
}

/** A load balancer host and what its roles route. */
export interface Balancer {
  /** The load balancer. */
  host: InventoryHost;
  /** Its roles' `balances:` blocks. */
  decls: BalanceDecl[];
}

/**
 * What planning an inventory with roles directories loads and computes once: buildPlans and buildBalancers of one run
 * read each role file once, and compute every host's declared secrets once (declaredSecretValues renders each host's
 * variables and secret arguments), with the errors that refused a value, which each call reports again.
 */
interface InventoryPlanning {
  roles: Map<string, Role>;
  declaredSecrets?: { values: Set<string>; refused: UserError[] };
}

/** By inventory, then by roles directories. */
const inventoryPlannings = new WeakMap<Inventory, Map<string, InventoryPlanning>>();

/**
 * Shared by buildPlans and buildBalancers: roles loaded once, each host's
 * roles and variables resolved, user errors collected and thrown together at `finish`.
 */
/** `planned`: the hosts set up, whose secret sources are read before the first of them renders anything. */
function planning(inventory: Inventory, options: PlanOptions, planned: () => readonly InventoryHost[]) {
  const byDirs = inventoryPlannings.get(inventory) ?? new Map<string, InventoryPlanning>();
  inventoryPlannings.set(inventory, byDirs);
  const dirsKey = JSON.stringify(options.rolesDirs);
  const shared = byDirs.get(dirsKey) ?? { roles: new Map<string, Role>() };
  byDirs.set(dirsKey, shared);
  const errors = new Map<string, UserError>();
  const collect = (err: unknown): void => {
    for (const e of err instanceof UserErrors ? err.errors : [err]) {
      if (!(e instanceof UserError)) throw e;
      errors.set(e.format(), e);
    }
  };
  const hostvars = hostvarsOf(inventory, () => inventorySecretChecks());
  const load = cachedLoader(shared.roles, options.rolesDirs);
  const rolesOf = (host: InventoryHost): Role[] => resolveRoles(host.roles, load, collect);
  // What the roles of every host declare secret, hosts left out by --limit too: their value here is masked (or refused) as when they run.
  // A role of any host that cannot be loaded is an error, as in Ansible, which loads the whole playbook whatever --limit says:
  // left out, it would drop the secrets it declares.
  let secretChecks: Array<Pick<Role, 'name' | 'checks'>> | undefined;
  const inventorySecretChecks = (): Array<Pick<Role, 'name' | 'checks'>> => (secretChecks ??= secretChecksOf(rolesOfHosts(inventory.hosts, load, collect)));
  // The secrets every host's roles and resources declare (hosts left out by --limit too), known before any host's templates run:
  // a variable holding the very text of one is that secret on every host (see sealedIfSecret), whichever host is planned first.
  let allSecretsKnown = false;
  const knowAllSecrets = (): void => {
    if (allSecretsKnown) return;
    allSecretsKnown = true;
    // A value too short to mask is refused as the host's own setup refuses it, also for a host --limit leaves out: another
    // host may print it. What cannot be computed here is reported by the host's own setup, when it runs.
    const checks = inventorySecretChecks();
    shared.declaredSecrets ??= declaredSecretsOf(inventory, checks, load, hostvars);
    shared.declaredSecrets.refused.forEach(collect);
    for (const text of shared.declaredSecrets.values) registerSecret(text);
    // Those the planned hosts read from a secret source, used or not: a plain copy of one is that secret too. Only theirs:
    // a vault value costs ~5 ms of key derivation, and a left-out host's is read when a planned host reads it (hostvars).
    for (const text of sourcedSecretValues(planned())) registerSecret(text);
  };
  /** The host's roles in run order and its variables, or undefined (errors collected) when they cannot be resolved. */
  const hostSetup = (host: InventoryHost): { hostRoles: Role[]; base: TemplateContext } | undefined => {
    knowAllSecrets();
    const hostRoles = rolesOf(host);
    // Variables are computed once per host, when first used: they are the same for each of its roles.
    const variables = variablesOf(host, hostRoles);
    const base = hostBaseContext(inventory, host, variables, hostvars);
    const literalDefault = (name: string): boolean => isLiteralDefault(variables, name);
    // A bad value the inventory sets is reported where it is set, once, not again by each resource using it.
    let badValues: UserError[];
    try {
      // Secrets first: a check computing a value made from one (`{{ vault_x | upper }}`) then makes a secret of it too.
      sealDeclaredSecrets([...hostRoles, ...inventorySecretChecks()], variables, base);
      const checked = [...hostRoles, ...inventorySecretChecks().filter((other) => !hostRoles.some((own) => own.name === other.name))];
      const secretNames = new Set(checked.flatMap((role) => role.checks.filter((c) => isSecretSpec(c.spec)).map((c) => c.variable)));
      badValues = checked.flatMap((role) => checkVariables(role, base, host, (name) => (literalDefault(name) ? undefined : variables.get(name)?.origin), secretNames));
    } catch (err) {
      collect(err);
      return undefined;
    }
    if (badValues.length > 0) {
      badValues.forEach(collect);
      return undefined;
    }
    return { hostRoles, base };
  };
  const declares = (host: InventoryHost, key: 'balances'): boolean => rolesOf(host).some((r) => r[key] !== undefined);
  /**
   * The values the roles' `unique:` entries find twice, of every host of the inventory (hosts --limit leaves out
   * too: a selected host's value must differ from theirs); pairs of left-out hosts only are not this run's.
   * A value that cannot be computed is left out: the host's own planning reports why.
   */
  const uniqueValueErrors = (reported: (host: string) => boolean): UserError[] => {
    const found = new Map<string, { role: Role; unique: UniqueVariable; values: UniqueValue[] }>();
    for (const host of inventory.hosts) {
      const hostRoles = rolesOf(host);
      if (!hostRoles.some((role) => role.unique.length > 0)) continue;
      const variables = variablesOf(host, hostRoles);
      const base = hostBaseContext(inventory, host, variables, hostvars);
      for (const role of hostRoles) {
        for (const unique of role.unique) {
          const value = computedText(() => base[unique.variable]);
          const among = computedText(() => base[unique.among]);
          const origin = host.varOrigins?.[unique.variable] ?? variables.get(unique.variable)?.origin;
          if (value === undefined || among === undefined || origin === undefined) continue;
          const key = `${role.name}\u0000${unique.variable}`;
          const entry = found.get(key) ?? { role, unique, values: [] };
          found.set(key, entry);
          entry.values.push({ host: host.name, among, value, origin: { ...origin, inventory: host.varOrigins?.[unique.variable] !== undefined } });
        }
      }
    }
    return [...found.values()].flatMap(({ role, unique, values }) => duplicateValues(role.name, unique, values, reported));
  };
  const finish = (): void => {
    saveTemplateCache();
    saveRoleCache();
    if (errors.size) throw new UserErrors([...errors.values()]);
  };
  return { collect, hostSetup, finish, declares, uniqueValueErrors };
}

/**
 * What a host's resource declarations (handlers too) hold in the keys their types declare secret (a mysql_user's
 * password), rendered for the host: those keys alone, never resolved or validated, so a host left out by --limit
 * issues no certificate and reads no template. A value that cannot be rendered here is left out; one too short to
 * mask goes to `refuse`, as the type's validation words it (never quoting it).
 */
function resourceSecretValues(roles: readonly Role[], base: TemplateContext, host: InventoryHost, refuse: (err: UserError) => void): string[] {
  const values: string[] = [];
  for (const role of roles) {
    const context = extendContext(base, { role_name: role.name });
    for (const decl of [...role.resources, ...role.handlers.values()]) {
      for (const key of resourceTypes[decl.type]?.secretKeys ?? []) {
        if (!Object.hasOwn(decl.args, key)) continue;
        const text = secretText(() => renderValue(decl.args[key], context, decl.argPositions[key] ?? decl.position, host.name));
        if (text === undefined) continue;
        const problem = secretProblem(text);
        if (problem === undefined) values.push(text);
        else refuse(argError(new ArgError(key, `'${key}': ${problem}`), decl, role, host));
      }
    }
  }
  return values;
}

/** A role block rendered for a host: each key on its own, so a template error points at its key. */
function renderBlock(block: RoleBlock, context: TemplateContext, hostName: string, shellKeys: readonly string[] = []): Record<string, unknown> {
  return Object.fromEntries(Object.entries(block.value).map(([key, value]) => [key, renderValue(value, context, blockPosition(block, key), hostName, shellKeys.includes(key))]));
}

/** An ArgError from checking a rendered block, as a UserError at the key's line. */
function blockError(err: unknown, block: RoleBlock, what: string, hostName: string): unknown {
  if (!(err instanceof ArgError)) return err;
  return new UserError(`${what}: ${err.message} (host ${hostName})`, blockPosition(block, err.key));
}

/**
 * How a host rolls, from its variables `serial` and `max_fail_percentage`;
 * undefined when it has no serial. A bad value is reported where it is set.
 */
function rollingSettingOf(host: InventoryHost, vars: TemplateContext, hostRoles: Role[]): RollingSetting | undefined {
  if (vars.serial === undefined || vars.serial === null || vars.serial === '') return undefined;
  const fromDefaults = (name: string): Role | undefined => [...hostRoles].reverse().find((r) => r.defaults[name] !== undefined);
  const problem = (name: string, message: string): UserError => {
    const origin = host.varOrigins?.[name];
    const role = fromDefaults(name);
    const where = origin?.position ?? (origin ? undefined : role ? { file: join(role.dir, 'defaults.yaml'), line: 1, col: 1 } : undefined);
    return new UserError(`${origin?.path ?? name}: ${message} (host ${host.name})`, where);
  };
  const serial = parseSerial(vars.serial);
  if (typeof serial === 'string') throw problem('serial', serial);
  const maxFail = vars.max_fail_percentage === undefined || vars.max_fail_percentage === null ? 0 : parseMaxFailPercentage(vars.max_fail_percentage);
  if (typeof maxFail === 'string') throw problem('max_fail_percentage', maxFail);
  return { set: rollingSetName(host.varOrigins?.serial?.path, fromDefaults('serial')?.name), serial, maxFailPercentage: maxFail };
}

/**
 * A host's variables and where each comes from: role defaults (shared by the
 * host's roles, a later role's default winning, so one role can read what
 * another declares, e.g. the ports it needs), then the inventory's, under
 * their canonical names and Ansible's (ansible_host and address alike).
 */
export function variablesOf(host: InventoryHost, roles: Role[]): Map<string, VariableSource> {
  const variables = new Map<string, VariableSource>();
  for (const role of roles) {
    const origin = { path: `role ${role.name} default`, position: { file: join(role.dir, 'defaults.yaml'), line: 1, col: 1 } };
    for (const [name, value] of Object.entries(role.defaults)) variables.set(name, { value, origin: { ...origin, path: `${origin.path} ${name}` }, jinja: false });
  }
  for (const [name, value] of Object.entries(host.vars)) {
    const origin = host.varOrigins?.[name] ?? { path: name };
    const source = { value, origin, jinja: true, ...(origin.literal ? { literal: origin.literal } : {}) };
    variables.set(name, source);
    // An Ansible name the inventory does not write stands for the value the connection uses (one it writes is set as its own).
    for (const alias of connectionAliases(name)) if (!variables.has(alias)) variables.set(alias, source);
  }
  return variables;
}

/** A role default written as it is (`pw: ""`, a placeholder): neither checked nor sealed as a secret; only a value computed from others may hold one. */
function isLiteralDefault(variables: ReadonlyMap<string, VariableSource>, name: string): boolean {
  const source = variables.get(name);
  return source !== undefined && !source.jinja && !(typeof source.value === 'string' && source.value.includes('{{'));
}

/** The roles' checks but for their literal role defaults' (isLiteralDefault). */
function withoutLiteralDefaults(roles: ReadonlyArray<{ checks: readonly VariableCheck[] }>, variables: ReadonlyMap<string, VariableSource>): Array<{ checks: VariableCheck[] }> {
  return roles.map((role) => ({ checks: role.checks.filter((c) => !isLiteralDefault(variables, c.variable)) }));
}

/** A host's variables as its roles' templates see them, with what Ansible adds (inventory_hostname, groups, hostvars). */
function hostBaseContext(inventory: Inventory, host: InventoryHost, variables: Map<string, VariableSource>, hostvars: Record<string, unknown>): TemplateContext {
  return hostContext(variables, { inventory_hostname: host.name, groups: inventory.groups, group_names: host.groups.filter((g) => g !== 'all'), hostvars }, host.name);
}

/**
 * `hostvars`: every host's inventory variables, each host's computed only when a template reads it, with what Ansible
 * adds (its group_names, groups, hostvars) and its declared secrets (`secretChecks`, numbers too) sealed, as on the host itself.
 */
function hostvarsOf(inventory: Inventory, secretChecks: () => ReadonlyArray<Pick<Role, 'checks'>>): Record<string, unknown> {
  const byHost = new Map(inventory.hosts.map((h) => [h.name, h]));
  const hostvars: Record<string, unknown> = lazyContext(
    inventory.hosts.map((h) => [h.name, h] as const),
    (name) => {
      const host = byHost.get(name)!;
      const variables = variablesOf(host, []);
      const context = hostBaseContext(inventory, host, variables, hostvars);
      sealDeclaredSecrets(secretChecks(), variables, context);
      return context;
    },
  );
  return hostvars;
}

/** Makes the host's values of the variables `roles` declare secret Secrets (see sealSecrets); Jinja2 then reads a sealed number as a secret number (`{{ pin + 1 }}` computes, masked), not as its text. */
function sealDeclaredSecrets(roles: ReadonlyArray<{ checks: readonly VariableCheck[] }>, variables: Map<string, VariableSource>, context: TemplateContext): void {
  sealSecrets(withoutLiteralDefaults(roles, variables), context, (name) => {
    const source = variables.get(name)!;
    variables.set(name, { ...source, origin: { ...source.origin, numbers: SECRET_NUMBER } });
  });
}

/**
 * The host's roles in run order: each role's `depends:` first (depth first), every role once.
 * A dependency cycle is an error at the `depends:` entry that closes it.
 */
function resolveRoles(refs: RoleRef[], load: (name: string, position: SourcePosition) => Role, collect: (err: unknown) => void): Role[] {
  const ordered: Role[] = [];
  const visiting: string[] = [];
  const visit = (name: string, position: SourcePosition): void => {
    if (ordered.some((r) => r.name === name)) return;
    if (visiting.includes(name)) {
      collect(new UserError(`role dependency cycle: ${[...visiting, name].join(' → ')}`, position));
      return;
    }
    let role: Role;
    try {
      role = load(name, position);
    } catch (err) {
      collect(err);
      return;
    }
    visiting.push(name);
    for (const dep of role.depends) visit(dep.name, dep.position);
    visiting.pop();
    ordered.push(role);
  };
  for (const ref of refs) visit(ref.name, ref.position);
  return ordered;
}

/**
 * The variables that the hosts' roles (and the roles they depend on) declare secrets (`secret`,
 * `api_key`), and the values they have on each host (`x_password: "{{ vault_x }}"` has vault_x's):
 * `provision inventory` masks them, and any other variable whose value is exactly one of them, as
 * plan seals it; a mere ingredient of a secret (the host and user of a secret URL) prints as written.
 * A role that cannot be loaded is left out, and named in `unread` with why: the listing needs no
 * role otherwise, but the variables it would declare secret are not known.
 */
export function secretVariables(inventory: Inventory, rolesDirs: string[]): { variables: Set<string>; values: Set<string>; unread: string[] } {
  const unread: string[] = [];
  const load = cachedLoader(new Map(), rolesDirs);
  const failed = (err: unknown): void => {
    unread.push(messageOf(err).split('\n')[0]!);
  };
  const checks = secretChecksOf(rolesOfHosts(inventory.hosts, load, failed));
  const variables = new Set(checks.flatMap((role) => role.checks.map((c) => c.variable)));
  return { variables, values: declaredSecretValues(inventory, checks, load, hostvarsOf(inventory, () => checks), () => undefined), unread };
}

/** Loads a role from `rolesDirs` once, keeping it in `roles` by name. */
function cachedLoader(roles: Map<string, Role>, rolesDirs: string[]): (name: string, position: SourcePosition) => Role {
  return (name, position) => {
    const role = roles.get(name) ?? loadRole(name, rolesDirs, position);
    roles.set(name, role);
    return role;
  };
}

/** The roles' checks that declare a secret, for the roles that have any. */
function secretChecksOf(roles: readonly Role[]): Array<Pick<Role, 'name' | 'checks'>> {
  return roles.map((role) => ({ name: role.name, checks: role.checks.filter((c) => isSecretSpec(c.spec)) })).filter((role) => role.checks.length > 0);
}

/** declaredSecretValues with the errors it refuses values with, kept. */
function declaredSecretsOf(inventory: Inventory, checks: ReadonlyArray<Pick<Role, 'name' | 'checks'>>, load: (name: string, position: SourcePosition) => Role, hostvars: Record<string, unknown>): NonNullable<InventoryPlanning['declaredSecrets']> {
  const refused: UserError[] = [];
  return { values: declaredSecretValues(inventory, checks, load, hostvars, (err) => refused.push(err)), refused };
}

/**
 * The values every host of the inventory (hosts left out by --limit too) gives its declared secrets: the variables
 * `checks` declare secret (but for a literal role default, see isLiteralDefault), and its resources' secret
 * arguments (resourceSecretValues). A value that cannot be computed here is left out: the host's own planning
 * reports why, and a listing prints it masked all the same. One too short to mask goes to `refuse`, with the
 * error the host's own planning gives.
 */
function declaredSecretValues(inventory: Inventory, checks: ReadonlyArray<Pick<Role, 'name' | 'checks'>>, load: (name: string, position: SourcePosition) => Role, hostvars: Record<string, unknown>, refuse: (err: UserError) => void): Set<string> {
  const values = new Set<string>();
  for (const host of inventory.hosts) {
    const hostRoles = resolveRoles(host.roles, load, () => undefined);
    const variables = variablesOf(host, hostRoles);
    const base = hostBaseContext(inventory, host, variables, hostvars);
    for (const role of checks) {
      for (const check of withoutLiteralDefaults([role], variables)[0]!.checks) {
        const text = secretText(() => base[check.variable]);
        if (text === undefined) continue;
        if (secretProblem(text) === undefined) values.add(text);
        else checkVariables({ name: role.name, checks: [check] }, base, host, (name) => variables.get(name)?.origin).forEach(refuse);
      }
    }
    for (const text of resourceSecretValues(hostRoles, base, host, refuse)) values.add(text);
  }
  return values;
}

/**
 * Every secret the inventory's hosts hold, for output that plans nothing to mask (`provision inventory`, exec): the
 * declared ones (see secretVariables) and each value their variables read from a secret source (sourcedSecretValues);
 * `unreadable` says why each secret value that could not be read was not (a plain copy of one is not known as a secret).
 */
export function hostSecrets(inventory: Inventory, rolesDirs: string[], holders: readonly InventoryHost[] = inventory.hosts): ReturnType<typeof secretVariables> & { unreadable: string[] } {
  const unreadable: UserError[] = [];
  // Every host's, since a holder's variable may copy another's through hostvars (exec computes none of them); only the
  // holders' unreadable ones are said.
  const sourced = [...sourcedSecretValues(holders, unreadable), ...sourcedSecretValues(inventory.hosts.filter((host) => !holders.includes(host)))];
  const declared = secretVariables(inventory, rolesDirs);
  // A value of a group's variables is read for each of its hosts: said once.
  return { ...declared, values: new Set([...declared.values, ...sourced]), unreadable: [...new Set(unreadable.map((err) => err.format()))] };
}

/**
 * The value of every secret the hosts' variables read from a secret source (SOPS, vault, the environment), used or not, so
 * that a plain copy of one elsewhere is known as that secret (see sealedIfSecret); one that cannot be read goes to
 * `unreadable`: nothing uses it, and the run that uses it fails at its place.
 */
function sourcedSecretValues(hosts: readonly InventoryHost[], unreadable?: UserError[]): string[] {
  return hosts.flatMap((host) => readableSecrets(Object.values(host.vars), unreadable));
}

/** Makes output mask every secret the hosts hold (hostSecrets), without planning anything (exec): `holders`, the hosts whose unreadable secrets are said. */
export function registerHostSecrets(inventory: Inventory, rolesDirs: string[], holders?: readonly InventoryHost[]): ReturnType<typeof hostSecrets> {
  const secrets = hostSecrets(inventory, rolesDirs, holders);
  // A value too short to mask is refused where apply reads it; here it is only looked for in output.
  for (const value of secrets.values) registerSecret(value);
  return secrets;
}

/** Every role of the hosts, each once, with the roles they depend on; a role that cannot be loaded goes to `failed`. */
function rolesOfHosts(hosts: readonly InventoryHost[], load: (name: string, position: SourcePosition) => Role, failed: (err: unknown) => void): Role[] {
  const refs = [...new Map(hosts.flatMap((host) => host.roles).map((ref) => [ref.name, ref])).values()];
  return resolveRoles(refs, load, failed);
}

/** A variable's value as text, or undefined when it is empty, not a string or number, or cannot be computed here. */
function computedText(compute: () => unknown): string | undefined {
  let value: unknown;
  try {
    value = compute();
  } catch (err) {
    if (err instanceof UserError) return undefined;
    throw err;
  }
  return (typeof value === 'string' && value !== '') || typeof value === 'number' ? String(value) : undefined;
}

/** A declared secret's value as text (see secretTextOf), or undefined when it is empty, not text or a number, or cannot be computed here. */
function secretText(compute: () => unknown): string | undefined {
  let value: unknown;
  try {
    value = compute();
  } catch {
    return undefined;
  }
  const text = secretTextOf(value);
  return text === '' ? undefined : text;
}

/** Handlers doing the same thing (two roles both reloading nginx) share one key, so they run once. */
function handlerKey(handler: PlannedResource): string {
  return `${handler.type.name}:${JSON.stringify(handler.desired)}`;
}

function selectedByTags(decl: Declaration, role: Role, tags: string[]): boolean {
  return tags.length === 0 || tags.some((t) => t === role.name || decl.tags.includes(t));
}

/** A resource declaration planned for a host (it notifies nothing yet). */
function planResource(decl: Declaration, role: Role, context: TemplateContext, host: InventoryHost, options: PlanOptions, run: PlanRun): PlannedResource | undefined {
  const planned = planDeclaration(decl, role, context, host, options, resourceTypes, run);
  if (planned && decl.early && planned.type.reprobeAfter) throw new UserError(`early: a ${decl.type} resource is one of the changes that early resources go before`, decl.position);
  // The same object, so that validating it again (validateAgain) changes the plan's.
  return planned && Object.assign(planned, { notify: [] as string[] }, decl.early ? { early: true as const } : {}, decl.warn !== undefined ? { warn: decl.warn } : {});
}

/** Renders and validates one declaration of one of `kinds` (resource types, status checks) for a host; undefined when its `when:` is false. */
function planDeclaration<Kind extends { name: string; resolve?(args: Record<string, unknown>, control: ResolveContext): Record<string, unknown>; validate(args: Record<string, unknown>): unknown; label(desired: never): string; shellKeys?: readonly string[] }>(
  decl: Declaration,
  role: Role,
  context: TemplateContext,
  host: InventoryHost,
  options: PlanOptions,
  kinds: Record<string, Kind>,
  run: PlanRun,
): { role: string; type: Kind; desired: unknown; label: string; position: SourcePosition } | undefined {
  const hostName = host.name;
  if (decl.when !== undefined && !isTruthy(renderValue(decl.when, context, decl.position, hostName))) return undefined;
  const type = kinds[decl.type]!;
  // Keys whose text becomes shell are rendered with every value quoted.
  const shell = new Set(type.shellKeys ?? []);
  const args = Object.fromEntries(Object.entries(decl.args).map(([key, value]) => [key, renderValue(value, context, decl.argPositions[key] ?? decl.position, hostName, shell.has(key))]));
  const checked = <T>(step: () => T): T => {
    try {
      return step();
    } catch (err) {
      if (!(err instanceof ArgError)) throw err;
      throw argError(err, decl, role, host);
    }
  };
  const resolved = checked(() => (type.resolve ? type.resolve(args, resolveContext(role, context, hostName, options, run)) : args));
  const validate = (): unknown => checked(() => type.validate(resolved));
  const secrets = secretsCount();
  const desired = validate();
  const planned = { role: role.name, type, desired, label: decl.name ?? `${type.name} ${type.label(desired as never)}`, position: decl.position };
  run.validated.push({
    secrets,
    again: () => {
      planned.desired = validate();
    },
  });
  return planned;
}

/**
 * What a type's resolve step may use for a host's declaration in a role: templates are looked up in
 * the role's templates/ and then the shared ones and rendered for the host; a control-node path is
 * relative to the inventory's directory and stays in the allowed ones; the host's name and address.
 */
function resolveContext(role: Role, context: TemplateContext, hostName: string, options: PlanOptions, { baseDir, templates }: PlanRun): ResolveContext {
  return {
    template: (name, key) => {
      const { file, text } = templateSource(templates, name, [join(role.dir, 'templates'), ...options.templateDirs], key);
      return renderText(text, context, { file, line: 1, col: 1 }, hostName);
    },
    controlPath: (path, key) => allowedSource(path, baseDir, [baseDir, ...(options.filesDirs ?? [])], key),
    host: { name: hostName, address: String(context.address ?? hostName) },
    get controlStateDir() {
      return controlStateDir();
    },
  };
}

/** The file findTemplate finds for `name` in `dirs`, and its text, looked up and read once in `found`. */
function templateSource(found: PlanRun['templates'], name: string, dirs: readonly string[], key: string): { file: string; text: string } {
  const id = JSON.stringify([name, dirs]);
  let source = found.get(id);
  if (source === undefined) {
    const file = findTemplate(name, dirs, key);
    source = { file, text: readFileSync(file, 'utf8') };
    found.set(id, source);
  }
  return source;
}

/**
 * A bad argument, at its key in the role; or, when the argument is exactly one variable that the
 * inventory (or -e) sets, at the place the inventory sets it.
 */
function argError(err: ArgError, decl: Declaration, role: Role, host: InventoryHost): UserError {
  const written = err.key === undefined ? undefined : decl.args[err.key];
  const variable = typeof written === 'string' ? wholeVariable(written) : undefined;
  const origin: VarOrigin | undefined = variable === undefined ? undefined : host.varOrigins?.[variable];
  if (origin) return new UserError(`${origin.path}: ${err.message} (role ${role.name} uses it as ${decl.type} ${err.key})`, origin.position);
  const at = (err.key && decl.argPositions[err.key]) || decl.position;
  return new UserError(`${decl.type}: ${err.message} (host ${host.name})`, at);
}
