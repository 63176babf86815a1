/** `user`: a local user account with the given ids, groups, home and shell, or no such user. */
import { insert, joinShell, sh, trusted, type Shell } from '../../shell/quote.js';
import { absolutePath, type Args, oneOf, onlyKeys, optionalBoolean, optionalInteger, optionalString, stringList } from '../shared/args.js';
import { accountName, createOrModify, deleteIfPresent, entryFields, getentProbe, nameArg } from '../shared/accounts.js';
import { parseFields } from '../shared/probe-output.js';
import { casesOf, type Lookahead, type Prediction } from '../shared/lookahead.js';
import type { ActionDecision, Change, ResourceType } from '../types.js';

/** A user that must exist; undefined attributes are left to useradd's defaults or as they are. */
export interface PresentUser {
  /** Login name. */
  name: string;
  /** Discriminant. */
  state: 'present';
  /** Wanted uid. */
  uid?: number;
  /** Primary group, a name or a gid. */
  group?: string;
  /** Supplementary groups, exactly (the primary group aside); undefined leaves them alone. */
  groups?: string[];
  /** Home directory. */
  home?: string;
  /** Login shell. */
  shell?: string;
  /** Create as a system user (only used when creating). */
  system: boolean;
  /** Create the home directory when creating the user. */
  createHome: boolean;
}

/** A user that must not exist (its home directory is kept). */
export interface AbsentUser {
  /** Login name. */
  name: string;
  /** Discriminant. */
  state: 'absent';
}

/** Validated `user` declaration. */
export type UserDesired = PresentUser | AbsentUser;

/** An existing account as getent and id see it. */
export interface UserAccount {
  /** uid, as digits. */
  uid: string;
  /** Primary gid, as digits. */
  gid: string;
  /** Primary group name. */
  group: string;
  /** Supplementary group names, sorted. */
  groups: string[];
  /** Home directory. */
  home: string;
  /** Login shell. */
  shell: string;
}

/** What the probe found: the account, or undefined when there is none. */
export interface UserCurrent {
  /** The account, when it exists. */
  account?: UserAccount;
}

/** The attributes usermod can change, with their short option (the same for useradd). */
const OPTIONS = { uid: '-u', group: '-g', groups: '-G', home: '-d', shell: '-s' } as const;
type Attribute = keyof typeof OPTIONS;

/** One attribute that differs. */
interface AttributeChange {
  /** Which attribute. */
  attribute: Attribute;
  /** Its current value, as shown. */
  from: string;
}

/** What apply does. */
type UserAction = { kind: 'none' } | { kind: 'create'; user: PresentUser } | { kind: 'modify'; user: PresentUser; attributes: AttributeChange[] } | { kind: 'delete' };

/** The decision: the action, and the changes plan shows for it. */
export type UserDecision = ActionDecision<UserAction>;

function decide(desired: UserDesired, current: UserCurrent): UserDecision {
  const action = actionOf(desired, current);
  return { action, changes: describe(action) };
}

function actionOf(desired: UserDesired, current: UserCurrent): UserAction {
  const account = current.account;
  if (desired.state === 'absent') return account === undefined ? { kind: 'none' } : { kind: 'delete' };
  if (account === undefined) return { kind: 'create', user: desired };
  const attributes = attributeChanges(desired, account);
  return attributes.length === 0 ? { kind: 'none' } : { kind: 'modify', user: desired, attributes };
}

function attributeChanges(want: PresentUser, have: UserAccount): AttributeChange[] {
  const changes: AttributeChange[] = [];
  if (want.uid !== undefined && String(want.uid) !== have.uid) changes.push({ attribute: 'uid', from: have.uid });
  if (want.group !== undefined && want.group !== have.group && want.group !== have.gid) changes.push({ attribute: 'group', from: have.group });
  if (want.groups !== undefined) {
    // The primary group may be listed too; it is never a supplementary group.
    const wanted = [...new Set(want.groups)].filter((g) => g !== have.group).sort();
    if (wanted.join(',') !== have.groups.join(',')) changes.push({ attribute: 'groups', from: groupList(have.groups) });
  }
  if (want.home !== undefined && want.home !== have.home) changes.push({ attribute: 'home', from: have.home });
  if (want.shell !== undefined && want.shell !== have.shell) changes.push({ attribute: 'shell', from: have.shell });
  return changes;
}

function groupList(groups: readonly string[]): string {
  return groups.length === 0 ? '(none)' : groups.join(', ');
}

/** An attribute's wanted value as shown in the diff. */
function shown(user: PresentUser, attribute: Attribute): string {
  return attribute === 'groups' ? groupList(user.groups ?? []) : String(user[attribute]);
}

function describe(p: UserAction): Change[] {
  switch (p.kind) {
    case 'none':
      return [];
    case 'delete':
      return [{ summary: 'present → absent (home directory kept)' }];
    case 'modify':
      return p.attributes.map((c) => ({ summary: `${c.attribute} ${c.from} → ${shown(p.user, c.attribute)}` }));
    case 'create': {
      const details = [...setAttributes(p.user).map((a) => `${a} ${shown(p.user, a)}`), p.user.system && 'system', !p.user.createHome && 'no home directory'];
      const listed = details.filter((d): d is string => typeof d === 'string');
      return [{ summary: `absent → present${listed.length > 0 ? ` (${listed.join(', ')})` : ''}` }];
    }
  }
}

/** The attributes the declaration sets. */
function setAttributes(user: PresentUser): Attribute[] {
  return (Object.keys(OPTIONS) as Attribute[]).filter((a) => user[a] !== undefined);
}

/** `-u 1001 -G 'a,b'`: options for useradd/usermod setting the given attributes. */
function options(user: PresentUser, attributes: readonly Attribute[]): Shell[] {
  return attributes.map((a) => sh`${OPTIONS[a]} ${a === 'groups' ? (user.groups ?? []).join(',') : String(user[a])}`);
}

function apply(desired: UserDesired, { action: p }: UserDecision): Shell {
  const name = sh`-- ${desired.name}`;
  switch (p.kind) {
    case 'none':
      return trusted(':');
    case 'delete':
      return deleteIfPresent('passwd', desired.name, sh`userdel ${insert(name)}`);
    case 'modify':
      return joinShell([trusted('usermod'), ...options(p.user, p.attributes.map((c) => c.attribute)), name], ' ');
    case 'create': {
      const all = options(p.user, setAttributes(p.user));
      const create = joinShell([trusted('useradd'), ...(p.user.system ? [trusted('--system')] : []), p.user.createHome ? trusted('--create-home') : trusted('--no-create-home'), ...all, name], ' ');
      return createOrModify('passwd', desired.name, create, all.length > 0 ? joinShell([trusted('usermod'), ...all, name], ' ') : undefined);
    }
  }
}

function probe(desired: UserDesired): Shell {
  const name = desired.name;
  // id -Gn names the primary group first (as id -gn names it), then the supplementary ones: one id for both.
  return getentProbe('passwd', desired.name, sh`  echo "groups=$(id -Gn -- ${name} 2>/dev/null)"\n`);
}

function parse(output: string): UserCurrent {
  const fields = parseFields(output);
  const entry = entryFields(fields);
  if (entry === undefined) return {};
  const [group = '', ...all] = (fields.get('groups') ?? '').split(' ').filter((g) => g !== '');
  return {
    account: { uid: entry[2] ?? '', gid: entry[3] ?? '', home: entry[5] ?? '', shell: entry[6] ?? '', group, groups: all.filter((g) => g !== group).sort() },
  };
}

function validate(args: Args): UserDesired {
  const state = oneOf(args, 'state', ['present', 'absent'], 'present');
  if (state === 'absent') {
    onlyKeys(args, ['name', 'state']);
    return { name: nameArg(args), state };
  }
  onlyKeys(args, ['name', 'state', 'uid', 'group', 'groups', 'home', 'shell', 'system', 'create_home']);
  const group = optionalString(args, 'group');
  return {
    name: nameArg(args),
    state,
    uid: optionalInteger(args, 'uid'),
    group: group === undefined || /^[0-9]+$/.test(group) ? group : accountName('group', group),
    groups: args['groups'] === undefined ? undefined : stringList(args, 'groups', false).map((g) => accountName('groups', g)),
    home: args['home'] === undefined ? undefined : absolutePath(args, 'home'),
    shell: args['shell'] === undefined ? undefined : absolutePath(args, 'shell'),
    system: optionalBoolean(args, 'system', false),
    createHome: optionalBoolean(args, 'create_home', true),
  };
}

/** The account once earlier changes of the run are applied (a package that creates it). */
function predict(desired: UserDesired, current: UserCurrent, ahead: Lookahead): Prediction<UserCurrent> | undefined {
  const o = ahead.account('user', desired.name);
  if (!o || (o.exists === true && current.account !== undefined)) return undefined;
  if (o.exists === false) return { current: {}, because: `${o.by}: ${o.why}` };
  // What useradd gives it is not known here: enough when the declaration sets nothing but its existence.
  const made: UserAccount = { uid: '', gid: '', group: '', groups: [], home: '', shell: '' };
  if (o.exists === true && (desired.state === 'absent' || setAttributes(desired).length === 0)) return { current: { account: made }, because: `${o.by}: ${o.why}` };
  const create = decide(desired, {}).changes;
  return { unknown: `${o.by} ${o.exists === true ? 'creates' : 'may create'} user ${desired.name} (${o.why}); its attributes are compared at apply`, cases: casesOf([['it is there then', desired.state === 'absent' ? [{ summary: 'present → absent' }] : [{ summary: 'its attributes set as declared where they differ' }]], ['it is not', create]]) };
}

/** The `user` resource type. */
export const user: ResourceType<UserDesired, UserCurrent, UserDecision> = {
  name: 'user',
  validate,
  label: (desired) => desired.name,
  probe,
  probeInline: true,
  parse,
  decide,
  apply,
  predict,
  effects: { of: (items) => ({ accounts: new Map(items.map(({ desired }) => [`user:${desired.name}`, { by: `user ${desired.name}`, exists: desired.state === 'present', why: 'changed earlier in this run' }])) }) },
};
