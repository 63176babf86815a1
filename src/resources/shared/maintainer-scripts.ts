/**
 * What a Debian package's maintainer scripts (preinst, postinst, prerm,
 * postrm) do to the host, read from their text without running them.
 *
 * The sections debhelper generates ("# Automatically added by dh_...") are
 * regular: their service actions (deb-systemd-helper enable, deb-systemd-invoke
 * start, update-rc.d, invoke-rc.d) are taken as certain. Everything else is the
 * maintainer's own code, read on the rule "a script may change what it names":
 * the paths it passes to programs that write (not to `test`, `grep`, `echo`...),
 * recursively for find/chown -R/rm -r/cp -r, the accounts adduser and friends
 * create, and the services it starts or stops, none of it certain.
 */
import { pathsIn, type SimpleCommand, simpleCommands, UNKNOWN } from './shell-mentions.js';

/** A service action, in script order. */
export interface ServiceAction {
  /** The unit (with its suffix) or the init script's name. */
  unit: string;
  /** What is done to it. */
  action: 'enable' | 'disable' | 'start' | 'stop' | 'restart';
  /** From a debhelper section (its conditions hold on a fresh install): it happens. */
  certain: boolean;
  /** sysv: through update-rc.d/invoke-rc.d (the unit systemd generates for an init script). */
  sysv: boolean;
  /** invoke-rc.d --skip-systemd-native: nothing happens when a native unit exists. */
  skipNative?: boolean;
}

/** What one script does, as far as its text tells. */
export interface ScriptEffects {
  /** Service actions in order. */
  services: ServiceAction[];
  /** Accounts it creates; `name` undefined: computed at run time. */
  accounts: Array<{ kind: 'user' | 'group'; name?: string; command: string }>;
  /** Paths its own code may change, with the program that does. */
  paths: Array<{ path: string; command: string }>;
  /** Directories anything below which it may change. */
  trees: Array<{ path: string; command: string }>;
  /** tmpfiles.d configurations it applies (systemd-tmpfiles --create NAME). */
  tmpfiles: string[];
  /** It runs systemd-sysusers (creating the accounts of the package's sysusers.d files). */
  sysusers: boolean;
}

/** Programs whose path arguments are only read (a redirect of theirs still writes). */
const READERS = new Set([
  '[', 'test', 'echo', 'printf', 'cat', 'grep', 'egrep', 'fgrep', 'head', 'tail', 'readlink', 'realpath', 'stat', 'ls', 'getent', 'id',
  'which', 'command', 'type', 'basename', 'dirname', 'wc', 'cmp', 'diff', 'md5sum', 'sha256sum', 'cut', 'sort', 'uniq', 'tr', 'true',
  'false', ':', 'exit', 'return', 'local', 'set', 'shift', '.', 'source', 'pgrep', 'pidof', 'lsof', 'df', 'du', 'dpkg-query',
  'dpkg-divert', 'logger', 'sleep', 'wait', 'trap', 'unset', 'export', 'eval', 'exec', 'ldd', 'file', 'pathfind', 'aa-status',
  'db_get', 'db_set', 'db_input', 'db_go', 'db_stop', 'db_fset', 'db_fget', 'db_purge', 'db_unregister', 'db_reset', 'db_register',
  'db_version', 'db_capb', 'db_title', 'db_settitle', 'db_subst', 'db_metaget', 'db_x_loadtemplatefile', 'dpkg-architecture',
]);

/** Programs that act recursively on their path arguments (with -R/-r/-a, or always). */
const RECURSIVE: Record<string, RegExp | true> = {
  find: true, rsync: true, tar: true, chown: /^-[a-zA-Z]*R/, chgrp: /^-[a-zA-Z]*R/, chmod: /^-[a-zA-Z]*R/, setfacl: /^-[a-zA-Z]*R/,
  rm: /^-[a-zA-Z]*[rR]|^--recursive$/, cp: /^-[a-zA-Z]*[rRa]|^--recursive$|^--archive$/, mv: true,
};

/** Programs that act on services, and the words they take. */
const SERVICE_PROGRAMS = new Set(['deb-systemd-helper', 'deb-systemd-invoke', 'invoke-rc.d', 'update-rc.d', 'systemctl', 'service']);

/** Programs that create accounts. */
const ACCOUNT_PROGRAMS: Record<string, 'user' | 'group'> = { adduser: 'user', useradd: 'user', addgroup: 'group', groupadd: 'group' };

/** Options of adduser/useradd/addgroup/groupadd that take a value (so the value is not the name). */
const ACCOUNT_OPTIONS_WITH_VALUE = new Set([
  '--home', '--shell', '--ingroup', '--gecos', '--comment', '--uid', '--gid', '--firstuid', '--lastuid', '--firstgid', '--lastgid', '--conf', '--add-extra-groups',
  '-d', '-s', '-g', '-G', '-u', '-c', '-k', '-K', '-e', '-f', '-p', '-b', '--home-dir', '--base-dir', '--skel', '--key', '--expiredate', '--inactive', '--password', '--groups', '--root', '--prefix',
]);

/** Reads one maintainer script. */
export function scriptEffects(script: string): ScriptEffects {
  const effects: ScriptEffects = { services: [], accounts: [], paths: [], trees: [], tmpfiles: [], sysusers: false };
  for (const section of sections(script)) {
    for (const command of simpleCommands(section.text)) read(command, section.debhelper, effects);
  }
  return effects;
}

/** The script cut into debhelper's sections and the maintainer's own code. */
function sections(script: string): Array<{ text: string; debhelper: boolean }> {
  const parts: Array<{ text: string; debhelper: boolean }> = [];
  let own: string[] = [];
  let generated: string[] | undefined;
  for (const line of script.split('\n')) {
    if (generated === undefined && /^# Automatically added by dh_/.test(line)) {
      parts.push({ text: own.join('\n'), debhelper: false });
      own = [];
      generated = [];
    } else if (generated !== undefined && /^# End automatically added section/.test(line)) {
      parts.push({ text: generated.join('\n'), debhelper: true });
      generated = undefined;
    } else {
      (generated ?? own).push(line);
    }
  }
  parts.push({ text: [...own, ...(generated ?? [])].join('\n'), debhelper: false });
  return parts;
}

/** Records what one command does. */
function read(command: SimpleCommand, debhelper: boolean, effects: ScriptEffects): void {
  const [program = '', ...args] = command.words;
  const name = program.slice(program.lastIndexOf('/') + 1);
  for (const r of command.redirects) {
    if (r.op.startsWith('>')) for (const p of pathsIn(r.target)) (p.tree ? effects.trees : effects.paths).push({ path: p.path, command: name });
  }
  if (SERVICE_PROGRAMS.has(name)) {
    serviceAction(name, args, debhelper, effects);
    return;
  }
  if (name in ACCOUNT_PROGRAMS) {
    accountsCreated(name, args, effects);
    return;
  }
  if (name === 'systemd-tmpfiles' && args.includes('--create')) {
    effects.tmpfiles.push(...args.filter((a) => a !== '' && !a.startsWith('-') && !a.includes(UNKNOWN)));
    return;
  }
  if (name === 'systemd-sysusers') {
    effects.sysusers = true;
    return;
  }
  if (READERS.has(name) || (name === 'sed' && !args.some((a) => /^-[a-zA-Z]*i/.test(a) || a.startsWith('--in-place'))) || (name === 'dpkg' && args.includes('--compare-versions'))) return;
  if (name === 'dpkg-statoverride' && args.includes('--list')) return;
  if (name === 'update-alternatives' && args.some((a) => a === '--query' || a === '--display' || a === '--list')) return;
  const recursive = RECURSIVE[name];
  const tree = recursive === true || (recursive !== undefined && args.some((a) => recursive.test(a)));
  // sed -i: its script (the first word that is not an option, unless -e gives it) names no file.
  const script = name === 'sed' && !args.includes('-e') ? args.find((a) => !a.startsWith('-')) : undefined;
  for (const word of command.words.filter((w) => w !== script)) {
    for (const p of pathsIn(word)) (p.tree || tree ? effects.trees : effects.paths).push({ path: p.path, command: name });
  }
}

/** deb-systemd-helper enable 'x.service', deb-systemd-invoke start 'x.service', invoke-rc.d x start, systemctl start x, ... */
function serviceAction(program: string, args: string[], debhelper: boolean, effects: ScriptEffects): void {
  const words = args.filter((a) => !a.startsWith('-'));
  const skipNative = args.includes('--skip-systemd-native');
  const push = (unit: string, verb: string, sysv: boolean): void => {
    const action = verb === '$_dh_action' || verb.includes(UNKNOWN) ? 'start' : verb;
    if (!['enable', 'disable', 'start', 'stop', 'restart'].includes(action) || unit.includes(UNKNOWN)) return;
    effects.services.push({ unit, action: action as ServiceAction['action'], certain: debhelper, sysv, ...(skipNative ? { skipNative } : {}) });
  };
  switch (program) {
    case 'deb-systemd-helper':
    case 'deb-systemd-invoke':
    case 'systemctl':
      // VERB UNIT...: debhelper's `$_dh_action` is start on a fresh install and restart on an upgrade: either way it runs.
      for (const unit of words.slice(1)) push(unit, verbOf(words[0] ?? ''), false);
      return;
    case 'update-rc.d':
      if (words[1] === 'defaults' || words[1] === 'enable') push(words[0] ?? '', 'enable', true);
      if (words[1] === 'disable') push(words[0] ?? '', 'disable', true);
      return;
    case 'invoke-rc.d':
    case 'service':
      push(words[0] ?? '', verbOf(words[1] ?? ''), true);
  }
}

/** `$_dh_action` (debhelper's start-or-restart) and the usual verbs; reload and friends keep a unit's state. */
function verbOf(word: string): string {
  if (word.includes(UNKNOWN)) return 'start';
  if (word === 'force-reload' || word === 'reload' || word === 'try-restart' || word === 'upgrade') return 'restart';
  return word;
}

/** adduser [options] NAME, addgroup NAME, useradd ... NAME: the last word that is not an option or its value. */
function accountsCreated(program: string, args: string[], effects: ScriptEffects): void {
  const names: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (ACCOUNT_OPTIONS_WITH_VALUE.has(a)) {
      i++;
      continue;
    }
    if (!a.startsWith('-')) names.push(a);
  }
  const kind = ACCOUNT_PROGRAMS[program]!;
  // adduser USER GROUP adds a user to a group: nothing is created.
  if ((program === 'adduser' || program === 'addgroup') && names.length === 2 && !args.includes('--group') && !args.includes('--system')) return;
  const name = names[names.length - 1];
  const known = name !== undefined && !name.includes(UNKNOWN) ? name : undefined;
  effects.accounts.push({ kind, name: known, command: program });
  // adduser --group: a group of the same name too.
  if (program === 'adduser' && args.includes('--group')) effects.accounts.push({ kind: 'group', name: known, command: program });
}
