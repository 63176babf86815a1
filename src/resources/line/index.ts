/**
 * `line`: one line in a text file is present (replacing the last line that
 * matches `regexp`, else appended) or absent.
 *
 * The decision is made by one shell snippet, decideScript, that the probe
 * runs to report it and apply runs again right before acting: so check mode
 * shows what apply does, and apply stays right when the file changed in the
 * meantime (e.g. a package installed earlier in the run created it).
 * Matching is done by grep on the host, so `regexp` is a grep -E expression.
 */
import { insert, lines, sh, trusted, type Shell } from '../../shell/quote.js';
import { absolutePath, type Args, oneOf, onlyKeys, optionalBoolean, optionalString, requiredString } from '../shared/args.js';
import { atomicWriteSteps } from '../shared/atomic-write.js';
import { base64Field, integerField, parseFields } from '../shared/probe-output.js';
import { FAIL_FUNCTION, fail, setVar } from '../shared/script.js';
import { holdsSecret, maskDiff } from '../shared/text-diff.js';
import { casesOf, type Lookahead, type Prediction } from '../shared/lookahead.js';
import { ArgError, type Change, type ResourceType } from '../types.js';

/** Validated `line` declaration. */
export interface LineDesired {
  /** Absolute path of the file. */
  path: string;
  /** present: the line is in the file; absent: no line matches. */
  state: 'present' | 'absent';
  /** The wanted line (required for present; for absent, removes lines equal to it when there is no regexp). */
  line?: string;
  /** grep -E expression: present replaces the last matching line, absent removes every matching line. */
  regexp?: string;
  /** Create the file (root; 0644, or 0600 when the line holds a secret) when it does not exist; otherwise a missing file is an error. */
  create: boolean;
  /** The line holds a secret: diffs mask the removed line too, and a created file is 0600. */
  sensitive: boolean;
}

/** What decideScript chose, as the probe saw it. */
export type LineAction = 'ok' | 'missing' | 'notfile' | 'badregexp' | 'replace' | 'append' | 'remove';

/** What the probe found. */
export interface LineCurrent {
  /** The decision for the file as it is now. */
  action: LineAction;
  /** replace: the number of the line replaced. */
  lineNumber?: number;
  /** replace: the line replaced; remove: the lines removed, as "number:text". */
  old: string[];
}

const ACTIONS: readonly LineAction[] = ['ok', 'missing', 'notfile', 'badregexp', 'replace', 'append', 'remove'];

/**
 * Sets `action` (and `n`, the line to replace) from the file as it is now.
 * Read-only; shared by probe and apply. With a regexp, one grep reads the
 * matching lines with their numbers (the last one's text is compared in the
 * shell); only when that grep fails (exit 2) does a second one tell a bad
 * expression from a read error.
 */
function decideScript(desired: LineDesired): Shell {
  const hasLine = insert(trusted('printf \'%s\\n\' "$provision_line" | grep -q -a -x -F -f - -- "$p"'));
  const byRegexp: Shell[] = [
    // `|| provision_rc=$?` keeps grep's status without stopping an apply script's `set -e` when nothing matches.
    trusted('provision_rc=0; provision_found=$(grep -a -n -E -e "$provision_re" -- "$p" 2>/dev/null) || provision_rc=$?'),
    // grep exits 2 on a bad expression (and on a read error); on an empty input 0 or 1 mean it compiled.
    trusted(`if [ "$provision_rc" -eq 2 ] && ! { printf '\\n' | grep -q -E -e "$provision_re" 2>/dev/null || [ $? -eq 1 ]; }; then action=badregexp`),
    ...(desired.state === 'absent'
      ? [trusted('elif [ -n "$provision_found" ]; then action=remove; fi')]
      : [
          trusted('elif [ -n "$provision_found" ]; then'),
          // The last match, "number:text": the newline before it is the last one in the list.
          trusted(`  provision_last=\${provision_found##*'\n'}`),
          trusted('  n=${provision_last%%:*}'),
          trusted('  if [ "${provision_last#*:}" != "$provision_line" ]; then action=replace; fi'),
          sh`elif ! ${hasLine}; then action=append; fi`,
        ]),
  ];
  const decide: Shell[] =
    desired.regexp !== undefined ? byRegexp : desired.state === 'absent' ? [sh`if ${hasLine}; then action=remove; fi`] : [sh`if ! ${hasLine}; then action=append; fi`];
  return lines(
    setVar('p', desired.path),
    desired.line !== undefined && setVar('provision_line', desired.line),
    desired.regexp !== undefined && setVar('provision_re', desired.regexp),
    'action=ok',
    'n=',
    'if [ ! -e "$p" ]; then action=missing',
    'elif [ ! -f "$p" ]; then action=notfile',
    'else',
    ...decide.map((l) => sh`  ${insert(l)}`),
    'fi',
  );
}

function probe(desired: LineDesired): Shell {
  return lines(
    decideScript(desired),
    'echo "action=$action"',
    'if [ -n "$n" ]; then echo "line_number=$n"; fi',
    // The old lines are for the diff; base64 so no byte of them can disturb the probe's framing.
    `if [ "$action" = replace ]; then printf 'old='; sed -n "\${n}p" -- "$p" | base64 -w0; echo; fi`,
    sh`if [ "$action" = remove ]; then printf 'old='; ${insert(desired.regexp !== undefined ? trusted('grep -a -n -E -e "$provision_re" -- "$p"') : trusted('printf \'%s\\n\' "$provision_line" | grep -a -n -x -F -f - -- "$p"'))} | base64 -w0; echo; fi`,
  );
}

function parse(output: string): LineCurrent {
  const fields = parseFields(output);
  const reported = fields.get('action');
  const action = ACTIONS.find((a) => a === reported);
  if (action === undefined) throw new Error(`line probe printed no known action (got '${reported ?? ''}')`);
  const old = base64Field(fields, 'old');
  return { action, lineNumber: integerField(fields, 'line_number'), old: old === undefined ? [] : old.replace(/\n$/, '').split('\n') };
}

function diff(desired: LineDesired, current: LineCurrent): Change[] {
  const added = desired.line === undefined ? [] : [desired.line];
  switch (current.action) {
    case 'ok':
      return [];
    case 'notfile':
      return [{ summary: 'not a regular file (apply will fail)' }];
    case 'badregexp':
      return [{ summary: `regexp is not a valid grep -E expression (apply will fail)` }];
    case 'missing':
      if (desired.state === 'absent') return [];
      return desired.create
        ? [{ summary: 'absent → file with the line', diff: lineDiff(desired, [], added) }]
        : [{ summary: 'file does not exist and create is false (apply will fail unless it appears first)' }];
    case 'replace':
      return [{ summary: `line ${current.lineNumber ?? '?'} replaced`, diff: lineDiff(desired, current.old, added) }];
    case 'append':
      return [{ summary: 'line appended', diff: lineDiff(desired, [], added) }];
    case 'remove': {
      const numbers = current.old.map((l) => l.slice(0, l.indexOf(':')));
      const removed = current.old.map((l) => l.slice(l.indexOf(':') + 1));
      return [{ summary: `${numbers.length === 1 ? 'line' : 'lines'} ${numbers.join(', ')} removed`, diff: lineDiff(desired, removed, []) }];
    }
  }
}

/** The removed and added lines, diff style. */
function lineDiff(desired: LineDesired, removed: string[], added: string[]): string {
  const text = [`--- ${desired.path}`, `+++ ${desired.path}`, ...removed.map((l) => `-${l}`), ...added.map((l) => `+${l}`)].join('\n');
  return maskDiff(`${text}\n`, desired.sensitive);
}

/** Decides again on the host, then writes the new content atomically (keeping owner and mode). */
function apply(desired: LineDesired): Shell {
  const newContent: Shell =
    desired.state === 'absent'
      ? // grep -v exits 1 when no line is left; that is an empty file, not an error.
        sh`${insert(desired.regexp !== undefined ? trusted('grep -v -a -E -e "$provision_re" -- "$p"') : trusted('printf \'%s\\n\' "$provision_line" | grep -v -a -x -F -f - -- "$p"'))} || [ $? -eq 1 ]`
      : lines(
          'case $action in',
          '  replace) head -n "$((n - 1))" -- "$p" && printf \'%s\\n\' "$provision_line" && tail -n "+$((n + 1))" -- "$p" ;;',
          // A last line without its newline gets one before the appended line.
          '  append) cat -- "$p" && if [ -n "$(tail -c 1 -- "$p")" ]; then echo; fi && printf \'%s\\n\' "$provision_line" ;;',
          '  missing) printf \'%s\\n\' "$provision_line" ;;',
          'esac',
        );
  return lines(
    FAIL_FUNCTION,
    decideScript(desired),
    'case $action in',
    sh`  notfile) ${insert(fail(`${desired.path} is not a regular file`))} ;;`,
    sh`  badregexp) ${insert(fail(`regexp is not a valid grep -E expression: ${desired.regexp ?? ''}`))} ;;`,
    desired.state === 'absent' ? '  missing) action=ok ;;' : !desired.create && sh`  missing) ${insert(fail(`${desired.path} does not exist (set create: true to create it)`))} ;;`,
    'esac',
    'if [ "$action" != ok ]; then',
    atomicWriteSteps({ path: desired.path, content: newContent, attributes: {}, private: desired.sensitive }),
    'else',
    // Decided again here: the file may have changed since the probe (a package or a command made it).
    '  provision_unchanged',
    'fi',
  );
}

function validate(args: Args): LineDesired {
  onlyKeys(args, ['path', 'line', 'regexp', 'state', 'create']);
  const path = absolutePath(args, 'path');
  const state = oneOf(args, 'state', ['present', 'absent'], 'present');
  const regexp = optionalString(args, 'regexp');
  const line = state === 'present' || regexp === undefined ? requiredString(args, 'line') : optionalString(args, 'line');
  if (line?.includes('\n')) throw new ArgError('line', `'line' must be a single line (it contains a newline)`);
  if (regexp?.includes('\n')) throw new ArgError('regexp', `'regexp' must be a single line (it contains a newline)`);
  return { path, state, line, regexp, create: optionalBoolean(args, 'create', false), sensitive: line !== undefined && holdsSecret(line) };
}

/**
 * The line's decision is made again when apply reaches it: an earlier change of
 * the run to the file (one that creates it, a command that may) decides it then.
 */
function predict(desired: LineDesired, _current: LineCurrent, ahead: Lookahead): Prediction<LineCurrent> | undefined {
  const o = ahead.atApply.path(desired.path);
  if (!o) return undefined;
  if (o.kind === 'absent') return { current: { action: 'missing', old: [] }, because: `${o.by} removes it` };
  if (o.kind === 'directory') return { current: { action: 'notfile', old: [] }, because: `${o.by} makes it a directory` };
  const what = o.kind === 'unknown' ? `may change ${desired.path}: ${o.why}` : `writes ${desired.path}`;
  const added = desired.line === undefined ? [] : [desired.line];
  const cases =
    desired.state === 'absent'
      ? casesOf([['a matching line is there', [{ summary: 'removed' }]], ['none is', []]])
      : casesOf([
          ['the line is there', []],
          [desired.regexp !== undefined ? 'a line matches the regexp' : 'the file is there without it', [{ summary: desired.regexp !== undefined ? 'that line replaced' : 'line appended', diff: lineDiff(desired, [], added) }]],
          ...(desired.create ? [] : [['the file is not there', [{ summary: 'apply fails (create is false)' }]] as const]),
        ]);
  return { unknown: `${o.by} ${what}; the line is checked when apply reaches it`, cases };
}

/** The `line` resource type. */
export const line: ResourceType<LineDesired, LineCurrent> = {
  name: 'line',
  validate,
  label: (desired) => desired.path,
  probe,
  parse,
  diff,
  apply,
  predict,
  effects: { of: (items) => ({ paths: new Map(items.map(({ desired }) => [desired.path, { kind: 'unknown' as const, by: `line in ${desired.path}`, why: 'a line in it is changed earlier in this run' }])) }) },
};
