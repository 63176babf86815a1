/** Replacing a file atomically: temp file beside it, content, attributes, validation, rename. */
import { posix } from 'node:path';
import { quote } from '../shell/quote.js';
import { type Attributes, attributeCommands } from './attributes.js';
import { FAIL_FUNCTION, fail, lines, userShell } from './script.js';

/** What atomicWriteScript writes and how. */
export interface AtomicWrite {
  /** Absolute path of the file to replace or create. */
  path: string;
  /** Shell commands whose stdout is the new content; they may read the old file at "$p". */
  content: string;
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
export function atomicWriteScript(write: AtomicWrite): string {
  return lines(FAIL_FUNCTION, atomicWriteSteps(write));
}

/** atomicWriteScript without the definition of `fail`, for scripts that define it earlier. */
export function atomicWriteSteps(write: AtomicWrite): string {
  const dir = posix.dirname(write.path);
  return lines(
    'umask 077',
    `p=${quote(write.path)}`,
    `[ -d ${quote(dir)} ] || ${fail(`parent directory ${dir} does not exist`)}`,
    `if [ -d "$p" ] && [ ! -L "$p" ]; then ${fail(`${write.path} is a directory`)}; fi`,
    `tmp=$(mktemp -p ${quote(dir)} .provision.XXXXXXXX) || ${fail(`cannot create a temporary file in ${dir}`)}`,
    '{',
    write.content,
    `} >"$tmp" || ${fail(`cannot write the new content of ${write.path}`)}`,
    inheritStep(write.attributes, write.private === true),
    setAttributesStep(write.attributes),
    write.validate !== undefined && validateStep(write.path, write.validate),
    `mv -f -- "$tmp" "$p" || ${fail(`cannot rename the new file over ${write.path}`)}`,
  );
}

/**
 * Unset attributes follow the file being replaced; a new file is root's and
 * 0644 (0600 when it is private: it keeps the temp file's mode). Only what is
 * unset is touched, so the temp file never passes through a looser mode than
 * the wanted one.
 */
function inheritStep(attributes: Attributes, isPrivate: boolean): string | undefined {
  const inherit = [
    (attributes.owner === undefined || attributes.group === undefined) && 'chown --reference="$p" -- "$tmp"',
    attributes.mode === undefined && 'chmod --reference="$p" -- "$tmp"',
  ].filter((c): c is string => c !== false);
  if (inherit.length === 0) return undefined;
  return lines(
    'if [ -f "$p" ] && [ ! -L "$p" ]; then',
    `  { ${inherit.join(' && ')}; } || ${fail('cannot copy owner and mode from the old file')}`,
    attributes.mode === undefined && !isPrivate && 'else',
    attributes.mode === undefined && !isPrivate && `  chmod 0644 -- "$tmp" || ${fail('cannot set the mode of the new file')}`,
    'fi',
  );
}

/** Sets the explicit attributes on "$tmp"; `&&` so that the first failure stops (set -e does not apply left of `||`). */
function setAttributesStep(attributes: Attributes): string | undefined {
  const commands = attributeCommands(attributes, '"$tmp"');
  return commands.length === 0 ? undefined : `${commands.join(' && ')} || ${fail('cannot set owner, group or mode')}`;
}

/** Runs the validator on "$tmp"; its output is shown and the original kept when it fails. */
function validateStep(path: string, validate: string): string {
  // %s becomes "$tmp", expanded when eval runs, so a path with spaces or quotes stays one word.
  const command = validate.split('%s').join('"$tmp"');
  return lines(
    // The space keeps `$( (` from reading as arithmetic `$((`.
    `if ! provision_out=$( ${userShell(command)} 2>&1); then`,
    `  printf '%s\\n' "$provision_out" >&2`,
    `  ${fail(`validation failed (${validate}); ${path} was not changed`)}`,
    'fi',
  );
}
