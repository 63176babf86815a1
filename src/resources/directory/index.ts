/** `directory`: a directory with the given attributes, or nothing at that path. */
import { posix } from 'node:path';
import { insert, lines, sh, trusted, type Shell } from '../../shell/quote.js';
import { absolutePath, type Args, oneOf, onlyKeys } from '../shared/args.js';
import {
  ATTRIBUTE_KEYS,
  type AttributeChange,
  type Attributes,
  attributeArgs,
  attributeChanges,
  attributeCommands,
  describeAttributeChange,
  describeAttributes,
  notLinkCheck,
} from '../shared/attributes.js';
import { casesOf, type Effects, type Lookahead, type PathOutlook, type Prediction } from '../shared/lookahead.js';
import { ABSENT, type PathState, parsePathState, predictedStat, statManyScript, statProbe } from '../shared/path-state.js';
import { parseFields } from '../shared/probe-output.js';
import { FAIL_FUNCTION, fail } from '../shared/script.js';
import { isSystemDirectory, isVitalDirectory } from '../shared/system-directory.js';
import { type ActionDecision, ArgError, type Change, type ResourceType } from '../types.js';

/** Validated `directory` declaration. */
export interface DirectoryDesired {
  /** Absolute, normalised path (no trailing slash). */
  path: string;
  /** present: a directory is there; absent: nothing is (removed recursively). */
  state: 'present' | 'absent';
  /** Wanted owner, group, mode (present only); unset ones are kept (a new directory: root, 0755). */
  attributes: Attributes;
}

/** What the probe found (a link is a link, unless the declaration says `follow: true`: then a link to a directory counts as the directory). */
export type DirectoryCurrent = PathState;

/** What apply does. */
type DirectoryAction =
  | { kind: 'none' }
  | { kind: 'blocked'; reason: string }
  | { kind: 'create' }
  | { kind: 'remove' }
  | { kind: 'attributes'; attributes: AttributeChange[] };

/** The decision: the action, and the changes plan shows for it. */
export type DirectoryDecision = ActionDecision<DirectoryAction>;

function decide(desired: DirectoryDesired, current: DirectoryCurrent): DirectoryDecision {
  const action = actionOf(desired, current);
  return { action, changes: describe(desired, current, action) };
}

function actionOf(desired: DirectoryDesired, current: DirectoryCurrent): DirectoryAction {
  if (desired.state === 'absent') return current.type === 'absent' ? { kind: 'none' } : { kind: 'remove' };
  if (current.type === 'absent') return { kind: 'create' };
  if (current.type === 'link') return { kind: 'blocked', reason: `${desired.path} is a symbolic link: refusing to manage what it points to (set follow: true to allow it)` };
  if (current.type !== 'directory') return { kind: 'blocked', reason: `${desired.path} exists and is not a directory` };
  const attributes = attributeChanges(desired.attributes, current);
  if (attributes.length === 0) return { kind: 'none' };
  // A value such as app_dir: /etc would otherwise make /etc 0750 for one group.
  if (isVitalDirectory(desired.path)) return { kind: 'blocked', reason: `refusing to change the owner, group or mode of ${desired.path}: it is a system directory` };
  return { kind: 'attributes', attributes };
}

function describe(desired: DirectoryDesired, current: DirectoryCurrent, p: DirectoryAction): Change[] {
  switch (p.kind) {
    case 'none':
      return [];
    case 'blocked':
      return [{ summary: `${p.reason} (apply will fail)` }];
    case 'create': {
      const details = describeAttributes(desired.attributes);
      return [{ summary: `absent → directory${details.length > 0 ? ` (${details.join(', ')})` : ''}` }];
    }
    case 'remove':
      return [{ summary: `${current.type} → absent (removed with everything in it)` }];
    case 'attributes':
      return p.attributes.map((c) => ({ summary: describeAttributeChange(c) }));
  }
}

function apply(desired: DirectoryDesired, { action: p }: DirectoryDecision): Shell {
  const path = desired.path;
  // Checked again here, on the host, in the script that changes them: a link put there since the probe is refused too.
  const notLink = notLinkCheck(desired.attributes, path, fail);
  switch (p.kind) {
    case 'none':
      return trusted(':');
    case 'blocked':
      return lines(FAIL_FUNCTION, fail(p.reason));
    case 'remove':
      return sh`rm -rf -- ${path}`;
    case 'attributes':
      return lines(FAIL_FUNCTION, notLink, ...attributeCommands(desired.attributes, sh`${path}`));
    case 'create':
      return lines(
        FAIL_FUNCTION,
        sh`if [ ! -d ${path} ] || [ -L ${path} ]; then`,
        sh`  if [ -e ${path} ] || [ -L ${path} ]; then ${insert(fail(`${desired.path} exists and is not a directory`))}; fi`,
        // Missing parents get the usual 0755; the directory itself starts private until its attributes are set.
        sh`  (umask 022 && mkdir -p -- ${posix.dirname(desired.path)})`,
        sh`  mkdir -m 0700 -- ${path}`,
        desired.attributes.mode === undefined && sh`  chmod 0755 -- ${path}`,
        'fi',
        notLink,
        ...attributeCommands(desired.attributes, sh`${path}`),
      );
  }
}

function validate(args: Args): DirectoryDesired {
  // follow: true lets a symbolic link at the path stand for the directory it points to (owner and mode go to that one).
  onlyKeys(args, ['path', 'state', 'follow', ...ATTRIBUTE_KEYS]);
  const state = oneOf(args, 'state', ['present', 'absent'], 'present');
  const path = normalise(absolutePath(args, 'path'));
  if (state === 'absent') {
    if (isSystemDirectory(path)) {
      throw new ArgError('path', `refusing to remove '${path}': it is a system directory`);
    }
    for (const key of ATTRIBUTE_KEYS) {
      if (args[key] !== undefined) throw new ArgError(key, `'${key}' makes no sense with state: absent`);
    }
  }
  return { path, state, attributes: attributeArgs(args) };
}

/** "/srv//www/./x/" → "/srv/www/x"; "/" stays "/". */
function normalise(path: string): string {
  const normal = posix.normalize(path);
  return normal.length > 1 ? normal.replace(/\/+$/, '') : normal;
}

/** The directory once earlier changes of the run are applied (a package that ships it, a script that may change it). */
function predict(desired: DirectoryDesired, current: DirectoryCurrent, ahead: Lookahead): Prediction<DirectoryCurrent> | undefined {
  const o = ahead.path(desired.path);
  if (!o) return undefined;
  switch (o.kind) {
    case 'unknown':
    case 'link': {
      const why = o.kind === 'unknown' ? o.why : `it becomes a link to ${o.target}`;
      const made = predictedStat('directory', { owner: 'root', group: 'root', mode: '0755' });
      const cases =
        desired.state === 'absent'
          ? casesOf([['it is there', decide(desired, made).changes], ['it is not', []]])
          : casesOf([['it is not there', decide(desired, ABSENT).changes], ['it is there', [{ summary: 'its attributes are compared at apply' }]]]);
      return { unknown: `${o.by} may change ${desired.path}: ${why}`, cases };
    }
    case 'absent':
      return { current: ABSENT, because: `${o.by} removes it` };
    case 'directory':
      // One already there keeps its attributes.
      return current.type === 'directory' ? undefined : { current: predictedStat('directory', o.attributes), because: `${o.by} creates it` };
    case 'file':
      return { current: predictedStat('file', o.attributes, o.size), because: `${o.by} installs a file there` };
  }
}

/** What creating or removing the directories does, for resources after them in the same apply call. */
function effects(items: ReadonlyArray<{ desired: DirectoryDesired; current: DirectoryCurrent }>): Effects {
  const paths = new Map<string, PathOutlook>();
  const trees: NonNullable<Effects['trees']>[number][] = [];
  for (const { desired, current } of items) {
    const by = `directory ${desired.path}`;
    if (desired.state === 'absent') {
      paths.set(desired.path, { kind: 'absent', by });
      trees.push({ path: desired.path, by, kind: 'absent', why: 'removed with everything in it' });
    } else {
      const keep = current.type === 'directory' ? current : undefined;
      paths.set(desired.path, { kind: 'directory', by, attributes: { owner: desired.attributes.owner ?? keep?.owner ?? 'root', group: desired.attributes.group ?? keep?.group ?? 'root', mode: desired.attributes.mode ?? keep?.mode ?? '0755' } });
    }
  }
  return { paths, trees };
}

/** The `directory` resource type. */
export const directory: ResourceType<DirectoryDesired, DirectoryCurrent, DirectoryDecision> = {
  name: 'directory',
  validate,
  label: (desired) => desired.path,
  probe: (desired) => statProbe(desired.path, desired.attributes.follow === true),
  // One stat call for all directories of a host that agree on following links.
  probeMany: (items, separator) => {
    const follow = items[0]?.attributes.follow === true;
    if (items.some((d) => (d.attributes.follow === true) !== follow)) {
      return lines(...items.map((d) => lines(statProbe(d.path, d.attributes.follow === true), sh`printf '%s\\n' ${separator}`)));
    }
    return lines(statManyScript(items.map((d) => d.path), follow), ...items.map((_, i) => sh`provision_stat_next ${i}; printf '%s%s\\n' "$provision_rec" ${separator}`));
  },
  probeInline: true,
  parse: (output) => parsePathState(parseFields(output)),
  decide,
  apply,
  predict,
  effects: { of: effects },
};
