/**
 * What installing and removing packages does to a host, from a study of them
 * (deb-study.ts): the files, directories and links their .debs
 * hold, the units they ship with what their maintainer scripts do to them
 * (debhelper's enable and start, as deb-systemd-helper and deb-systemd-invoke
 * carry them out), the accounts they create, and what their own maintainer
 * code may change. Pure.
 */
import { type AccountOutlook, covers, type Effects, type Ownership, type PathOutlook, type TreeOutlook, type UnitOutlook } from '../shared/lookahead.js';
import { type ScriptEffects, scriptEffects } from '../shared/maintainer-scripts.js';
import type { DebPackage, Study } from './deb-study.js';

/** A package resource's names, for saying which declared package brings a dependency. */
export interface Requested {
  /** The names the resource declares, in order. */
  names: readonly string[];
}

/** Where unit files are shipped. */
const UNIT_DIRS = /^\/(?:usr\/)?lib\/systemd\/system\/([^/]+\.(?:service|socket|timer|path|mount|target))$/;

/** Directories that are links into /usr on a merged-/usr system. */
const MERGED = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/** The effects of installing and removing what the study describes. */
export function debEffects(study: Study, requested: readonly Requested[]): Effects {
  const paths = new Map<string, PathOutlook>();
  const trees: TreeOutlook[] = [];
  const accounts = new Map<string, AccountOutlook>();
  const by = attribution(study.installs, requested);
  const set = (path: string, outlook: PathOutlook): void => {
    for (const p of spellings(path, study.usrMerged)) paths.set(p, outlook);
  };
  let someAccounts: Effects['someAccounts'];
  if (study.errors.length > 0 && study.installs.every((d) => d.entries === undefined) && study.removals.length === 0) {
    return { anything: { by: requestedLabel(requested), why: `what it brings could not be learnt: ${study.errors.join('; ')}` } };
  }
  const unreadable = study.installs.filter((d) => d.entries === undefined);
  for (const removal of study.removals) {
    const owner = `package ${removal.name} (removed)`;
    // A directory (a path another one is below) goes only when nothing else is in it; conffiles stay unless purged.
    const directories = new Set(removal.paths.map((p) => p.slice(0, p.lastIndexOf('/'))));
    for (const path of removal.paths) {
      if (path === '/.' || (removal.conffiles.includes(path) && !removal.purge)) continue;
      set(path, directories.has(path) ? { kind: 'unknown', by: owner, why: 'a directory is removed only when it is empty' } : { kind: 'absent', by: owner });
    }
    for (const [script, text] of Object.entries(removal.scripts)) mentions(scriptEffects(text), owner, `${removal.name}'s ${script}`, set, trees);
  }
  for (const deb of study.installs) {
    const owner = by.get(deb.name)!;
    for (const entry of deb.entries ?? []) {
      if (entry.path === '/') continue;
      const override = study.overrides.get(entry.path);
      const attributes: Ownership = override ?? { owner: entry.owner, group: entry.group, mode: entry.mode };
      if (entry.type === 'directory') set(entry.path, { kind: 'directory', by: owner, attributes });
      else if (entry.type === 'link') set(entry.path, { kind: 'link', by: owner, target: entry.target ?? '' });
      else if (entry.type === 'file') {
        const read = deb.files.get(entry.path);
        const keepsExisting = deb.conffiles.includes(entry.path);
        set(entry.path, { kind: 'file', by: owner, attributes, size: entry.size, keepsExisting, ...(read ? { sha256: read.sha256, content: read.content } : {}) });
      } else set(entry.path, { kind: 'unknown', by: owner, why: 'the package holds a hard link or special file there' });
    }
  }
  const scripts = scriptsInOrder(study);
  for (const { deb, script, effects } of scripts) {
    const owner = by.get(deb.name)!;
    mentions(effects, owner, `${deb.name}'s ${script}`, set, trees);
    for (const account of effects.accounts) {
      if (account.name === undefined) someAccounts = { by: owner, why: `${deb.name}'s ${script} runs ${account.command} with a name it computes` };
      else accounts.set(`${account.kind}:${account.name}`, { by: owner, exists: true, why: `${deb.name}'s ${script} creates it (${account.command})` });
    }
    if (effects.sysusers) sysusers(deb, owner, accounts);
    for (const config of effects.tmpfiles) tmpfiles(deb, config, owner, set);
  }
  // A path inside a tree a script may change is not known either, whatever the package holds there.
  for (const tree of trees) {
    for (const [path, outlook] of paths) if (covers(tree.path, path) && outlook.kind !== 'unknown') paths.set(path, { kind: 'unknown', by: tree.by, why: tree.why });
  }
  const units = unitOutlooks(study, scripts, by);
  return {
    paths,
    trees,
    units,
    accounts,
    ...(someAccounts ? { someAccounts } : {}),
    ...(unreadable.length > 0 ? { anything: { by: by.get(unreadable[0]!.name)!, why: `its .deb could not be read: ${study.errors.join('; ')}` } } : {}),
  };
}

/** A path and, on a merged-/usr system, its other spelling (/lib/x and /usr/lib/x are the same file). */
function spellings(path: string, merged: boolean): string[] {
  if (!merged) return [path];
  const top = MERGED.find((d) => path === d || path.startsWith(`${d}/`));
  if (top) return [path, `/usr${path}`];
  const under = MERGED.find((d) => path.startsWith(`/usr${d}/`));
  return under ? [path, path.slice(4)] : [path];
}

/** Records the paths and trees a script's own code names, as changes not known before apply. */
function mentions(effects: ScriptEffects, owner: string, where: string, set: (path: string, o: PathOutlook) => void, trees: TreeOutlook[]): void {
  for (const p of effects.paths) set(p.path, { kind: 'unknown', by: owner, why: `${where} names it (${p.command})` });
  for (const t of effects.trees) trees.push({ path: t.path, by: owner, kind: 'unknown', why: `${where} may change anything in ${t.path} (${t.command})` });
}

/** "package nginx" for a declared package, "package nginx (nginx-common)" for a dependency it brings. */
function attribution(installs: readonly DebPackage[], requested: readonly Requested[]): Map<string, string> {
  const inSet = new Map(installs.map((d) => [d.name, d]));
  const by = new Map<string, string>();
  const declared = requested.flatMap((r) => r.names.map((n) => n.replace(/:.*$/, '')));
  for (const root of declared) {
    const queue = [root];
    while (queue.length > 0) {
      const name = queue.shift()!;
      const deb = inSet.get(name);
      if (!deb || by.has(name)) continue;
      by.set(name, name === root ? `package ${root}` : `package ${root} (${name})`);
      queue.push(...dependencyNames(deb.depends));
    }
  }
  for (const d of installs) if (!by.has(d.name)) by.set(d.name, `package ${d.name}`);
  return by;
}

/** The package names in a Depends field (every alternative; versions and architectures left out). */
export function dependencyNames(depends: string): string[] {
  return depends
    .split(/[,|]/)
    .map((d) => d.trim().split(/[\s(:]/)[0] ?? '')
    .filter((d) => d !== '');
}

/** The declared packages, for a message about all of them. */
function requestedLabel(requested: readonly Requested[]): string {
  return `package ${requested.flatMap((r) => r.names).join(', ')}`;
}

/** Maintainer scripts in the order dpkg runs them: preinsts as packages are unpacked, postinsts as they are configured. */
function scriptsInOrder(study: Study): Array<{ deb: DebPackage; script: string; effects: ScriptEffects }> {
  const byName = new Map(study.installs.map((d) => [d.name, d]));
  const configured = [...study.configureOrder.filter((n) => byName.has(n)), ...study.installs.map((d) => d.name).filter((n) => !study.configureOrder.includes(n))];
  const run = (deb: DebPackage, script: string): Array<{ deb: DebPackage; script: string; effects: ScriptEffects }> =>
    deb.scripts[script] === undefined ? [] : [{ deb, script, effects: scriptEffects(deb.scripts[script]!) }];
  return [...study.installs.flatMap((d) => run(d, 'preinst')), ...configured.flatMap((n) => run(byName.get(n)!, 'postinst'))];
}

/** Accounts of the package's sysusers.d files ("u NAME ..." makes a user and its group, "g NAME" a group). */
function sysusers(deb: DebPackage, owner: string, accounts: Map<string, AccountOutlook>): void {
  for (const [path, file] of deb.files) {
    if (!/\/sysusers\.d\/[^/]+\.conf$/.test(path)) continue;
    for (const line of file.content.split('\n')) {
      const [type, name] = line.trim().split(/\s+/);
      if (!name || name.startsWith('#')) continue;
      const why = `${deb.name}'s sysusers.d creates it`;
      if (type === 'u') {
        accounts.set(`user:${name}`, { by: owner, exists: true, why });
        accounts.set(`group:${name}`, { by: owner, exists: true, why });
      }
      if (type === 'g') accounts.set(`group:${name}`, { by: owner, exists: true, why });
    }
  }
}

/** Directories a tmpfiles.d configuration creates ("d PATH MODE USER GROUP ..."); its other lines change paths in ways not modelled. */
function tmpfiles(deb: DebPackage, config: string, owner: string, set: (path: string, o: PathOutlook) => void): void {
  const file = [...deb.files].find(([path]) => path.endsWith(`/tmpfiles.d/${config}`));
  if (!file) return;
  for (const line of file[1].content.split('\n')) {
    const [type = '', path, mode = '-', user = '-', group = '-'] = line.trim().split(/\s+/);
    if (!path?.startsWith('/') || type.startsWith('#')) continue;
    const why = `${deb.name}'s tmpfiles.d/${config}`;
    if (/^[dDvqQ]!?$/.test(type)) set(path, { kind: 'directory', by: owner, attributes: { mode: mode === '-' ? '0755' : mode.padStart(4, '0'), owner: user === '-' ? 'root' : user, group: group === '-' ? 'root' : group } });
    else set(path, { kind: 'unknown', by: owner, why: `${why} (${type})` });
  }
}

/** What a unit file's [Install] section says. */
interface InstallSection {
  /** It has one (WantedBy, RequiredBy, Alias or Also): enable/disable apply; without, the unit is static. */
  installable: boolean;
  /** Alias= names. */
  aliases: string[];
  /** Also= units, enabled with it. */
  also: string[];
}

/** Reads [Install] from a unit file. */
export function installSection(unit: string): InstallSection {
  const section: InstallSection = { installable: false, aliases: [], also: [] };
  let inInstall = false;
  for (const raw of unit.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) inInstall = line === '[Install]';
    if (!inInstall) continue;
    const m = /^(WantedBy|RequiredBy|UpheldBy|Alias|Also)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    const values = m[2]!.split(/\s+/).filter(Boolean);
    if (values.length > 0) section.installable = true;
    if (m[1] === 'Alias') section.aliases.push(...values);
    if (m[1] === 'Also') section.also.push(...values);
  }
  return section;
}

/** The units the packages ship, after their maintainer scripts' service actions, in dpkg's order. */
function unitOutlooks(study: Study, scripts: ReturnType<typeof scriptsInOrder>, by: ReadonlyMap<string, string>): Map<string, UnitOutlook> {
  const units = new Map<string, UnitOutlook & { install?: InstallSection }>();
  for (const deb of study.installs) {
    const owner = by.get(deb.name)!;
    const native = new Set<string>();
    for (const entry of deb.entries ?? []) {
      const m = UNIT_DIRS.exec(entry.path);
      if (!m || m[1]!.includes('@.')) continue;
      native.add(m[1]!);
      const content = deb.files.get(entry.path)?.content;
      const install = content === undefined ? undefined : installSection(content);
      const fresh = deb.before !== 'installed';
      units.set(m[1]!, {
        by: owner,
        loadState: 'loaded',
        // An upgraded unit keeps its state until a script changes it.
        ...(fresh ? { activeState: 'inactive', unitFileState: install === undefined ? undefined : install.installable ? 'disabled' : 'static' } : {}),
        install,
        why: `${deb.name} ships it`,
      });
    }
    // An init script without a native unit: systemd generates one.
    for (const entry of deb.entries ?? []) {
      const m = /^\/etc\/init\.d\/([^/]+)$/.exec(entry.path);
      if (!m || native.has(`${m[1]}.service`) || units.has(`${m[1]}.service`)) continue;
      units.set(`${m[1]}.service`, { by: owner, loadState: 'loaded', activeState: 'inactive', unitFileState: 'generated', why: `${deb.name} ships the init script` });
    }
  }
  for (const { deb, script, effects } of scripts) {
    const owner = by.get(deb.name)!;
    for (const a of effects.services) {
      const name = /\.[a-z]+$/.test(a.unit) ? a.unit : `${a.unit}.service`;
      const unit = units.get(name);
      const where = `${deb.name}'s ${script}${a.certain ? '' : ' (its own code)'}`;
      if (!unit) {
        // A unit the packages do not ship: its state after is not known (sysv actions on a native unit are redirected to it).
        if (!a.sysv || !a.skipNative) units.set(name, { by: owner, loadState: 'unchanged', why: `${where} may ${a.action} it` });
        continue;
      }
      if (a.sysv && a.skipNative && unit.unitFileState !== 'generated') continue;
      applyAction(unit, a.action, a.certain, where, study, units);
    }
  }
  // Aliases answer for their unit.
  for (const [, unit] of [...units]) for (const alias of unit.install?.aliases ?? []) if (!units.has(alias)) units.set(alias, unit);
  return new Map([...units].map(([name, { install: _install, ...outlook }]) => [name, outlook]));
}

/** One service action on a unit the packages ship, as deb-systemd-helper and deb-systemd-invoke carry it out. */
function applyAction(unit: UnitOutlook & { install?: InstallSection }, action: string, certain: boolean, where: string, study: Study, units: Map<string, UnitOutlook & { install?: InstallSection }>): void {
  const name = [...units].find(([, u]) => u === unit)?.[0] ?? '';
  switch (action) {
    case 'enable':
    case 'disable': {
      // was-enabled follows deb-systemd-helper's state from an earlier install; without it, a fresh install enables.
      const known = certain && !study.helperState.has(name) && unit.install !== undefined;
      const state = unit.install?.installable === false ? 'static' : action === 'enable' ? 'enabled' : 'disabled';
      unit.unitFileState = known || unit.unitFileState === 'generated' ? (unit.unitFileState === 'generated' ? 'generated' : state) : undefined;
      unit.why = known ? `${where} ${action}s it` : `${where} may ${action} it`;
      for (const also of unit.install?.also ?? []) {
        const other = units.get(also);
        if (other) applyAction(other, action, certain, where, study, units);
      }
      return;
    }
    case 'start':
    case 'restart': {
      if (unit.activeState === 'active') return;
      if (!study.systemd) return;
      if (!certain || study.policyRcD || unit.unitFileState === undefined) {
        unit.activeState = undefined;
        unit.why = study.policyRcD ? `${where} starts it if /usr/sbin/policy-rc.d allows` : `${where} may start it`;
        return;
      }
      // deb-systemd-invoke starts only enabled units (and restarts running ones).
      if (unit.unitFileState === 'enabled' || unit.unitFileState === 'generated') {
        unit.activeState = 'active';
        unit.why = `${where} enables and starts it`;
      }
      return;
    }
    case 'stop':
      unit.activeState = certain ? 'inactive' : unit.activeState === 'inactive' ? 'inactive' : undefined;
      unit.why = `${where} ${certain ? 'stops' : 'may stop'} it`;
  }
}
