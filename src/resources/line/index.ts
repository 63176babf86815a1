/**
 * `line`: one line in a text file is present (replacing the last line that
 * matches `regexp`, else appended) or absent.
 *
 * The probe reads the file (its content, and the numbers of the lines
 * `regexp` matches: grep on the host, so `regexp` is a grep -E expression);
 * parse() computes the content's sha256 from the bytes it read, decide()
 * chooses the edit in TypeScript; apply makes that edit
 * atomically, after checking that the file is still the one decided from. If
 * it changed since the probe (an earlier step of the run wrote it), apply
 * changes nothing and says so (provision_stale): the engine probes it and
 * decides again.
 */
import { createHash } from 'node:crypto';
import { insert, lines, sh, trusted, type Shell } from '../../shell/quote.js';
import { absolutePath, type Args, oneOf, onlyKeys, optionalBoolean, optionalString, requiredString } from '../shared/args.js';
import { atomicWriteSteps } from '../shared/atomic-write.js';
import { parseFields } from '../shared/probe-output.js';
import { FAIL_FUNCTION, fail, setVar } from '../shared/script.js';
import { holdsSecret, maskDiff } from '../shared/text-diff.js';
import { casesOf, type Lookahead, type Prediction } from '../shared/lookahead.js';
import { type ActionDecision, ArgError, type Change, type ResourceType } from '../types.js';

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

/** What the probe found at the path. */
export type LineCurrent =
  | { kind: 'missing' }
  | { kind: 'notfile' }
  | {
      kind: 'file';
      /** sha256 of the content: apply checks the file is still this one. */
      sha256: string;
      /** The lines, as grep counts them (a last line without its newline is a line). */
      lines: string[];
      /** Numbers (from 1) of the lines `regexp` matches; empty without one. */
      matches: number[];
      /** grep refused `regexp`. */
      badRegexp: boolean;
    };

/** What apply does. */
export type LineAction =
  | { kind: 'ok' }
  | { kind: 'fail'; reason: string }
  | { kind: 'create' }
  | { kind: 'replace'; lineNumber: number }
  | { kind: 'append' }
  | { kind: 'remove'; lineNumbers: number[] };

/** The decision: the edit, the state it was made from (apply checks it is still so), and the changes plan shows. */
export interface LineDecision extends ActionDecision<LineAction> {
  /** The file as the probe saw it: absent, not a regular file, or a file with this sha256. */
  readonly seen: { kind: 'missing' } | { kind: 'notfile' } | { kind: 'file'; sha256: string };
}

/**
 * Prints `kind=`, and for a regular file `content=` (base64), `read=` (base64's exit status) and,
 * with a regexp that is not plain text (literalRegexp), grep's own `-n` output (`NUMBER:LINE`, one per
 * matching line) and `grep=` (its exit status: 2 when it refused the regexp). One process per file,
 * base64, and one per such regexp, grep.
 */
function probe(desired: LineDesired): Shell {
  return lines(look(desired.path), report(desired, false));
}

/**
 * The probes of several lines, each followed by `separator`: one section of the batch for all of a
 * host's lines. Declarations in a row on the same file (a file's several keys) share one base64
 * read, held in the shell: one process less each, and all of them decided from the same bytes. A
 * file read once is streamed instead (the shell would hold a large file several times over).
 */
function probeMany(items: readonly LineDesired[], separator: string): Shell {
  return lines(
    ...items.map((desired, i) => {
      const first = items[i - 1]?.path !== desired.path;
      const shared = !first || items[i + 1]?.path === desired.path;
      return lines(first && look(desired.path), first && shared && hold(), report(desired, shared), sh`printf '%s\\n' ${separator}`);
    }),
  );
}

/** Sets `provision_p` to the path and `provision_kind` to missing, notfile or file. */
function look(path: string): Shell {
  return lines(
    setVar('provision_p', path),
    'if [ ! -e "$provision_p" ]; then provision_kind=missing',
    'elif [ ! -f "$provision_p" ]; then provision_kind=notfile',
    'else provision_kind=file',
    'fi',
  );
}

/** For a file, `provision_b64` holds its bytes in base64 and `provision_read` base64's exit status. */
function hold(): Shell {
  return trusted('if [ "$provision_kind" = file ]; then provision_b64=$(base64 -w0 <"$provision_p"); provision_read=$?; fi');
}

/**
 * What probe prints about the file `look` found: its bytes in base64 (no byte of the file can
 * disturb the probe's framing; parse hashes these very bytes), read now or, when `held`, by `hold`.
 */
function report(desired: LineDesired, held: boolean): Shell {
  return lines(
    'echo "kind=$provision_kind"',
    'if [ "$provision_kind" = file ]; then',
    held ? `  printf 'content=%s\\nread=%s\\n' "$provision_b64" "$provision_read"` : `  printf 'content='; base64 -w0 <"$provision_p"; printf '\\nread=%s\\n' "$?"`,
    desired.regexp !== undefined &&
      literalRegexp(desired.regexp) === undefined &&
      lines(
        setVar('provision_re', desired.regexp),
        // Each line grep prints starts with its number and a colon, which no other line of this output does.
        '  grep -a -n -E -e "$provision_re" -- "$provision_p" 2>/dev/null; echo "grep=$?"',
      ),
    'fi',
  );
}

/** A grep -n output line: the number of a matching line, then a colon. */
const MATCH = /^([0-9]+):/;

/** A regexp written as plain text: printable ASCII without grep -E's special characters, maybe anchored at the line's start (^) and end ($). */
interface LiteralRegexp {
  text: string;
  start: boolean;
  end: boolean;
}

/**
 * Pure: the regexp as plain text, or undefined when it uses anything of grep -E's syntax beyond the anchors.
 * Such a regexp matches exactly the lines that hold its text (there, at the start, at the end, or as the whole
 * line), in grep as in any engine: parse finds them in the content the probe read, and the probe runs no grep for it.
 */
export function literalRegexp(regexp: string): LiteralRegexp | undefined {
  const m = /^(\^?)([ -~]*?)(\$?)$/.exec(regexp);
  if (!m || /[.[\]()*+?{}|^$\\]/.test(m[2]!)) return undefined;
  return { text: m[2]!, start: m[1] === '^', end: m[3] === '$' };
}

/** Numbers (from 1) of the lines a plain-text regexp matches. */
function literalMatches(all: readonly string[], re: LiteralRegexp): number[] {
  const matches = (l: string): boolean =>
    re.start && re.end ? l === re.text : re.start ? l.startsWith(re.text) : re.end ? l.endsWith(re.text) : l.includes(re.text);
  return all.flatMap((l, i) => (matches(l) ? [i + 1] : []));
}

function parse(output: string, desired: LineDesired): LineCurrent {
  const fields = parseFields(output);
  const kind = fields.get('kind');
  if (kind === 'missing' || kind === 'notfile') return { kind };
  if (kind !== 'file') throw new Error(`line probe printed no known kind (got '${kind ?? ''}')`);
  const bytes = Buffer.from(fields.get('content') ?? '', 'base64');
  // A file base64 could not read has no known content: its empty hash matches no file at apply, which then decides again.
  const read = fields.get('read') === '0';
  const sha256 = read ? createHash('sha256').update(bytes).digest('hex') : '';
  const content = bytes.toString('utf8');
  const all = content.split('\n');
  if (content.endsWith('\n') || content === '') all.pop();
  const literal = desired.regexp === undefined ? undefined : literalRegexp(desired.regexp);
  if (literal) return { kind, sha256, lines: all, matches: literalMatches(all, literal), badRegexp: false };
  const matches = output.split('\n').flatMap((l) => {
    const m = MATCH.exec(l);
    return m ? [Number(m[1])] : [];
  });
  // grep exits 2 on an error: with the file readable, that is its refusal of the expression.
  return { kind, sha256, lines: all, matches, badRegexp: read && fields.get('grep') === '2' };
}

/** Pure: the edit for the file as probed, and what it shows. */
function decide(desired: LineDesired, current: LineCurrent): LineDecision {
  const seen = current.kind === 'file' ? { kind: current.kind, sha256: current.sha256 } : current;
  const decision = (action: LineAction, changes: Change[]): LineDecision => ({ action, seen, changes });
  const added = desired.line === undefined ? [] : [desired.line];
  if (current.kind === 'notfile') return decision({ kind: 'fail', reason: `${desired.path} is not a regular file` }, [{ summary: 'not a regular file (apply will fail)' }]);
  if (current.kind === 'missing') {
    if (desired.state === 'absent') return decision({ kind: 'ok' }, []);
    return desired.create
      ? decision({ kind: 'create' }, [{ summary: 'absent → file with the line', diff: lineDiff(desired, [], added) }])
      : decision({ kind: 'fail', reason: `${desired.path} does not exist (set create: true to create it)` }, [{ summary: 'file does not exist and create is false (apply will fail unless it appears first)' }]);
  }
  if (current.badRegexp) return decision({ kind: 'fail', reason: `regexp is not a valid grep -E expression: ${desired.regexp ?? ''}` }, [{ summary: 'regexp is not a valid grep -E expression (apply will fail)' }]);
  const equal = current.lines.flatMap((text, i) => (text === desired.line ? [i + 1] : []));
  if (desired.state === 'absent') {
    const removed = desired.regexp !== undefined ? current.matches : equal;
    if (removed.length === 0) return decision({ kind: 'ok' }, []);
    const summary = `${removed.length === 1 ? 'line' : 'lines'} ${removed.join(', ')} removed`;
    return decision({ kind: 'remove', lineNumbers: removed }, [{ summary, diff: lineDiff(desired, removed.map((n) => current.lines[n - 1]!), []) }]);
  }
  const last = current.matches.at(-1);
  if (last !== undefined) {
    const old = current.lines[last - 1]!;
    if (old === desired.line) return decision({ kind: 'ok' }, []);
    return decision({ kind: 'replace', lineNumber: last }, [{ summary: `line ${last} replaced`, diff: lineDiff(desired, [old], added) }]);
  }
  if (equal.length > 0) return decision({ kind: 'ok' }, []);
  return decision({ kind: 'append' }, [{ summary: 'line appended', diff: lineDiff(desired, [], added) }]);
}

/** The removed and added lines, diff style. */
function lineDiff(desired: LineDesired, removed: string[], added: string[]): string {
  const text = [`--- ${desired.path}`, `+++ ${desired.path}`, ...removed.map((l) => `-${l}`), ...added.map((l) => `+${l}`)].join('\n');
  return maskDiff(`${text}\n`, desired.sensitive);
}

/** Shell that stops the step, changing nothing, when the file is no longer what the decision was made from. */
function unchangedSinceProbe(path: string, seen: LineDecision['seen']): Shell {
  const changed =
    seen.kind === 'missing'
      ? trusted('[ -e "$p" ]')
      : seen.kind === 'notfile'
        ? trusted('[ ! -e "$p" ] || [ -f "$p" ]')
        : sh`[ ! -f "$p" ] || [ "$(sha256sum <"$p" | cut -d' ' -f1)" != ${seen.sha256} ]`;
  return sh`if ${insert(changed)}; then echo ${`${path} changed since it was probed: decided again`}; provision_stale; exit 0; fi`;
}

/** Checks the file is as probed, then makes the decided edit: the new content is written beside it and renamed over it (keeping owner and mode). */
function apply(desired: LineDesired, decision: LineDecision): Shell {
  const action = decision.action;
  if (action.kind === 'ok') return trusted(':');
  const check = lines(setVar('p', desired.path), unchangedSinceProbe(desired.path, decision.seen));
  if (action.kind === 'fail') return lines(FAIL_FUNCTION, check, fail(action.reason));
  const wanted = desired.line === undefined ? trusted(':') : sh`printf '%s\\n' ${desired.line}`;
  const content: Shell =
    action.kind === 'create'
      ? wanted
      : action.kind === 'replace'
        ? sh`head -n ${action.lineNumber - 1} -- "$p" && ${insert(wanted)} && tail -n ${`+${action.lineNumber + 1}`} -- "$p"`
        : action.kind === 'append'
          ? // A last line without its newline gets one before the appended line.
            sh`cat -- "$p" && if [ -n "$(tail -c 1 -- "$p")" ]; then echo; fi && ${insert(wanted)}`
          : sh`sed ${action.lineNumbers.flatMap((n) => ['-e', `${n}d`])} -- "$p"`;
  return lines(FAIL_FUNCTION, check, atomicWriteSteps({ path: desired.path, content, attributes: {}, private: desired.sensitive }));
}

function validate(args: Args): LineDesired {
  onlyKeys(args, ['path', 'line', 'regexp', 'state', 'create']);
  const path = absolutePath(args, 'path');
  const state = oneOf(args, 'state', ['present', 'absent'], 'present');
  const regexp = optionalString(args, 'regexp');
  const line = state === 'present' || regexp === undefined ? requiredString(args, 'line') : optionalString(args, 'line');
  // A carriage return ends a line too for some readers (a Java .properties file, e.g. Sumo's user.properties): the rest would be an entry of its own.
  for (const [key, text] of [['line', line], ['regexp', regexp]] as const) {
    const lineBreak = text === undefined ? undefined : /[\n\r]/.exec(text)?.[0];
    if (lineBreak !== undefined) throw new ArgError(key, `'${key}' must be a single line (it contains ${lineBreak === '\n' ? 'a newline' : 'a carriage return'})`);
  }
  return { path, state, line, regexp, create: optionalBoolean(args, 'create', false), sensitive: line !== undefined && holdsSecret(line) };
}

/**
 * The line's decision is made again when apply finds its file changed: an earlier change of
 * the run to the file (one that creates it, a command that may) decides it then.
 */
function predict(desired: LineDesired, _current: LineCurrent, ahead: Lookahead): Prediction<LineCurrent> | undefined {
  const o = ahead.atApply.path(desired.path);
  if (!o) return undefined;
  if (o.kind === 'absent') return { current: { kind: 'missing' }, because: `${o.by} removes it` };
  if (o.kind === 'directory') return { current: { kind: 'notfile' }, because: `${o.by} makes it a directory` };
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
export const line: ResourceType<LineDesired, LineCurrent, LineDecision> = {
  name: 'line',
  validate,
  label: (desired) => desired.path,
  probe,
  probeMany,
  probeInline: true,
  parse,
  decide,
  apply,
  predict,
  effects: { of: (items) => ({ paths: new Map(items.map(({ desired }) => [desired.path, { kind: 'unknown' as const, by: `line in ${desired.path}`, why: 'a line in it is changed earlier in this run' }])) }) },
};
