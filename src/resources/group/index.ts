/**
 * `group`: a local group with an optional fixed gid, or no such group.
 *
 * The example to copy for a new resource type (see "Adding a resource type"
 * in the README). The steps, in the order the engine uses them:
 *   validate  role.yaml's keys → GroupDesired (a bad key or value throws ArgError)
 *   probe     a read-only script printing `entry=<getent line>`
 *   parse     pure: that output → GroupCurrent
 *   decide    pure: desired + current → GroupDecision (what plan shows, what apply does)
 *   apply     the script carrying out the decision, and nothing else
 * plus what plan needs to look past earlier changes of the run (predict, effects).
 */
import { insert, joinShell, sh, trusted, type Shell } from '../../shell/quote.js';
import { type Args, oneOf, onlyKeys, optionalBoolean, optionalInteger } from '../shared/args.js';
import { createOrModify, deleteIfPresent, entryFields, getentProbe, nameArg } from '../shared/accounts.js';
import { parseFields } from '../shared/probe-output.js';
import { casesOf, type Lookahead, type Prediction } from '../shared/lookahead.js';
import type { Decision, ResourceType } from '../types.js';

/** Validated `group` declaration. */
export interface GroupDesired {
  /** Group name. */
  name: string;
  /** present: the group exists; absent: it does not. */
  state: 'present' | 'absent';
  /** Wanted gid; undefined lets groupadd choose and leaves an existing one. */
  gid?: number;
  /** Create as a system group (a gid from the system range); only used when creating. */
  system: boolean;
}

/** What the probe found. */
export interface GroupCurrent {
  /** The group exists. */
  exists: boolean;
  /** Its gid, when it exists. */
  gid?: string;
}

/**
 * The decision: what apply does (`kind`) and what plan shows (`changes`), made
 * once by decide(). apply() reads nothing else, so plan and apply agree.
 */
export type GroupDecision = Decision & ({ kind: 'none' } | { kind: 'create' } | { kind: 'gid' } | { kind: 'delete' });

/** Pure: desired against the probed state → the one decision. */
function decide(desired: GroupDesired, current: GroupCurrent): GroupDecision {
  if (desired.state === 'absent') return current.exists ? { kind: 'delete', changes: [{ summary: 'present → absent' }] } : { kind: 'none', changes: [] };
  if (!current.exists) {
    const details = [desired.gid !== undefined && `gid ${desired.gid}`, desired.system && 'system'].filter(Boolean);
    return { kind: 'create', changes: [{ summary: `absent → present${details.length > 0 ? ` (${details.join(', ')})` : ''}` }] };
  }
  if (desired.gid !== undefined && String(desired.gid) !== current.gid) return { kind: 'gid', changes: [{ summary: `gid ${current.gid ?? '?'} → ${desired.gid}` }] };
  return { kind: 'none', changes: [] };
}

/** The script carrying out the decision; every value reaches the shell through `sh` (quoted). */
function apply(desired: GroupDesired, decision: GroupDecision): Shell {
  const name = desired.name;
  const gid = desired.gid === undefined ? undefined : sh`--gid ${desired.gid}`;
  switch (decision.kind) {
    case 'none':
      return trusted(':');
    case 'create': {
      const create = joinShell([trusted('groupadd'), ...(desired.system ? [trusted('--system')] : []), ...(gid ? [gid] : []), sh`-- ${name}`], ' ');
      // A package installed earlier in the run may have made the group by now: then only its gid is set.
      return createOrModify('group', desired.name, create, gid && sh`groupmod ${insert(gid)} -- ${name}`);
    }
    case 'gid':
      return sh`groupmod ${insert(gid!)} -- ${name}`;
    case 'delete':
      return deleteIfPresent('group', desired.name, sh`groupdel -- ${name}`);
  }
}

/** The declaration: only these keys, each checked where it enters. */
function validate(args: Args): GroupDesired {
  onlyKeys(args, ['name', 'gid', 'system', 'state']);
  return { name: nameArg(args), state: oneOf(args, 'state', ['present', 'absent'], 'present'), gid: optionalInteger(args, 'gid'), system: optionalBoolean(args, 'system', false) };
}

/** Pure: the probe's output (getentProbe prints `entry=NAME:x:GID:MEMBERS` when the group exists) → the state. */
function parse(output: string): GroupCurrent {
  const entry = entryFields(parseFields(output));
  return entry === undefined ? { exists: false } : { exists: true, gid: entry[2] };
}

/** The group once earlier changes of the run are applied (a package that creates it). */
function predict(desired: GroupDesired, current: GroupCurrent, ahead: Lookahead): Prediction<GroupCurrent> | undefined {
  const o = ahead.account('group', desired.name);
  if (!o || (o.exists === true && current.exists)) return undefined;
  if (o.exists === false) return { current: { exists: false }, because: `${o.by}: ${o.why}` };
  if (o.exists === true && desired.gid === undefined) return { current: { exists: true }, because: `${o.by}: ${o.why}` };
  return { unknown: `${o.by} ${o.exists === true ? 'creates' : 'may create'} group ${desired.name} (${o.why}); its gid is compared at apply`, cases: casesOf([['it is there then', desired.state === 'absent' ? [{ summary: 'present → absent' }] : [{ summary: `gid set to ${desired.gid} if it differs` }]], ['it is not', decide(desired, { exists: false }).changes]]) };
}

/** The `group` resource type. */
export const group: ResourceType<GroupDesired, GroupCurrent, GroupDecision> = {
  name: 'group',
  validate,
  label: (desired) => desired.name,
  probe: (desired) => getentProbe('group', desired.name),
  probeInline: true,
  parse,
  decide,
  apply,
  predict,
  effects: { of: (items) => ({ accounts: new Map(items.map(({ desired }) => [`group:${desired.name}`, { by: `group ${desired.name}`, exists: desired.state === 'present', why: 'changed earlier in this run' }])) }) },
};
