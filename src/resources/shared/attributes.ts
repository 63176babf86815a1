/** Owner, group and mode of a file or directory: arguments, comparison and the commands that set them. */
import { insert, sh, trusted, type Shell } from '../../shell/quote.js';
import { ACCOUNT_NAME } from './accounts.js';
import { type Args, matching, optionalBoolean, optionalMode, optionalString } from './args.js';
import type { PathState } from './path-state.js';

/** The wanted attributes; an undefined one is left as it is. */
export interface Attributes {
  /** User name or uid. */
  owner?: string;
  /** Group name or gid. */
  group?: string;
  /** Four-digit octal mode. */
  mode?: string;
  /** `follow: true`: a symbolic link at the path is followed (its target gets the owner and mode); by default a link is refused. */
  follow?: boolean;
}

/** The argument keys read by attributeArgs. */
export const ATTRIBUTE_KEYS = ['owner', 'group', 'mode'] as const;

/** Reads `owner`, `group` and `mode` from a declaration. */
export function attributeArgs(args: Args): Attributes {
  // Only types whose onlyKeys lists `follow` (directory) can be given it.
  const follow = optionalBoolean(args, 'follow', false);
  return { owner: accountArg(args, 'owner'), group: accountArg(args, 'group'), mode: optionalMode(args, 'mode'), ...(follow ? { follow } : {}) };
}

/** A user or group name, or a numeric id: anything else (`--help`, `a:b`, a space) never reaches chown. */
export function accountArg(args: Args, key: string): string | undefined {
  const value = optionalString(args, key);
  if (value === undefined || /^[0-9]+$/.test(value)) return value;
  return matching(key, value, ACCOUNT_NAME, 'a user or group name (lowercase letters, digits, _ . -, starting with a letter or _) or a numeric id');
}

/** One attribute that differs. */
export interface AttributeChange {
  /** Which attribute. */
  attribute: keyof Attributes;
  /** Current value as the host names it. */
  from: string;
  /** Wanted value. */
  to: string;
}

/** The attributes of an existing path that differ from the wanted ones (a name or a number may name the owner and group). */
export function attributeChanges(want: Attributes, have: PathState): AttributeChange[] {
  const changes: AttributeChange[] = [];
  if (want.owner !== undefined && want.owner !== have.owner && want.owner !== have.uid) {
    changes.push({ attribute: 'owner', from: have.owner, to: want.owner });
  }
  if (want.group !== undefined && want.group !== have.group && want.group !== have.gid) {
    changes.push({ attribute: 'group', from: have.group, to: want.group });
  }
  if (want.mode !== undefined && want.mode !== have.mode) changes.push({ attribute: 'mode', from: have.mode, to: want.mode });
  return changes;
}

/** "mode 0644 → 0600". */
export function describeAttributeChange(change: AttributeChange): string {
  return `${change.attribute} ${change.from} → ${change.to}`;
}

/** "owner www-data, mode 0600": the explicit attributes of something new. */
export function describeAttributes(want: Attributes): string[] {
  return ATTRIBUTE_KEYS.flatMap((key) => (want[key] === undefined ? [] : [`${key} ${want[key]}`]));
}

/**
 * chown/chgrp/chmod commands setting the wanted attributes on `target`, a
 * shell word (a quoted path or "$tmp"). They never follow a symbolic link
 * (chown -h) unless the declaration says `follow: true`; chmod cannot change
 * a link itself, so callers refuse a link first (notLinkCheck).
 */
export function attributeCommands(want: Attributes, target: Shell): Shell[] {
  const commands: Shell[] = [];
  const h = insert(want.follow ? trusted('') : trusted(' -h'));
  if (want.owner !== undefined) {
    commands.push(sh`chown${h} ${want.group === undefined ? want.owner : `${want.owner}:${want.group}`} -- ${insert(target)}`);
  } else if (want.group !== undefined) {
    commands.push(sh`chgrp${h} ${want.group} -- ${insert(target)}`);
  }
  // The extra leading zero makes GNU chmod clear a directory's setgid bit too, so "0755" really converges.
  if (want.mode !== undefined) commands.push(sh`chmod 0${insert(modeDigits(want.mode))} -- ${insert(target)}`);
  return commands;
}

/** An octal mode's digits as shell text (checked: digits only). */
function modeDigits(mode: string): Shell {
  if (!/^[0-7]{3,4}$/.test(mode)) throw new Error(`not an octal mode: ${mode}`);
  return sh`${mode}`;
}

/**
 * A line of an apply script that stops it when `path` is now a symbolic link
 * (checked on the host, in the same script that changes owner or mode: a link
 * made after the probe is refused too); nothing when the declaration says
 * `follow: true`.
 */
export function notLinkCheck(want: Attributes, path: string, fail: (message: string) => Shell): Shell | undefined {
  if (want.follow) return undefined;
  return sh`if [ -L ${path} ]; then ${insert(fail(`${path} is a symbolic link: refusing to change the owner or mode of what it points to (set follow: true to allow it)`))}; fi`;
}
