/** Owner, group and mode of a file or directory: arguments, comparison and the commands that set them. */
import { quote } from '../shell/quote.js';
import { type Args, optionalMode, optionalString } from './args.js';
import type { PathState } from './path-state.js';

/** The wanted attributes; an undefined one is left as it is. */
export interface Attributes {
  /** User name or uid. */
  owner?: string;
  /** Group name or gid. */
  group?: string;
  /** Four-digit octal mode. */
  mode?: string;
}

/** The argument keys read by attributeArgs. */
export const ATTRIBUTE_KEYS = ['owner', 'group', 'mode'] as const;

/** Reads `owner`, `group` and `mode` from a declaration. */
export function attributeArgs(args: Args): Attributes {
  return { owner: optionalString(args, 'owner'), group: optionalString(args, 'group'), mode: optionalMode(args, 'mode') };
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
 * shell word already safe to insert (a quoted path or "$tmp").
 */
export function attributeCommands(want: Attributes, target: string): string[] {
  const commands: string[] = [];
  if (want.owner !== undefined) {
    commands.push(`chown ${quote(want.group === undefined ? want.owner : `${want.owner}:${want.group}`)} -- ${target}`);
  } else if (want.group !== undefined) {
    commands.push(`chgrp ${quote(want.group)} -- ${target}`);
  }
  // The extra leading zero makes GNU chmod clear a directory's setgid bit too, so "0755" really converges.
  if (want.mode !== undefined) commands.push(`chmod 0${want.mode} -- ${target}`);
  return commands;
}
