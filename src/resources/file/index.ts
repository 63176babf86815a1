/** `file`: a file with the given content and attributes, or no file at that path. */
import { createHash } from 'node:crypto';
import { heredocBase64, insert, lines, sh, trusted, variable, type Shell } from '../../shell/quote.js';
import { absolutePath, type Args, oneOf, onlyKeys, requiredText } from '../shared/args.js';
import { atomicWriteScript, validateArg } from '../shared/atomic-write.js';
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
import { base64Field, parseFields } from '../shared/probe-output.js';
import { FAIL_FUNCTION, fail } from '../shared/script.js';
import { contentDiff, holdsSecret, isPrivateMode } from '../shared/text-diff.js';
import { ArgError, type Change, type ActionDecision, type ResolveContext, type ResourceType } from '../types.js';

/** Above this size the probe does not send the old content back, and the diff shows no lines. */
export const MAX_DIFF_BYTES = 64 * 1024;

/** A file that must exist with this content. */
export interface PresentFile {
  /** Absolute path. */
  path: string;
  /** Discriminant. */
  state: 'present';
  /** The whole wanted content. */
  content: string;
  /** sha256 (hex) of content, so the probe can compare on the host. */
  sha256: string;
  /** Wanted owner, group, mode; unset ones are kept (a new file: root, 0644). */
  attributes: Attributes;
  /** Command checking the new content before it is installed; `%s` (unquoted) stands for the temp file's path. */
  validate?: string;
  /** The content holds a secret: diffs mask removed lines too, and a new file without a mode is 0600. */
  sensitive: boolean;
}

/** A path where no file must be. */
export interface AbsentFile {
  /** Absolute path. */
  path: string;
  /** Discriminant. */
  state: 'absent';
}

/** Validated `file` declaration. */
export type FileDesired = PresentFile | AbsentFile;

/** What the probe found. */
export interface FileCurrent {
  /** Type and attributes (links are not followed: a link is replaced by a file). */
  stat: PathState;
  /** sha256 of the content, for a regular file. */
  sha256?: string;
  /** The old content, sent only when it differs from the wanted one and is small. */
  content?: string;
}

/** What apply does. */
type FileAction =
  | { kind: 'none' }
  | { kind: 'remove'; from: PathState }
  | { kind: 'blocked'; reason: string }
  | { kind: 'write'; file: PresentFile; replaces: PathState; attributes: AttributeChange[] }
  | { kind: 'attributes'; file: PresentFile; attributes: AttributeChange[] };

/** The decision: the action, and the changes plan shows for it. */
export type FileDecision = ActionDecision<FileAction>;

function decide(desired: FileDesired, current: FileCurrent): FileDecision {
  const action = actionOf(desired, current);
  return { action, changes: describe(action, current) };
}

function actionOf(desired: FileDesired, current: FileCurrent): FileAction {
  const stat = current.stat;
  if (stat.type === 'directory') {
    return { kind: 'blocked', reason: `${desired.path} is a directory; the file resource neither replaces nor removes directories` };
  }
  if (desired.state === 'absent') return stat.type === 'absent' ? { kind: 'none' } : { kind: 'remove', from: stat };
  if (stat.type !== 'file') return { kind: 'write', file: desired, replaces: stat, attributes: [] };
  const attributes = attributeChanges(desired.attributes, stat);
  if (current.sha256 !== desired.sha256) return { kind: 'write', file: desired, replaces: stat, attributes };
  return attributes.length === 0 ? { kind: 'none' } : { kind: 'attributes', file: desired, attributes };
}

function describe(p: FileAction, current: FileCurrent): Change[] {
  switch (p.kind) {
    case 'none':
      return [];
    case 'blocked':
      return [{ summary: `${p.reason} (apply will fail)` }];
    case 'remove':
      return [{ summary: `${typeName(p.from)} → absent` }];
    case 'attributes':
      return p.attributes.map(attributeChange);
    case 'write':
      return [contentChange(p.file, p.replaces, current.content), ...p.attributes.map(attributeChange)];
  }
}

function attributeChange(change: AttributeChange): Change {
  return { summary: describeAttributeChange(change) };
}

function contentChange(file: PresentFile, replaces: PathState, oldContent: string | undefined): Change {
  const size = Buffer.byteLength(file.content);
  if (replaces.type !== 'file') {
    // A new file: its size, length and the owner and mode it gets (root:root 0644 unless declared).
    const count = file.content === '' ? 0 : file.content.split('\n').length - (file.content.endsWith('\n') ? 1 : 0);
    const a = file.attributes;
    // Unset attributes of a new file are root's and 0644 (0600 when it holds a secret); replacing something else, they follow it.
    const attributes = replaces.type === 'absent' ? [`${a.owner ?? 'root'}:${a.group ?? 'root'} ${a.mode ?? (file.sensitive ? '0600' : '0644')}`] : describeAttributes(a);
    const details = [`${size} bytes`, `${count} line${count === 1 ? '' : 's'}`, ...attributes].join(', ');
    return { summary: `${typeName(replaces)} → file ${file.path} (${details})`, diff: contentDiff(file.path, undefined, file.content, file.sensitive) };
  }
  if (oldContent === undefined) return { summary: `content changed (${replaces.size} → ${size} bytes; too large to show)` };
  // A file that stays private (its declared mode, or the mode it keeps) may hold in its old lines a secret the redactor does not know.
  const sensitive = file.sensitive || isPrivateMode(file.attributes.mode ?? replaces.mode);
  return { summary: 'content changed', diff: contentDiff(file.path, oldContent, file.content, sensitive) };
}

/** Whether the change makes a line equal to `text` (trimmed) appear in or vanish from the file in place (ResourceType.toggles). */
function toggles(desired: FileDesired, current: FileCurrent, text: string): boolean {
  if (current.stat.type === 'absent' || (desired.state === 'present' && current.sha256 === desired.sha256)) return false;
  // Content the probe did not read (too large, not a regular file, a removal's): the change may toggle it.
  if (current.content === undefined) return true;
  return hasLine(current.content, text) !== (desired.state === 'present' && hasLine(desired.content, text));
}

/** Whether a whole line of `content`, trimmed, is `text`: a value rendered into some other line cannot form it. */
function hasLine(content: string, text: string): boolean {
  return content.split('\n').some((line) => line.trim() === text);
}

function typeName(stat: PathState): string {
  return stat.type === 'link' ? 'symlink' : stat.type;
}

function apply(desired: FileDesired, { action: p }: FileDecision): Shell {
  const path = sh`${desired.path}`;
  switch (p.kind) {
    case 'none':
      return trusted(':');
    case 'blocked':
      return lines(FAIL_FUNCTION, fail(p.reason));
    case 'remove':
      // Re-checked here: a directory may have appeared since the probe, and rm -f must not meet it.
      return lines(FAIL_FUNCTION, sh`if [ -d ${insert(path)} ] && [ ! -L ${insert(path)} ]; then ${insert(fail(`${desired.path} is a directory`))}; fi`, sh`rm -f -- ${insert(path)}`);
    case 'attributes':
      // The probe saw a regular file; a link put there since is refused here, on the host, in the same script.
      return lines(FAIL_FUNCTION, notLinkCheck(p.file.attributes, desired.path, fail), ...attributeCommands(p.file.attributes, path));
    case 'write':
      return atomicWriteScript({
        path: p.file.path,
        content: heredocBase64(p.file.content),
        attributes: p.file.attributes,
        private: p.file.sensitive,
        validate: p.file.validate,
      });
  }
}

/** A `template` (a file of the template search path) becomes the content, rendered for the host on the control node. */
function resolve(args: Args, control: ResolveContext): Args {
  const { template, ...rest } = args;
  if (typeof template !== 'string') return args;
  return { ...rest, content: control.template(template, 'template') };
}

function validate(args: Args): FileDesired {
  const state = oneOf(args, 'state', ['present', 'absent'], 'present');
  if (state === 'absent') {
    onlyKeys(args, ['path', 'state']);
    return { path: absolutePath(args, 'path'), state };
  }
  onlyKeys(args, ['path', 'state', 'content', 'validate', ...ATTRIBUTE_KEYS]);
  const path = absolutePath(args, 'path');
  if (path.endsWith('/')) throw new ArgError('path', `'path' must name a file, not end with '/': '${path}'`);
  if (args['content'] === undefined) throw new ArgError('content', `'content' (or 'template') is required unless state is absent`);
  const content = requiredText(args, 'content');
  const check = validateArg(args);
  return {
    path,
    state,
    content,
    sha256: createHash('sha256').update(content).digest('hex'),
    attributes: attributeArgs(args),
    validate: check,
    sensitive: holdsSecret(content),
  };
}

function probe(desired: FileDesired): Shell {
  if (desired.state === 'absent') return statProbe(desired.path, false);
  const path = sh`${desired.path}`;
  return lines(
    statProbe(desired.path, false),
    sh`if [ -f ${insert(path)} ] && [ ! -L ${insert(path)} ]; then`,
    sh`  provision_sha=$(sha256sum <${insert(path)} 2>/dev/null)`,
    // The hash is the first word: cut by the shell, not by one more process per file.
    '  provision_sha=${provision_sha%% *}',
    '  echo "sha256=$provision_sha"',
    // The old content travels only when a diff will need it.
    sh`  if [ "$provision_sha" != ${desired.sha256} ] && [ "$(stat -c %s -- ${insert(path)})" -lt ${MAX_DIFF_BYTES} ]; then`,
    sh`    printf 'content='; base64 -w0 <${insert(path)}; echo`,
    '  fi',
    'fi',
  );
}

/**
 * The files of a host with one `stat` and one `sha256sum` call for all of them: per file what
 * probe prints, each followed by `separator`. A file that went away between the two calls is
 * hashed on its own (and then reads as absent, as in probe).
 */
function probeMany(items: readonly FileDesired[], separator: string): Shell {
  const present = (i: number): boolean => items[i]!.state === 'present';
  const each = (body: (desired: FileDesired, i: number) => Shell | false): Shell => lines(...items.map(body));
  // The shell variables of item i.
  const rec = (i: number): Shell => variable(`provision_rec_${i}`);
  const reg = (i: number): Shell => variable(`provision_reg_${i}`);
  const pathOf = (i: number): Shell => variable(`provision_path_${i}`);
  return lines(
    statManyScript(items.map((d) => d.path), false),
    each((_, i) => sh`provision_stat_next ${i}; ${insert(rec(i))}=$provision_rec`),
    each((_, i) => present(i) && sh`case $${insert(rec(i))} in type=regular*) ${insert(reg(i))}=1 ;; *) ${insert(reg(i))}= ;; esac`),
    'set --',
    each((_, i) => present(i) && sh`[ -z "$${insert(reg(i))}" ] || set -- "$@" "$${insert(pathOf(i))}"`),
    'provision_nl=\'',
    "'",
    'provision_hashed=',
    'if [ $# -gt 0 ] && provision_shas=$(sha256sum -- "$@" 2>/dev/null); then provision_hashed=1; provision_shas="$provision_shas$provision_nl"; fi',
    // It runs in the batch's own shell (probeInline): the positional parameters go back to none.
    'set --',
    each((desired, i) =>
      lines(
        sh`printf '%s' "$${insert(rec(i))}"`,
        desired.state === 'present' &&
          lines(
            sh`if [ -n "$${insert(reg(i))}" ]; then`,
            // One line of sha256sum per file, in order; a name it had to escape starts the line with a backslash.
            '  if [ -n "$provision_hashed" ]; then provision_sha=${provision_shas%%"$provision_nl"*}; provision_shas=${provision_shas#*"$provision_nl"}; provision_sha=${provision_sha#\\\\}',
            sh`  else provision_sha=$(sha256sum <"$${insert(pathOf(i))}" 2>/dev/null); fi`,
            '  provision_sha=${provision_sha%% *}',
            '  echo "sha256=$provision_sha"',
            sh`  provision_size=\${${insert(rec(i))}##*size=}`,
            '  provision_size=${provision_size%%"$provision_nl"*}',
            sh`  if [ "$provision_sha" != ${desired.sha256} ] && [ "$provision_size" -lt ${MAX_DIFF_BYTES} ]; then`,
            sh`    printf 'content='; base64 -w0 <"$${insert(pathOf(i))}"; echo`,
            '  fi',
            'fi',
          ),
        sh`printf '%s\\n' ${separator}`,
      ),
    ),
  );
}

function parse(output: string): FileCurrent {
  const fields = parseFields(output);
  return { stat: parsePathState(fields), sha256: fields.get('sha256'), content: base64Field(fields, 'content') };
}

/**
 * The file once earlier changes of the run are applied: a package that
 * installs it (content known when the package's file was read), removes it,
 * or may change it in ways not known before apply.
 */
function predict(desired: FileDesired, current: FileCurrent, ahead: Lookahead): Prediction<FileCurrent> | undefined {
  const o = ahead.path(desired.path);
  if (!o) return undefined;
  switch (o.kind) {
    case 'unknown':
      return { unknown: `${o.by} may change ${desired.path}: ${o.why}`, cases: fileCases(desired, current) };
    case 'absent':
      return { current: { stat: ABSENT }, because: `${o.by} removes it` };
    case 'directory':
      return current.stat.type === 'directory' ? undefined : { current: { stat: predictedStat('directory', o.attributes) }, because: `${o.by} makes it a directory` };
    case 'link':
      return { current: { stat: predictedStat('link') }, because: `${o.by} makes it a link to ${o.target}` };
    case 'file':
      return predictFile(desired, current, o);
  }
}

/** A regular file an earlier change installs: known when its content was read (or does not matter). */
function predictFile(desired: FileDesired, current: FileCurrent, o: Extract<PathOutlook, { kind: 'file' }>): Prediction<FileCurrent> | undefined {
  // A conffile already there is kept as it is.
  if (o.keepsExisting && current.stat.type !== 'absent') return undefined;
  const stat = predictedStat('file', o.attributes, o.size);
  const because = `${o.by} installs it`;
  if (desired.state === 'absent') return { current: { stat }, because };
  if (o.sha256 === undefined || o.content === undefined) return { unknown: `${o.by} installs ${desired.path}; its content is known once it is installed`, cases: fileCases(desired, current) };
  const content = o.sha256 !== desired.sha256 && Buffer.byteLength(o.content) < MAX_DIFF_BYTES ? o.content : undefined;
  return { current: { stat, sha256: o.sha256, ...(content !== undefined ? { content } : {}) }, because };
}

/** What apply does whichever way an earlier change leaves the file. */
function fileCases(desired: FileDesired, current: FileCurrent): Change[] {
  if (desired.state === 'absent') return casesOf([['it is there', [{ summary: 'removed' }]], ['it is not', []]]);
  return casesOf([
    ['it holds other content', [{ summary: 'content replaced' }]],
    ['it holds this content', attributeChanges(desired.attributes, current.stat.type === 'file' ? current.stat : predictedStat('file')).map(attributeChange)],
  ]);
}

/** What writing or removing the file does, for resources after it in the same apply call. */
function effects(items: ReadonlyArray<{ desired: FileDesired; current: FileCurrent }>): Effects {
  const paths = new Map<string, PathOutlook>();
  for (const { desired } of items) {
    const by = `file ${desired.path}`;
    paths.set(
      desired.path,
      desired.state === 'absent'
        ? { kind: 'absent', by }
        : { kind: 'file', by, attributes: { owner: desired.attributes.owner ?? 'root', group: desired.attributes.group ?? 'root', mode: desired.attributes.mode ?? '0644' }, size: Buffer.byteLength(desired.content), sha256: desired.sha256, content: desired.content, keepsExisting: false },
    );
  }
  return { paths };
}

/** The `file` resource type. */
export const file: ResourceType<FileDesired, FileCurrent, FileDecision> = {
  name: 'file',
  resolve,
  validate,
  shellKeys: ['validate'],
  label: (desired) => desired.path,
  probe,
  probeMany,
  probeInline: true,
  parse,
  decide,
  toggles,
  apply,
  predict,
  effects: { of: effects },
};
