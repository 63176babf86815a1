/** Replacing a file atomically: temp file beside it, content, attributes, validation, rename. */
import { posix } from 'node:path';
import { ArgError } from '../types.js';
import { type Args, optionalString } from './args.js';
import { insert, joinShell, lines, sh, trusted, type Shell } from '../../shell/quote.js';
import { type Attributes, attributeCommands } from './attributes.js';
import { FAIL_FUNCTION, fail, userShell } from './script.js';

/** What atomicWriteScript writes and how. */
export interface AtomicWrite {
  /** Absolute path of the file to replace or create. */
  path: string;
  /** Shell commands whose stdout is the new content; they may read the old file at "$p". */
  content: Shell;
  /** Wanted attributes; unset ones keep those of the old file, or root and 0644 for a new one. */
  attributes: Attributes;
  /** The content holds a secret: a new file without a wanted mode is 0600, not 0644. */
  private?: boolean;
  /** User command checking the new file before it is installed; `%s` stands for its path. */
  validate?: string;
}

/**
 * POSIX sh replacing `path` atomically. The temp file is made in the same
 * directory (so `mv` is a rename) under umask 077, so secret content is never
 * readable by others, not even briefly; it gets its final attributes before
 * the rename. On any failure the temp file is removed and the target is
 * left as it was.
 */
export function atomicWriteScript(write: AtomicWrite): Shell {
  return lines(FAIL_FUNCTION, atomicWriteSteps(write));
}

/** atomicWriteScript without the definition of `fail`, for scripts that define it earlier. */
export function atomicWriteSteps(write: AtomicWrite): Shell {
  const dir = posix.dirname(write.path);
  return lines(
    'umask 077',
    sh`p=${write.path}`,
    sh`[ -d ${dir} ] || ${insert(fail(`parent directory ${dir} does not exist`))}`,
    sh`if [ -d "$p" ] && [ ! -L "$p" ]; then ${insert(fail(`${write.path} is a directory`))}; fi`,
    sh`tmp=$(mktemp -p ${dir} .provision.XXXXXXXX) || ${insert(fail(`cannot create a temporary file in ${dir}`))}`,
    '{',
    write.content,
    sh`} >"$tmp" || ${insert(fail(`cannot write the new content of ${write.path}`))}`,
    inheritStep(write.attributes, write.private === true),
    setAttributesStep(write.attributes),
    write.validate !== undefined && validateStep(write.path, write.validate),
    sh`mv -f -- "$tmp" "$p" || ${insert(fail(`cannot rename the new file over ${write.path}`))}`,
  );
}

/**
 * Unset attributes follow the file being replaced; a new file is root's and
 * 0644 (0600 when it is private: it keeps the temp file's mode). Only what is
 * unset is touched, so the temp file never passes through a looser mode than
 * the wanted one.
 */
function inheritStep(attributes: Attributes, isPrivate: boolean): Shell | undefined {
  const inherit = [
    (attributes.owner === undefined || attributes.group === undefined) && trusted('chown --reference="$p" -- "$tmp"'),
    attributes.mode === undefined && trusted('chmod --reference="$p" -- "$tmp"'),
  ].filter((c): c is Shell => c !== false);
  if (inherit.length === 0) return undefined;
  return lines(
    'if [ -f "$p" ] && [ ! -L "$p" ]; then',
    sh`  { ${insert(joinShell(inherit, ' && '))}; } || ${insert(fail('cannot copy owner and mode from the old file'))}`,
    attributes.mode === undefined && !isPrivate && 'else',
    attributes.mode === undefined && !isPrivate && sh`  chmod 0644 -- "$tmp" || ${insert(fail('cannot set the mode of the new file'))}`,
    'fi',
  );
}

/** Sets the explicit attributes on "$tmp"; `&&` so that the first failure stops (set -e does not apply left of `||`). */
function setAttributesStep(attributes: Attributes): Shell | undefined {
  const commands = attributeCommands(attributes, trusted('"$tmp"'));
  return commands.length === 0 ? undefined : sh`${insert(joinShell(commands, ' && '))} || ${insert(fail('cannot set owner, group or mode'))}`;
}

/**
 * The optional `validate` key: a command with `%s` where the new file's path
 * goes (checked by withTempPath: a `%s` inside single quotes is refused).
 */
export function validateArg(args: Args): string | undefined {
  const check = optionalString(args, 'validate');
  if (check === undefined) return undefined;
  if (!check.includes('%s')) throw new ArgError('validate', `'validate' must contain %s where the new file's path goes, e.g. "nginx -t -c %s"`);
  try {
    withTempPath(check);
  } catch (err) {
    throw new ArgError('validate', `'validate': ${(err as Error).message}, got ${JSON.stringify(check)}`);
  }
  return check;
}

/**
 * The validate command with each `%s` replaced by the temp file's path, quoted
 * for where it stands: `"$tmp"` outside quotes (and inside `$( )`), `$tmp`
 * inside double quotes. Inside single quotes nothing can expand, so a `%s`
 * there is refused (written `'%s'`, it would stay the two characters).
 */
export function withTempPath(text: string): string {
  // What each open context is: plain shell (the top level, a subshell, $( )) or double quotes.
  const stack: Array<'plain' | 'double'> = ['plain'];
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const state = stack[stack.length - 1]!;
    if (text.startsWith('%s', i)) {
      out += state === 'double' ? '$tmp' : '"$tmp"';
      i++;
    } else if (c === '\\') {
      out += text.slice(i, i + 2);
      i++;
    } else if (c === "'" && state === 'plain') {
      const end = text.indexOf("'", i + 1);
      const quoted = text.slice(i, end < 0 ? undefined : end + 1);
      if (quoted.includes('%s')) throw new Error("%s stands inside single quotes, where the file's path cannot be put: write it outside quotes (it is quoted for you)");
      out += quoted;
      i += quoted.length - 1;
    } else if (c === '"') {
      if (state === 'double') stack.pop();
      else stack.push('double');
      out += c;
    } else if (c === '$' && text[i + 1] === '(') {
      stack.push('plain');
      out += '$(';
      i++;
    } else if (c === '(' && state === 'plain') {
      stack.push('plain');
      out += c;
    } else if (c === ')' && state === 'plain' && stack.length > 1) {
      stack.pop();
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

/** Runs the validator on "$tmp"; its output is shown and the original kept when it fails. */
function validateStep(path: string, validate: string): Shell {
  // %s becomes "$tmp", expanded when eval runs, so a path with spaces or quotes stays one word.
  const command = withTempPath(validate);
  return lines(
    // The space keeps `$( (` from reading as arithmetic `$((`.
    sh`if ! provision_out=$( ${insert(userShell(command))} 2>&1); then`,
    `  printf '%s\\n' "$provision_out" >&2`,
    sh`  ${insert(fail(`validation failed (${validate}); ${path} was not changed`))}`,
    'fi',
  );
}
